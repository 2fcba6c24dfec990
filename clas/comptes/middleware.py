"""L'obligation de la double authentification pour les agents et l'administration nationale.

Placé après `django_otp.middleware.OTPMiddleware` : `request.user.is_verified()` dit si la
session a passé la vérification. Une personne concernée qui ne l'a pas passée est envoyée
vers l'enrôlement (pas encore d'application) ou la vérification, sauf sur les pages qui
doivent rester ouvertes (connexion, déconnexion, pages publiques, fichiers statiques, API
appelée avec un jeton).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_htmx.http import HttpResponseClientRedirect

from . import double_facteur, sessions

# Les pages ouvertes sans double authentification, par nom d'URL.
PAGES_OUVERTES = frozenset(
    {
        # La connexion et ce qui l'entoure.
        "connexion",
        "deconnexion",
        "mot_de_passe_oublie",
        "mot_de_passe_envoye",
        "nouveau_mot_de_passe",
        "mot_de_passe_change",
        "deblocage_demande",
        "deblocage",
        # La double authentification elle-même.
        "double_facteur_activer",
        "double_facteur_verifier",
        # Les pages publiques.
        "accueil",
        "simulateur",
        "sante",
        "accessibilite",
        "mentions_legales",
        "donnees_personnelles",
        "plan_du_site",
        "aide",
        "api_documentation",
        "chiffres",
        "chiffres_csv",
    }
)


def page_ouverte(request: HttpRequest) -> bool:
    chemin = request.path_info
    if chemin.startswith(settings.STATIC_URL):
        return True
    try:
        nom = resolve(chemin).url_name
    except Resolver404:
        return True  # la page d'erreur 404, rien d'autre
    return nom in PAGES_OUVERTES


async def _anonyme() -> AnonymousUser:
    return AnonymousUser()


def appel_api_avec_jeton(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META


def doit_verifier(request: HttpRequest) -> bool:
    """Obligatoire : toute personne concernée. Sinon (développement) : celle qui a activé
    la double authentification d'elle-même, pour que son activation protège vraiment."""
    utilisateur = request.user
    if not double_facteur.est_concerne(utilisateur) or utilisateur.is_verified():  # type: ignore[union-attr]  # is_verified posé par OTPMiddleware
        return False
    if double_facteur.est_obligatoire():
        return True
    return double_facteur.est_active(utilisateur)  # type: ignore[arg-type]  # connecté : vérifié juste avant


class DoubleFacteurObligatoire:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        utilisateur = request.user
        if (
            utilisateur.is_authenticated
            and doit_verifier(request)
            and not double_facteur.verifier_par_confiance(request, utilisateur)
        ):
            if appel_api_avec_jeton(request):
                # Le jeton fait foi, pas la session non vérifiée : l'API ne la voit pas.
                request.user = AnonymousUser()
                request.auser = _anonyme
                return self.get_response(request)
            if not page_ouverte(request):
                return self.detour(request, double_facteur.est_active(utilisateur))
            # Sur une page ouverte, le menu des agents reste caché jusqu'à la vérification.
            request.double_facteur_en_attente = True  # type: ignore[attr-defined]  # lu par le gabarit (menu caché)
        return self.get_response(request)

    @staticmethod
    def detour(request: HttpRequest, active: bool) -> HttpResponse:
        nom = "double_facteur_verifier" if active else "double_facteur_activer"
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": "Double authentification requise : connectez-vous à la "
                    "plateforme et saisissez votre code, ou appelez l'API avec un jeton."
                },
                status=401,
            )
        suite = request.get_full_path() if request.method == "GET" else ""
        adresse = reverse(nom) + (f"?{urlencode({'next': suite})}" if suite else "")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(adresse)
        return redirect(adresse)


class SessionsSuivies:
    """Placé après l'authentification et les messages, avant l'obligation de la double
    authentification : une session d'agent trop longue ou inactive (comptes/sessions.py)
    est fermée, et la personne renvoyée à la connexion avec un message qui dit pourquoi ;
    sinon l'activité est notée pour la liste des sessions ouvertes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        utilisateur = request.user
        if utilisateur.is_authenticated:
            message = sessions.expiree(request, utilisateur)
            if message is not None:
                logout(request)
                if request.path_info.startswith("/api/") or request.path_info == "/sante/":
                    # Une machine : la suite la traite en anonyme (401 de l'API).
                    return self.get_response(request)
                messages.warning(request, message)
                suite = request.get_full_path() if request.method == "GET" else ""
                adresse = reverse("connexion") + (f"?{urlencode({'next': suite})}" if suite else "")
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(adresse)
                return redirect(adresse)
            sessions.noter_activite(request, utilisateur)
        return self.get_response(request)
