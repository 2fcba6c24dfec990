"""L'historique sur la page d'un dossier : les entrées les plus récentes, et tout sur
demande (`?historique=tout`). Un dossier de plusieurs années en compte des centaines :
les afficher toutes à chaque visite allongerait la page pour rien."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

HISTORIQUE_RECENT = 30
PARAMETRE = "historique"

T = TypeVar("T")
M = TypeVar("M", bound=Model)


def limite_historique(request: HttpRequest) -> int | None:
    """Le nombre d'entrées à montrer ; None : toutes."""
    return None if request.GET.get(PARAMETRE) == "tout" else HISTORIQUE_RECENT


def les_plus_recentes(lignes: QuerySet[M], limite: int | None) -> list[M]:
    """Les lignes (déjà triées, la plus récente d'abord), une de plus que la limite : de
    quoi savoir s'il en reste d'autres sans les compter."""
    return list(lignes if limite is None else lignes[: limite + 1])


def tronquer(entrees: Sequence[T], limite: int | None) -> tuple[list[T], dict[str, object]]:
    """Les entrées à montrer, et le contexte du lien sous l'historique
    (`dossiers/_historique_suite.html`) : s'il en reste de plus anciennes, ou, tout étant
    montré, si un lien vers les seules plus récentes a du sens."""
    montrees = list(entrees if limite is None else entrees[:limite])
    return montrees, {
        "historique_tronque": len(montrees) < len(entrees),
        "historique_complet": limite is None and len(entrees) > HISTORIQUE_RECENT,
        "historique_recent": HISTORIQUE_RECENT,
    }
