"""Les pages d'erreur : en français, dans la mise en page du site, avec un chemin de retour.

Personne ne voit la page technique de Django, pas même en développement (DEBUG=true) :
- les gestionnaires `handler400/403/404/500` (config/urls.py) servent quand DEBUG est
  désactivé ;
- le middleware `PagesDErreur` couvre le reste : les réponses d'erreur vides (une vue
  réservée à POST ouverte par GET répond 405 sans contenu), l'adresse qu'aucune URL ne
  reconnaît et, en DEBUG, les exceptions des vues (404, 400, 500) que Django montrerait
  avec sa page technique. La trace d'une erreur 500 reste dans les journaux, jamais à l'écran.

Les points d'entrée des machines (`/api/v1/…`, `/sante/`) reçoivent une erreur en JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.log import log_response

journal = logging.getLogger("clas.erreurs")

TITRES = {
    400: "Requête incorrecte",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action impossible depuis cette adresse",
    500: "Erreur du service",
}
MESSAGES_MACHINE = {
    400: "La requête est incorrecte.",
    403: "Accès refusé.",
    404: "Cette adresse n'existe pas.",
    405: "Méthode HTTP non autorisée pour cette adresse.",
    500: "Le service a rencontré un problème. Réessayez dans quelques instants.",
}
# Page minimale si la page d'erreur elle-même ne peut pas être rendue (base injoignable…).
SECOURS = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{titre} — '
    "Plateforme Clas</title></head><body><main><h1>{titre}</h1><p>Erreur {code}. "
    "Le service a rencontré un problème. Réessayez dans quelques instants.</p>"
    '<p><a href="/">Retour à l\'accueil</a></p></main></body></html>'
)

Vue = Callable[[HttpRequest], HttpResponse]


def pour_une_machine(request: HttpRequest) -> bool:
    return request.path.startswith("/api/v1/") or request.path == "/sante/"


def marquer(reponse: HttpResponse) -> HttpResponse:
    """Une réponse déjà rendue par la plateforme : le middleware n'y touche plus."""
    reponse.page_erreur_clas = True  # type: ignore[attr-defined]  # marque propre à Clas
    return reponse


def rendre_erreur(request: HttpRequest, code: int, message: str = "") -> HttpResponse:
    """La page d'erreur française (ou son équivalent JSON pour une machine)."""
    titre = TITRES.get(code, "Erreur")
    if pour_une_machine(request):
        return marquer(
            JsonResponse(
                {"erreurs": [{"champ": "", "message": message or MESSAGES_MACHINE[code]}]},
                status=code,
                json_dumps_params={"ensure_ascii": False},
            )
        )
    if not hasattr(request, "user"):
        # Erreur levée avant AuthenticationMiddleware (hôte refusé…) : page d'un anonyme.
        request.user = AnonymousUser()
    try:
        reponse = render(
            request,
            "core/erreur.html",
            {"titre": titre, "code": code, "message": message},
            status=code,
        )
    except Exception:
        journal.exception("La page d'erreur %s n'a pas pu être rendue", code)
        reponse = HttpResponse(SECOURS.format(titre=titre, code=code), status=code)
    return marquer(reponse)


class PagesDErreur:
    """Remplace les réponses d'erreur sans page (ou la page technique de Django) par la page
    française. Placé en dernier dans MIDDLEWARE : il voit la réponse de la vue ou de la
    résolution d'URL avant les autres (CSRF, session, APPEND_SLASH de CommonMiddleware)."""

    CODES = frozenset(TITRES)

    def __init__(self, get_response: Vue) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reponse = self.get_response(request)
        code = reponse.status_code
        if (
            code not in self.CODES
            or getattr(reponse, "page_erreur_clas", False)
            or reponse.streaming
        ):
            return reponse
        vide = not reponse.content
        # Aucune URL ne correspond : en DEBUG, Django montrerait la liste de ses URL.
        adresse_inconnue = code == 404 and request.resolver_match is None
        page_technique = settings.DEBUG and code == 500
        # Une machine reçoit du JSON (django-ninja répond 405 en texte anglais).
        texte_pour_machine = pour_une_machine(request) and not reponse.get(
            "Content-Type", ""
        ).startswith("application/json")
        if not (vide or adresse_inconnue or page_technique or texte_pour_machine):
            return reponse
        remplacement = rendre_erreur(request, code)
        if reponse.has_header("Allow"):
            remplacement["Allow"] = reponse["Allow"]
        if getattr(reponse, "_has_been_logged", False):
            remplacement._has_been_logged = True  # type: ignore[attr-defined]  # attribut privé de Django
        return remplacement

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Sans DEBUG, Django appelle les gestionnaires de config/urls.py ; en DEBUG, il
        montrerait sa page technique : on rend la page française à sa place."""
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return rendre_erreur(request, 404)
        if isinstance(exception, PermissionDenied):
            return rendre_erreur(request, 403, str(exception))
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return rendre_erreur(request, 400)
        # Comme Django : le signal (le client de test relève l'exception) et la trace dans
        # le journal « django.request » ; l'écran ne montre que la page française.
        signals.got_request_exception.send(sender=None, request=request)
        reponse = rendre_erreur(request, 500)
        log_response(
            "%s: %s",
            reponse.reason_phrase,
            request.path,
            response=reponse,
            request=request,
            exception=exception,
        )
        return reponse


class PageTechniqueMasquee:
    """En DEBUG, une erreur levée hors des vues (hôte refusé par ALLOWED_HOSTS, incident
    dans un middleware) donne encore la page technique anglaise de Django : placé en tête de
    MIDDLEWARE, ce filtre la remplace par la page française (la trace est déjà au journal)."""

    MARQUE = b'<meta name="robots" content="NONE,NOARCHIVE">'

    def __init__(self, get_response: Vue) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reponse = self.get_response(request)
        if (
            not settings.DEBUG
            or reponse.status_code < 400
            or getattr(reponse, "page_erreur_clas", False)
            or reponse.streaming
            or self.MARQUE not in reponse.content[:2000]
        ):
            return reponse
        code = reponse.status_code if reponse.status_code in TITRES else 500
        remplacement = rendre_erreur(request, code)
        remplacement._has_been_logged = True  # type: ignore[attr-defined]  # attribut privé de Django
        return remplacement
