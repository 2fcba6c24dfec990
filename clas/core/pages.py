"""Les pages du pied de page : accessibilité, mentions légales, données personnelles, plan
du site, aide. Publiques, sans donnée de la base : elles s'ouvrent même sans compte."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# La déclaration d'accessibilité : sans audit, le RGAA impose la mention « non conforme ».
# À mettre à jour (état, date, audit) après chaque audit de conformité.
ACCESSIBILITE = {
    "etat": "non conforme",
    "date": date(2026, 12, 1),
    "version_rgaa": "4.1.2",
}


def _page(request: HttpRequest, gabarit: str, titre: str) -> HttpResponse:
    return render(
        request,
        f"core/pages/{gabarit}.html",
        {
            "titre": titre,
            "accessibilite": ACCESSIBILITE,
            "contact_plateforme": settings.CONTACT_PLATEFORME,
            "hebergeur": settings.HEBERGEUR,
            "conservation": _durees_de_conservation(),
        },
    )


def _durees_de_conservation() -> dict[str, int]:
    """Les durées réglées (`CLAS_CONSERVATION_*`), appliquées par `manage.py purger`."""
    prefixe = "CLAS_CONSERVATION_"
    return {
        nom.removeprefix(prefixe).lower(): getattr(settings, nom)
        for nom in dir(settings)
        if nom.startswith(prefixe)
    }


def accessibilite(request: HttpRequest) -> HttpResponse:
    return _page(request, "accessibilite", "Déclaration d'accessibilité")


def mentions_legales(request: HttpRequest) -> HttpResponse:
    return _page(request, "mentions_legales", "Mentions légales")


def donnees_personnelles(request: HttpRequest) -> HttpResponse:
    return _page(request, "donnees_personnelles", "Données personnelles")


def plan_du_site(request: HttpRequest) -> HttpResponse:
    return _page(request, "plan_du_site", "Plan du site")


def aide(request: HttpRequest) -> HttpResponse:
    return _page(request, "aide", "Aide")
