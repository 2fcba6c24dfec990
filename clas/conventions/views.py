"""Les vues de la convention : la télécharger (membres de la structure et agents de la Caf
du dossier ; 404 pour les autres), la signer (un signataire ou un administrateur de la
structure, après avoir saisi à nouveau son mot de passe)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clas.bareme import formater_euros
from clas.comptes.models import Utilisateur
from clas.core.permissions import connexion_requise
from clas.dossiers.models import Dossier
from clas.dossiers.permissions import role_dans_structure

from . import actions
from .convention_pdf import generer_pdf, nom_pdf
from .forms import FormulaireSignature
from .models import Convention


def _utilisateur(request: HttpRequest) -> Utilisateur:
    return request.user  # type: ignore[return-value]


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
def convention_pdf(request: HttpRequest, pk: int) -> FileResponse:
    dossier = _dossier(pk, _utilisateur(request))
    convention = _convention(dossier)
    if not convention.pdf:
        generer_pdf(convention)
        convention.refresh_from_db(fields=["pdf"])
    return FileResponse(
        convention.pdf.open("rb"),
        as_attachment=True,
        filename=nom_pdf(convention),
        content_type="application/pdf",
    )


@connexion_requise
@require_POST
def convention_signer(request: HttpRequest, pk: int) -> HttpResponse:
    utilisateur = _utilisateur(request)
    dossier = _dossier(pk, utilisateur)
    if role_dans_structure(dossier, utilisateur) is None:
        # Ici, ce ne peut être qu'un agent de la Caf du dossier.
        raise PermissionDenied("Seul un signataire de la structure signe la convention.")
    convention = _convention(dossier)
    if not actions.peut_signer(dossier, utilisateur):
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
            f"{formater_euros(signature.acompte.montant)} est transmis à la Caf pour validation.",
        )
    return redirect(_url_dossier(dossier))
