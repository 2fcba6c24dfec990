"""Les URL de la plateforme, plus des vues qui échouent exprès (tests des pages d'erreur)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from config import urls as urls_du_site


def boum(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("panne simulée pour le test")


def interdit(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("Seuls les agents de la Caf du dossier ouvrent cette page.")


def introuvable(request: HttpRequest) -> HttpResponse:
    raise Http404("objet absent")


def suspect(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("requête suspecte")


def interdit_sans_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=403)


def formulaire_refuse(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>Donnez un titre au projet.</p>", status=400)


urlpatterns = [
    path("essai/formulaire-refuse/", formulaire_refuse),
    path("essai/boum/", boum),
    path("essai/interdit/", interdit),
    path("essai/introuvable/", introuvable),
    path("essai/suspect/", suspect),
    path("essai/interdit-sans-page/", interdit_sans_page),
    *urls_du_site.urlpatterns,
]

handler400 = urls_du_site.handler400
handler403 = urls_du_site.handler403
handler404 = urls_du_site.handler404
handler500 = urls_du_site.handler500
