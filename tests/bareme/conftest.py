"""Fixtures du barème : les paramètres 2025-2026 par défaut (CLAS.md §2.1)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from clas.bareme import CollectifEntree, Entree, Parametres

ANNEE = "2025-2026"

SOURCES = {
    "taux": "Ancien taux Cnaf ; à confirmer chaque année",
    "prix_plafond": "2 563 / 0,325",
    "montant_max_collectif": "Page Caf partenaires Clas",
    "bonus_projets_culturels": "Page Caf partenaires Clas",
    "bonus_accompagnement_parents": "Page Caf partenaires Clas",
    "semaines_reference": "Décision produit : une année scolaire compte environ 36 semaines",
    "effectif_min": "Page Caf partenaires Clas",
    "effectif_max": "Page Caf partenaires Clas",
    "effectif_min_derogatoire": "Page Caf partenaires Clas",
    "intervenants_min": "Page Caf partenaires Clas",
    "taux_acompte": "Décision produit (pratique des PS Caf)",
}


def fabriquer_parametres(**changements: Any) -> Parametres:
    valeurs: dict[str, Any] = {
        "annee_scolaire": ANNEE,
        "taux": Decimal("0.325"),
        "prix_plafond": Decimal("7886.00"),
        "montant_max_collectif": Decimal("2563.00"),
        "bonus_projets_culturels": Decimal("300.00"),
        "bonus_accompagnement_parents": Decimal("300.00"),
        "semaines_reference": 36,
        "effectif_min": 8,
        "effectif_max": 12,
        "effectif_min_derogatoire": 5,
        "intervenants_min": 2,
        "taux_acompte": Decimal("0.70"),
        "sources": SOURCES,
    }
    return Parametres(**(valeurs | changements))


def fabriquer_collectif(**changements: Any) -> CollectifEntree:
    """Un collectif éligible de l'année entière, sans bonus, sauf changement."""
    valeurs: dict[str, Any] = {
        "nom": "Les Hirondelles",
        "nb_enfants": 10,
        "nb_intervenants": 2,
        "semaines_de_fonctionnement": 36,
    }
    return CollectifEntree(**(valeurs | changements))


def fabriquer_entree(
    *collectifs: CollectifEntree,
    depenses: str = "24000.00",
    cofinancements: str = "0.00",
) -> Entree:
    return Entree(
        annee_scolaire=ANNEE,
        depenses_totales=Decimal(depenses),
        cofinancements=Decimal(cofinancements),
        collectifs=collectifs or (fabriquer_collectif(),),
    )


# Session : les paramètres sont immuables, et hypothesis refuse les fixtures par test.
@pytest.fixture(scope="session")
def parametres() -> Parametres:
    return fabriquer_parametres()


@pytest.fixture(scope="session")
def fabrique_parametres() -> Callable[..., Parametres]:
    return fabriquer_parametres


@pytest.fixture(scope="session")
def fabrique_collectif() -> Callable[..., CollectifEntree]:
    return fabriquer_collectif


@pytest.fixture(scope="session")
def fabrique_entree() -> Callable[..., Entree]:
    return fabriquer_entree
