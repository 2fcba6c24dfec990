"""Les vues de l'indu : l'avis (PDF), l'enregistrement d'un remboursement, la liste des
indus de la Caf.

Qui voit : l'avis aux membres de la structure et aux agents de la Caf du dossier
(`Dossier.objects.echanges_par`), 404 pour les autres ; les pages de la Caf aux agents de
la Caf du dossier (`dossiers_de_la_caf`), 404 pour les autres ; la liste des indus aux
agents (leur Caf) et à l'administration nationale (toutes les Caf, lecture seule). Qui fait :
`permissions.capacites_indu`, vérifiée à nouveau par le cas d'usage sous verrou (403
sinon)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clas.bareme import formater_euros
from clas.bilans import regularisation
from clas.bilans.avis_indu import generer_avis, nom_avis
from clas.bilans.forms import FormulaireRemboursement
from clas.bilans.models import EtatIndu, Indu, Remboursement
from clas.bilans.retards import condition_indu_en_retard
from clas.comptes.roles import agent_de
from clas.core.forms import ajouter_erreurs
from clas.core.pdf import telecharger_pdf
from clas.core.permissions import (
    RequeteConnectee,
    agent_ou_national_requis,
    connexion_requise,
    lecture_seule_refusee,
)
from clas.dossiers.permissions import dossier_echange_ou_404
from clas.instruction.permissions import dossier_de_la_caf_ou_404
from clas.referentiel.choix_caf import choix_caf

INDUS_PAR_PAGE = 50


# --- L'indu ---------------------------------------------------------------------------------


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def indu_pdf(request: RequeteConnectee, pk: int) -> FileResponse:
    """L'avis d'indu : membres de la structure et agents de la Caf du dossier ; 404 sinon.
    Produit à la demande s'il manque."""
    dossier = dossier_echange_ou_404(request.user, pk)
    indu = (
        Indu.objects.select_related("convention__dossier")
        .filter(convention__dossier=dossier)
        .first()
    )
    if indu is None:
        raise Http404("Ce dossier n'a pas d'indu.")
    return telecharger_pdf(indu, "avis", nom_avis(indu), generer_avis)


@lecture_seule_refusee()
@connexion_requise
@require_POST
def indu_remboursement(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Un comptable ou un valideur de la Caf enregistre un remboursement reçu."""
    dossier = dossier_de_la_caf_ou_404(request.user, pk)
    indu = Indu.objects.filter(convention__dossier=dossier).first()
    if indu is None:
        raise Http404("Ce dossier n'a pas d'indu.")
    utilisateur = request.user
    agent = agent_de(utilisateur)
    if agent is None or not (agent.est_comptable or agent.est_valideur):
        raise PermissionDenied(
            "Seul un agent comptable ou un valideur de la Caf enregistre un remboursement."
        )
    url = reverse("instruction_dossier", args=[dossier.pk]) + "#regularisation"
    formulaire = FormulaireRemboursement(request.POST)
    if formulaire.is_valid():
        donnees = formulaire.cleaned_data
        try:
            resultat = regularisation.enregistrer_remboursement(
                indu,
                utilisateur,
                donnees["montant"],
                donnees["recu_le"],
                donnees.get("reference", ""),
                jeton=donnees["jeton"],
            )
        except ValidationError as erreur:
            ajouter_erreurs(formulaire, erreur)
        except regularisation.ActionImpossible as refus:
            messages.error(request, str(refus))
            return redirect(url)
        else:
            if resultat.deja_enregistre:
                messages.info(
                    request,
                    f"Ce remboursement de {formater_euros(resultat.remboursement.montant)} est "
                    "déjà enregistré : rien n'a été ajouté.",
                )
            elif resultat.indu_rembourse:
                messages.success(
                    request,
                    f"Remboursement de {formater_euros(resultat.remboursement.montant)} "
                    "enregistré : l'indu est entièrement remboursé."
                    + (" Le dossier est clôturé." if resultat.cloture else ""),
                )
            else:
                messages.success(
                    request,
                    f"Remboursement de {formater_euros(resultat.remboursement.montant)} "
                    f"enregistré ; reste à rembourser : {formater_euros(resultat.reste)}.",
                )
            return redirect(url)
    messages.error(request, "Le remboursement n'a pas été enregistré : voyez le formulaire.")
    from clas.instruction.views.dossier import rendre_dossier

    return rendre_dossier(
        request, dossier.pk, extra={"formulaire_remboursement": formulaire}, status=400
    )


@lecture_seule_refusee()
@agent_ou_national_requis
@require_http_methods(["GET", "HEAD"])
def indus_liste(request: RequeteConnectee) -> HttpResponse:
    """Les indus de la Caf de l'agent (pour l'administration nationale, de toutes les Caf ou
    de celle choisie, `?caf=`, en lecture seule) : ouverts d'abord (échéance la plus proche
    en tête), le reste à rembourser, en retard en rouge ; `?en_retard=1` ne garde que les
    indus en retard. Un nombre constant de requêtes (la synthèse en une, la page en deux),
    quel que soit le nombre d'indus."""
    choix = choix_caf(request.user, request.GET.get("caf"))
    rembourse = (
        Remboursement.objects.filter(indu=OuterRef("pk"))
        .values("indu")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    zero = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))
    indus = choix.filtrer(Indu.objects.all(), "convention__dossier__campagne__caf_id").annotate(
        rembourse=Coalesce(Subquery(rembourse), zero)
    )
    ouverts = Q(etat=EtatIndu.OUVERT)
    synthese = indus.order_by().aggregate(
        nb_ouverts=Count("pk", filter=ouverts),
        total_reste=Coalesce(Sum(F("montant") - F("rembourse"), filter=ouverts), zero),
        nb_en_retard=Count("pk", filter=condition_indu_en_retard()),
    )
    en_retard = request.GET.get("en_retard", "") == "1"
    if en_retard:
        indus = indus.filter(condition_indu_en_retard())
    page = Paginator(
        indus.select_related(
            "convention__dossier__structure", "convention__dossier__campagne__caf"
        ).order_by("etat", "echeance", "id"),
        INDUS_PAR_PAGE,
    ).get_page(request.GET.get("page"))
    aujourd_hui = timezone.localdate()
    lignes = [
        {
            "indu": indu,
            "dossier": indu.convention.dossier,
            # Annoté plus haut : le plugin de django-stubs le voit dans le type de la page mais
            # pas sur l'élément (limite constatée avec django-stubs 6.1.2).
            "reste": indu.montant - indu.rembourse,  # type: ignore[attr-defined]  # annoté plus haut
            "en_retard": indu.etat == EtatIndu.OUVERT and indu.echeance < aujourd_hui,
        }
        for indu in page.object_list
    ]
    return render(
        request,
        "bilans/indu/liste.html",
        {
            "titre": "Indus en retard" if en_retard else "Indus à rembourser",
            "lignes": lignes,
            "page": page,
            "en_retard": en_retard,
            "choix": choix,
            "lecture_seule": choix.lecture_seule,
            "gardes": [("en_retard", "1" if en_retard else "")],
            **synthese,
        },
    )
