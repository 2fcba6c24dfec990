from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .erreurs import rendre_erreur

# Vrai dès qu'une vérification a trouvé toutes les migrations appliquées : ensuite, la
# sonde n'interroge plus que la base (le graphe des migrations coûte cher, et le code d'un
# processus ne change pas sans redémarrage). Tant qu'il en manque, chaque appel revérifie.
_migrations_appliquees = False


def _migrations_en_attente() -> int:
    global _migrations_appliquees
    if _migrations_appliquees:
        return 0
    executeur = MigrationExecutor(connection)
    en_attente = len(executeur.migration_plan(executeur.loader.graph.leaf_nodes()))
    _migrations_appliquees = en_attente == 0
    return en_attente


@require_GET
def sante(request: HttpRequest) -> JsonResponse:
    """Sonde de supervision : la base répond (un seul `SELECT 1`) et toutes les migrations
    sont appliquées (vérifié jusqu'à la première réponse positive du processus)."""
    try:
        with connection.cursor() as curseur:
            curseur.execute("SELECT 1")
            curseur.fetchone()
        en_attente = _migrations_en_attente()
    except Exception as erreur:
        return JsonResponse(
            {"statut": "erreur", "base_de_donnees": f"injoignable : {type(erreur).__name__}"},
            status=503,
        )
    if en_attente:
        return JsonResponse(
            {"statut": "erreur", "base_de_donnees": f"{en_attente} migration(s) non appliquée(s)"},
            status=503,
        )
    return JsonResponse({"statut": "ok", "base_de_donnees": "ok"})


def page_introuvable(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return rendre_erreur(request, 404)


def acces_refuse(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return rendre_erreur(request, 403, message)


def requete_incorrecte(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return rendre_erreur(request, 400)


def erreur_serveur(request: HttpRequest) -> HttpResponse:
    return rendre_erreur(request, 500)


def echec_csrf(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Le jeton du formulaire manque ou a expiré (CSRF_FAILURE_VIEW) : la page d'erreur
    dit quoi faire, au lieu de la page anglaise de Django."""
    return rendre_erreur(
        request,
        403,
        "Le formulaire a expiré ou n'a pas pu être vérifié. Revenez à la page précédente, "
        "rechargez-la, puis envoyez à nouveau le formulaire.",
    )
