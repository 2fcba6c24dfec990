from __future__ import annotations

from django.http import HttpRequest

from clas.comptes.roles import liens_navigation

from .pages import ACCESSIBILITE


def navigation(request: HttpRequest) -> dict[str, object]:
    return {
        "navigation": liens_navigation(request),
        "nom_plateforme": "Plateforme Clas",
        "etat_accessibilite": ACCESSIBILITE["etat"],
    }
