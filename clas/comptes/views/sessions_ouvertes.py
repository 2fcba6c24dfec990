"""« Mes sessions ouvertes » (Mon compte) : où la personne est connectée, et fermer une
session ou toutes les autres."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import sessions as suivi
from ..models import SessionOuverte, Utilisateur


def _moi(request: HttpRequest) -> Utilisateur:
    return request.user  # type: ignore[return-value]  # vues réservées aux personnes connectées


@login_required
def liste(request: HttpRequest) -> HttpResponse:
    utilisateur = _moi(request)
    inactivite = int(settings.CLAS_SESSION_AGENT_INACTIVITE.total_seconds() // 60)
    duree = int(settings.CLAS_SESSION_AGENT_DUREE_MAX.total_seconds() // 3600)
    return render(
        request,
        "comptes/sessions.html",
        {
            "titre": "Mes sessions ouvertes",
            "sessions": suivi.ouvertes(request, utilisateur),
            "limitee": suivi.est_limite(utilisateur),
            "inactivite_minutes": inactivite,
            "duree_heures": duree,
        },
    )


@login_required
@require_POST
def fermer(request: HttpRequest, pk: int) -> HttpResponse:
    """La session d'un autre n'existe pas pour vous : 404, comme une session inconnue."""
    utilisateur = _moi(request)
    ligne = get_object_or_404(SessionOuverte, pk=pk, utilisateur=utilisateur)
    if ligne.cle == request.session.session_key:
        messages.info(
            request, "C'est la session en cours : pour la fermer, utilisez « Se déconnecter »."
        )
        return redirect("sessions_ouvertes")
    suivi.fermer(utilisateur, ligne)
    messages.success(request, f"La session « {ligne.appareil} » est fermée.")
    return redirect("sessions_ouvertes")


@login_required
@require_POST
def fermer_les_autres(request: HttpRequest) -> HttpResponse:
    nombre = suivi.fermer_les_autres(request, _moi(request))
    if nombre:
        messages.success(
            request,
            f"{nombre} autre{'s' if nombre > 1 else ''} session{'s' if nombre > 1 else ''} "
            f"fermée{'s' if nombre > 1 else ''} : seule celle-ci reste ouverte.",
        )
    else:
        messages.info(request, "Aucune autre session n'était ouverte.")
    return redirect("sessions_ouvertes")
