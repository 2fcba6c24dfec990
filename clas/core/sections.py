"""Les sections « après la décision » des pages d'un dossier (convention, avenants,
versements, bilan, régularisation).

Les pages du dossier appartiennent aux applications du dessous (`dossiers` pour la
structure, `instruction` pour la Caf) ; ces sections, aux applications du dessus. Chaque
application du dessus inscrit les siennes au démarrage (`AppConfig.ready`) ; la vue de la
page les appelle dans l'ordre et passe leur contexte au gabarit : aucune application
n'importe une application du dessus, et aucun gabarit ne lit la base.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects

Cote = Literal["structure", "caf"]
# (dossier, utilisateur, contexte de la page) -> contexte de la section, ou None (rien).
Fonction = Callable[[Any, Any, Mapping[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    ordre: int
    gabarit: str
    fonction: Fonction


@dataclass(frozen=True)
class SectionRendue:
    """Ce que le gabarit de la page inclut : le gabarit de la section et son contexte
    (`section` dans le gabarit inclus)."""

    gabarit: str
    contexte: dict[str, Any] | None


_INSCRITES: dict[str, list[Section]] = {"structure": [], "caf": []}


def inscrire(cote: Cote, ordre: int, gabarit: str, fonction: Fonction) -> None:
    """Inscrit une section (une seule fois par gabarit : `ready` peut être rappelé)."""
    sections = _INSCRITES[cote]
    if any(s.gabarit == gabarit for s in sections):
        return
    sections.append(Section(ordre, gabarit, fonction))
    sections.sort(key=lambda s: s.ordre)


def sections_du_dossier(
    cote: Cote, dossier: Any, utilisateur: Any, page: Mapping[str, Any] | None = None
) -> list[SectionRendue]:
    return [
        SectionRendue(s.gabarit, s.fonction(dossier, utilisateur, page or {}))
        for s in _INSCRITES[cote]
    ]


def lu_une_fois(objet: Model, relation_inverse: Any, lire: Callable[[], Model | None]) -> Any:
    """L'objet lié à `objet` par une relation inverse un-à-un (`Dossier.convention`…), lu par
    `lire()` la première fois (None s'il n'existe pas) et gardé sur `objet` : les sections
    d'une même page qui le montrent ne le relisent pas."""
    lien = relation_inverse.related
    if not lien.is_cached(objet):
        lien.set_cached_value(objet, lire())
    return lien.get_cached_value(objet)


def lus_une_fois(objet: Model, relation: str, requete: QuerySet[Any]) -> list[Any]:
    """Les objets de la relation `relation` d'`objet` (une convention…), lus par `requete` la
    première fois et gardés sur l'objet : les sections d'une même page qui les montrent
    (versements et régularisation…) ne les relisent pas."""
    prefetch_related_objects([objet], Prefetch(relation, queryset=requete))
    return list(getattr(objet, relation).all())


def inscrites(cote: Cote) -> list[Section]:
    """Les sections inscrites de ce côté, dans l'ordre de la page."""
    return list(_INSCRITES[cote])


# --- L'accueil « Ma structure » ------------------------------------------------------------
# La page appartient à `structures`, qui ne voit ni les campagnes ni les dossiers : leurs
# blocs (campagne ouverte, dossiers et ce qu'il reste à faire) sont inscrits d'en haut.
# (structures de la personne, utilisateur) -> contexte du bloc, ou None (rien).
FonctionAccueil = Callable[[list[Any], Any], dict[str, Any] | None]
_ACCUEIL: list[tuple[int, str, FonctionAccueil]] = []


def inscrire_accueil(ordre: int, gabarit: str, fonction: FonctionAccueil) -> None:
    if any(g == gabarit for _, g, _ in _ACCUEIL):
        return
    _ACCUEIL.append((ordre, gabarit, fonction))
    _ACCUEIL.sort(key=lambda s: s[0])


def sections_de_l_accueil(structures: list[Any], utilisateur: Any) -> list[SectionRendue]:
    return [SectionRendue(g, f(structures, utilisateur)) for _, g, f in _ACCUEIL]
