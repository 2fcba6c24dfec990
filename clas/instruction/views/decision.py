"""Les vues de la décision : proposer, valider, renvoyer, valider plusieurs propositions
d'un coup, télécharger la lettre de décision.

Les vues de l'espace Caf lisent le dossier (ou la proposition) par `dossiers_de_la_caf` :
un agent d'une autre Caf ou un porteur reçoivent 404 ; le national, en lecture seule, 403
avant toute lecture. Ce que l'agent peut
faire est vérifié par les cas d'usage de `decisions` (403 sinon), avec la même réponse
(`capacites_agent`) que celle qui affiche ou cache les boutons.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from clas.bareme import formater_euros
from clas.comptes.roles import agent_de
from clas.core.pdf import telecharger_pdf
from clas.core.permissions import (
    RequeteConnectee,
    agent_requis,
    connexion_requise,
    lecture_seule_refusee,
)
from clas.dossiers.models import Dossier
from clas.instruction import decisions
from clas.instruction.forms import FormulaireProposition, FormulaireRenvoi, FormulaireValidation
from clas.instruction.lettre import generer_lettre, nom_lettre
from clas.instruction.models import Decision, Proposition, StatutProposition
from clas.instruction.permissions import (
    capacites_agent,
    dossiers_de_la_caf,
    refuser_en_lecture_seule,
)
from clas.referentiel.models import ParametresBareme


def _url_dossier(dossier_id: int, ancre: str = "decision") -> str:
    return reverse("instruction_dossier", args=[dossier_id]) + f"#{ancre}"


def _retour(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Vers la page d'où vient la demande (`suivant`, par exemple la validation groupée),
    sinon vers le dossier."""
    suivant = request.POST.get("suivant", "")
    if suivant and url_has_allowed_host_and_scheme(
        suivant, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(suivant)
    return redirect(_url_dossier(dossier_id))


def _erreurs(formulaire: Form, erreur: ValidationError) -> None:
    if hasattr(erreur, "error_dict"):
        for champ, liste in erreur.message_dict.items():
            formulaire.add_error(champ if champ in formulaire.fields else None, liste)
    else:
        formulaire.add_error(None, erreur.messages)


def _page_erreur(
    request: RequeteConnectee,
    dossier: Dossier,
    proposition: Proposition | None,
    **formulaires: Form,
) -> HttpResponse:
    """Le formulaire refusé, avec les erreurs à côté des champs et la saisie gardée
    (statut 400), et un lien vers la page complète du dossier."""
    resultat = None
    if ParametresBareme.objects.filter(annee_scolaire=dossier.campagne.annee_scolaire).exists():
        try:
            _comparaison, resultat = decisions.calcul_du_dossier(dossier)
        except ValueError:
            resultat = None
    contexte: dict[str, Any] = {
        "titre": f"Décision sur le dossier {dossier}",
        "dossier": dossier,
        "capacites": capacites_agent(dossier, request.user, proposition),
        "proposition": proposition,
        "resultat": resultat,
        "url_dossier": _url_dossier(dossier.pk),
        **formulaires,
    }
    return render(request, "instruction/proposition_erreur.html", contexte, status=400)


def _en_attente(dossier: Dossier) -> Proposition | None:
    return (
        Proposition.objects.filter(dossier=dossier, statut=StatutProposition.EN_ATTENTE)
        .select_related("auteur")
        .first()
    )


@connexion_requise
@require_POST
def instruction_proposer(request: RequeteConnectee, pk: int) -> HttpResponse:
    """L'instructeur propose un accord, un refus ou un classement sans suite."""
    refuser_en_lecture_seule(request.user)
    dossier = get_object_or_404(
        dossiers_de_la_caf(request.user).select_related("campagne__caf", "structure"),
        pk=pk,
    )
    formulaire = FormulaireProposition(request.POST)
    if formulaire.is_valid():
        donnees = formulaire.cleaned_data
        try:
            proposition = decisions.proposer(
                dossier,
                request.user,
                donnees["nature"],
                montant=donnees.get("montant"),
                justification_montant=donnees.get("justification_montant", ""),
                motif_refus=donnees.get("motif_refus", ""),
                texte=donnees.get("texte", ""),
                justification_enveloppe=donnees.get("justification_enveloppe", ""),
            )
        except ValidationError as erreur:
            _erreurs(formulaire, erreur)
        except decisions.ActionImpossible as refus:
            messages.error(request, str(refus))
            return redirect(_url_dossier(dossier.pk))
        else:
            messages.success(
                request,
                f"Proposition enregistrée ({decisions.resume(proposition)}) : elle attend la "
                "validation d'un autre agent.",
            )
            return redirect(_url_dossier(dossier.pk))
    messages.error(request, "La proposition n'a pas été enregistrée : voyez le formulaire.")
    return _page_erreur(request, dossier, None, formulaire_decision=formulaire)


def _proposition(request: RequeteConnectee, pid: int) -> Proposition:
    """Une proposition d'un dossier de la Caf de l'agent ; 404 sinon."""
    refuser_en_lecture_seule(request.user)
    return get_object_or_404(
        Proposition.objects.select_related("auteur", "dossier__campagne__caf"),
        pk=pid,
        dossier__in=dossiers_de_la_caf(request.user),
    )


@connexion_requise
@require_POST
def instruction_valider(request: RequeteConnectee, pid: int) -> HttpResponse:
    """Un valideur, autre que l'auteur, valide : la décision prend effet."""
    proposition = _proposition(request, pid)
    formulaire = FormulaireValidation(request.POST)
    commentaire = formulaire.cleaned_data["commentaire"] if formulaire.is_valid() else ""
    try:
        prise = decisions.valider(proposition, request.user, commentaire)
    except decisions.ActionImpossible as refus:
        messages.error(request, str(refus))
        return _retour(request, proposition.dossier_id)
    if not isinstance(prise, Decision):  # un avenant à la convention
        messages.success(
            request,
            f"Avenant n° {prise.numero} validé sur le dossier {proposition.dossier} : montant "
            f"maximal porté de {formater_euros(prise.montant_avant)} à "
            f"{formater_euros(prise.montant_apres)}.",
        )
        return _retour(request, proposition.dossier_id)
    messages.success(
        request,
        f"Décision prise sur le dossier {proposition.dossier} : "
        f"{decisions.resume(proposition)}. La lettre est envoyée à la structure.",
    )
    return _retour(request, proposition.dossier_id)


@connexion_requise
@require_POST
def instruction_renvoyer(request: RequeteConnectee, pid: int) -> HttpResponse:
    """Un valideur, autre que l'auteur, renvoie la proposition avec un commentaire."""
    proposition = _proposition(request, pid)
    formulaire = FormulaireRenvoi(request.POST)
    if formulaire.is_valid():  # le commentaire obligatoire est vérifié par `renvoyer`
        try:
            decisions.renvoyer(proposition, request.user, formulaire.cleaned_data["commentaire"])
        except ValidationError as erreur:
            _erreurs(formulaire, erreur)
        except decisions.ActionImpossible as refus:
            messages.error(request, str(refus))
            return _retour(request, proposition.dossier_id)
        else:
            messages.success(
                request,
                "Proposition renvoyée à l'instructeur avec votre commentaire ; le dossier "
                "reste en instruction.",
            )
            return _retour(request, proposition.dossier_id)
    messages.error(request, "La proposition n'a pas été renvoyée : voyez le formulaire.")
    return _page_erreur(
        request, proposition.dossier, _en_attente(proposition.dossier), formulaire_renvoi=formulaire
    )


PROPOSITIONS_PAR_PAGE = 50


@lecture_seule_refusee()
@agent_requis
@require_http_methods(["GET", "HEAD", "POST"])
def instruction_validation(request: RequeteConnectee) -> HttpResponse:
    """Les propositions de la Caf en attente ; le valideur en coche plusieurs et les
    valide d'un coup, chacune vérifiée une par une par `decisions.valider`."""
    agent = agent_de(request.user)
    assert agent is not None
    if not agent.est_valideur:
        raise PermissionDenied("Cette page est réservée aux valideurs de la Caf.")
    en_attente = Proposition.objects.filter(
        statut=StatutProposition.EN_ATTENTE, dossier__campagne__caf_id=agent.caf_id
    )
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("propositions") if i.isdigit()]
        if not ids:
            messages.error(request, "Cochez au moins une proposition à valider.")
            return redirect("instruction_validation")
        choisies = list(
            Proposition.objects.filter(pk__in=ids, dossier__campagne__caf_id=agent.caf_id)
            .select_related("dossier", "auteur")
            .order_by("created_at", "id")
        )
        introuvables = len(set(ids)) - len(choisies)
        compte_rendu = decisions.valider_plusieurs(choisies, request.user)
        prises = [d for d in compte_rendu.validees if isinstance(d, Decision)]
        if prises:
            # Decimal même sans montant (que des refus) : formater_euros arrondit un Decimal.
            total = sum((d.montant for d in prises if d.montant), start=Decimal("0"))
            pluriel = "s" if len(prises) > 1 else ""
            messages.success(
                request,
                f"{len(prises)} décision{pluriel} prise{pluriel} "
                f"({', '.join(str(d.dossier) for d in prises)}) ; "
                f"montant accordé : {formater_euros(total)}. Les lettres partent aux structures.",
            )
        for avenant in compte_rendu.validees:
            if not isinstance(avenant, Decision):
                messages.success(
                    request,
                    f"Avenant n° {avenant.numero} validé ({avenant.convention.dossier}) : "
                    f"montant maximal porté de {formater_euros(avenant.montant_avant)} à "
                    f"{formater_euros(avenant.montant_apres)}.",
                )
        for proposition, raison in compte_rendu.echecs:
            messages.error(request, f"{proposition.dossier} : non validée — {raison}")
        if introuvables:
            messages.error(request, f"{introuvables} proposition(s) introuvable(s) dans votre Caf.")
        return redirect("instruction_validation")
    # Paginée : une grande Caf peut avoir des centaines de propositions en attente.
    propositions = Paginator(
        en_attente.select_related("dossier__structure", "dossier__campagne", "auteur").order_by(
            "created_at", "id"
        ),
        PROPOSITIONS_PAR_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "instruction/validation.html",
        {
            "titre": "Propositions à valider",
            "propositions": propositions,
            "utilisateur_id": request.user.pk,
            "nombre_validables": sum(1 for p in propositions if p.auteur_id != request.user.pk),
        },
    )


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def dossier_lettre_decision(request: RequeteConnectee, pk: int) -> FileResponse:
    """La lettre de décision : les membres de la structure et les agents de la Caf du
    dossier ; 404 pour tous les autres. Produite à la demande si elle manque."""
    dossier = get_object_or_404(
        Dossier.objects.echanges_par(request.user).select_related("campagne"), pk=pk
    )
    decision = Decision.objects.select_related("dossier").filter(dossier=dossier).first()
    if decision is None:
        raise Http404("Ce dossier n'a pas encore de décision.")
    return telecharger_pdf(decision, "lettre", nom_lettre(decision), generer_lettre)
