from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def sante(request: HttpRequest) -> JsonResponse:
    """Sonde de supervision : la base répond et toutes les migrations sont appliquées."""
    try:
        with connection.cursor() as curseur:
            curseur.execute("SELECT 1")
            curseur.fetchone()
        en_attente = MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    except Exception as erreur:
        return JsonResponse(
            {"statut": "erreur", "base_de_donnees": f"injoignable : {type(erreur).__name__}"},
            status=503,
        )
    if en_attente:
        return JsonResponse(
            {
                "statut": "erreur",
                "base_de_donnees": f"{len(en_attente)} migration(s) non appliquée(s)",
            },
            status=503,
        )
    return JsonResponse({"statut": "ok", "base_de_donnees": "ok"})


def page_introuvable(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request, "core/erreur.html", {"titre": "Page introuvable", "code": 404}, status=404
    )


def acces_refuse(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(
        request,
        "core/erreur.html",
        {"titre": "Accès refusé", "code": 403, "message": message},
        status=403,
    )


def erreur_serveur(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/erreur.html", {"titre": "Erreur du service", "code": 500}, status=500
    )
