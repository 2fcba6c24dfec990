"""Les vues de la convention : la télécharger (membres de la structure et agents de la Caf
du dossier ; 404 pour les autres), la signer (un signataire ou un administrateur de la
structure, après avoir saisi à nouveau son mot de passe) ; l'avenant (un instructeur de la
Caf le propose ; son PDF se télécharge comme la convention)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clas.bareme import formater_euros
from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.forms import ajouter_erreurs
from clas.core.pdf import telecharger_pdf
from clas.core.permissions import (
    LECTURE_SEULE_STRUCTURE,
    RequeteConnectee,
    connexion_requise,
    lecture_seule_refusee,
)
from clas.dossiers.models import Collectif, Dossier
from clas.dossiers.permissions import dossier_echange_ou_404, role_dans_structure
from clas.instruction.decisions import ActionImpossible
from clas.instruction.models import Proposition, StatutProposition
from clas.instruction.permissions import dossier_de_la_caf_ou_404

from . import actions, avenants, permissions
from .forms import FormulaireAvenant, FormulaireSignature
from .models import Avenant, Convention
from .pdf import generer_pdf, nom_pdf


def _dossier(pk: int, utilisateur: Utilisateur) -> Dossier:
    """404 pour qui n'est ni membre de la structure ni agent de la Caf du dossier."""
    return get_object_or_404(
        Dossier.objects.echanges_par(utilisateur).select_related("campagne", "structure"), pk=pk
    )


def _convention(dossier: Dossier) -> Convention:
    convention = Convention.objects.filter(dossier=dossier).first()
    if convention is None:
        raise Http404("Ce dossier n'a pas de convention.")
    return convention


def _url_dossier(dossier: Dossier) -> str:
    return reverse("dossier_detail", args=[dossier.pk]) + "#convention"


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def convention_pdf(request: RequeteConnectee, pk: int) -> FileResponse:
    dossier = _dossier(pk, request.user)
    convention = _convention(dossier)
    return telecharger_pdf(convention, "pdf", nom_pdf(convention), generer_pdf)


@lecture_seule_refusee(refus=LECTURE_SEULE_STRUCTURE)
@connexion_requise
@require_POST
def convention_signer(request: RequeteConnectee, pk: int) -> HttpResponse:
    utilisateur = request.user
    dossier = _dossier(pk, utilisateur)
    if role_dans_structure(dossier, utilisateur) is None:
        # Ici, ce ne peut être qu'un agent de la Caf du dossier.
        raise PermissionDenied("Seul un signataire de la structure signe la convention.")
    convention = _convention(dossier)
    if not permissions.peut_signer(dossier, utilisateur):
        raise PermissionDenied(
            "Seul un signataire ou un administrateur de la structure signe la convention."
        )
    formulaire = FormulaireSignature(request.POST)
    # Déjà signée (second clic, requête rejouée) : `signer` le dit sans rien créer.
    mot_de_passe = formulaire.cleaned_data["mot_de_passe"] if formulaire.is_valid() else ""
    try:
        signature = actions.signer(
            convention,
            utilisateur,
            mot_de_passe,
            adresse_ip=request.META.get("REMOTE_ADDR", ""),
            navigateur=request.META.get("HTTP_USER_AGENT", ""),
        )
    except actions.MotDePasseIncorrect as erreur:
        if formulaire.is_valid():
            formulaire.add_error("mot_de_passe", str(erreur))
        return render(
            request,
            "conventions/signer.html",
            {"dossier": dossier, "convention": convention, "formulaire": formulaire},
            status=400,
        )
    signee = signature.convention
    if signature.deja_signee:
        messages.info(
            request,
            f"La convention est déjà signée, par {signee.signee_par} le "
            f"{timezone.localtime(signee.signee_le):%d/%m/%Y} : rien n'a été modifié.",
        )
    else:
        messages.success(
            request,
            "Convention signée. L'acompte de "
            f"{formater_euros(actions.montant_acompte(signature.convention))} est transmis à "
            "la Caf pour validation.",
        )
    return redirect(_url_dossier(dossier))


# --- L'avenant ------------------------------------------------------------------------------


def _contexte_avenant(
    dossier: Dossier, convention: Convention, formulaire: FormulaireAvenant
) -> dict[str, Any]:
    collectifs = list(Collectif.objects.filter(dossier=dossier).order_by("ordre", "id"))
    entree = avenants.entree_en_vigueur(convention)
    en_vigueur = avenants.collectifs_en_vigueur(entree, collectifs)
    retenus = {c["collectif"].pk for c in en_vigueur if c["retenu"]}
    try:
        bareme_actuel = avenants.calculer_avenant(convention, collectifs, retenus).montant_bareme
    except ValueError:
        bareme_actuel = None
    return {
        "titre": f"Avenant à la convention — dossier {dossier}",
        "dossier": dossier,
        "convention": convention,
        "decision": convention.decision,
        "avenants": list(Avenant.objects.filter(convention=convention).order_by("numero")),
        "collectifs": en_vigueur,
        "bareme_actuel": bareme_actuel,
        "formulaire": formulaire,
    }


@lecture_seule_refusee(toutes_methodes=True)
@connexion_requise
@require_http_methods(["GET", "HEAD", "POST"])
def avenant_proposer(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Un instructeur de la Caf propose un avenant : collectifs retenus et/ou nouveau
    montant, motif ; un autre agent, valideur, le validera."""
    dossier = dossier_de_la_caf_ou_404(request.user, pk)
    utilisateur = request.user
    convention = Convention.objects.select_related("decision").filter(dossier=dossier).first()
    en_attente = Proposition.objects.filter(
        dossier=dossier, statut=StatutProposition.EN_ATTENTE
    ).first()
    agent = agent_de(utilisateur)
    if agent is None or not agent.est_instructeur:
        raise PermissionDenied("Seul un instructeur de la Caf du dossier propose un avenant.")
    url_dossier = reverse("instruction_dossier", args=[dossier.pk]) + "#avenants"
    if not permissions.capacites_avenant(dossier, utilisateur, convention, en_attente)["proposer"]:
        raison = avenants.obstacle_avenant(dossier, convention) or (
            "Une proposition attend déjà d'être validée pour ce dossier."
        )
        messages.error(request, f"Pas d'avenant possible : {raison}")
        return redirect(url_dossier)
    assert convention is not None
    collectifs = list(Collectif.objects.filter(dossier=dossier).order_by("ordre", "id"))
    if request.method == "POST":
        formulaire = FormulaireAvenant(request.POST, collectifs=collectifs)
        if formulaire.is_valid():
            donnees = formulaire.cleaned_data
            try:
                proposition = avenants.proposer_avenant(
                    dossier,
                    utilisateur,
                    [c.pk for c in donnees["collectifs"]],
                    donnees.get("montant"),
                    donnees["motif"],
                )
            except ValidationError as erreur:
                ajouter_erreurs(formulaire, erreur)
            except ActionImpossible as refus:
                messages.error(request, str(refus))
                return redirect(url_dossier)
            else:
                assert proposition.montant is not None  # un avenant porte toujours son montant
                messages.success(
                    request,
                    f"Avenant proposé (montant maximal porté à "
                    f"{formater_euros(proposition.montant)}) : il attend la validation d'un "
                    "autre agent.",
                )
                return redirect(url_dossier)
        messages.error(request, "L'avenant n'a pas été proposé : voyez le formulaire.")
        return render(
            request,
            "conventions/avenant/proposer.html",
            _contexte_avenant(dossier, convention, formulaire),
            status=400,
        )
    en_vigueur = avenants.collectifs_en_vigueur(avenants.entree_en_vigueur(convention), collectifs)
    formulaire = FormulaireAvenant(
        initial={
            "collectifs": [c["collectif"].pk for c in en_vigueur if c["retenu"]],
            "montant": convention.montant_maximal,
        },
        collectifs=collectifs,
    )
    return render(
        request,
        "conventions/avenant/proposer.html",
        _contexte_avenant(dossier, convention, formulaire),
    )


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def avenant_pdf(request: RequeteConnectee, pk: int, numero: int) -> FileResponse:
    """Le PDF d'un avenant : membres de la structure et agents de la Caf du dossier."""
    dossier = dossier_echange_ou_404(request.user, pk)
    avenant = (
        Avenant.objects.select_related("convention__dossier")
        .filter(convention__dossier=dossier, numero=numero)
        .first()
    )
    if avenant is None:
        raise Http404("Cet avenant n'existe pas.")
    return telecharger_pdf(
        avenant, "pdf", avenants.nom_pdf_avenant(avenant), avenants.generer_pdf_avenant
    )
