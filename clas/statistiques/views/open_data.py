"""L'open data des subventions : public, sans connexion, écrit en flux."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from ..open_data import flux_subventions


@require_http_methods(["GET", "HEAD"])
def subventions_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Chaque convention signée au format SCDL subventions 2.1.1 (docs/open-data.md)."""
    reponse = StreamingHttpResponse(
        (texte.encode("utf-8") for texte in flux_subventions()),
        content_type="text/csv; charset=utf-8",
    )
    reponse["Content-Disposition"] = 'inline; filename="subventions.csv"'
    return reponse
