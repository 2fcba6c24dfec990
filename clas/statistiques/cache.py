"""Le tableau de bord en cache, toujours cohérent avec les données.

Les chiffres de `indicateurs.tableau_de_bord` sont rangés dans le cache de Django (par
processus par défaut, Redis avec `CACHE_URL`) sous la clé : génération et numéro de la
version des données (`version.py`), Caf ou nation, années comparées, jour de Paris (les
retards en dépendent), format des chiffres.

Pourquoi c'est cohérent : le numéro est lu **avant** le calcul, chaque requête du calcul
voit au moins tout ce qui était validé à cette lecture ; une écriture validée avance le
numéro dans la même transaction que ses données, donc pendant ou après le calcul elle
donne un numéro plus grand, une autre clé : sous un numéro, jamais de chiffres plus anciens
que ce numéro. Dans une transaction ouverte (`atomic`), le cache n'est ni lu ni écrit : on
y verrait des écritures non validées (ou, sur PostgreSQL, pas encore comptées).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .chiffres_publics import LigneChiffres, chiffres_publics
from .indicateurs import (
    Annee,
    Delais,
    Perimetre,
    Repartition,
    TableauDeBord,
    annees_comparees,
    tableau_de_bord,
)
from .version import version_des_donnees

journal = logging.getLogger(__name__)
T = TypeVar("T")

# Un jour suffit : le jour fait partie de la clé.
DUREE = 24 * 3600
# Le format des chiffres rangés : un champ ajouté ou retiré change la clé (un cache partagé
# ne rend pas à une nouvelle version du code des objets de l'ancienne).
FORMAT = hashlib.sha256(
    ",".join(f.name for classe in (Annee, Delais, Repartition) for f in fields(classe)).encode()
).hexdigest()[:8]
FORMAT_CHIFFRES = hashlib.sha256(
    ",".join(f.name for f in fields(LigneChiffres)).encode()
).hexdigest()[:8]


@dataclass(frozen=True)
class Chiffres:
    """Ce qui est mis en cache : les nombres seuls (le périmètre, qui porte la Caf, est
    celui de la requête)."""

    annees: list[Annee]
    par_type: list[Repartition]
    par_departement: list[Repartition]


def _lire(la_cle: str) -> object:
    try:
        return cache.get(la_cle)
    except Exception:  # le cache est un raccourci : en panne (Redis), on calcule
        journal.warning("Cache des statistiques illisible", exc_info=True)
        return None


def _ecrire(la_cle: str, valeur: object) -> None:
    try:
        cache.set(la_cle, valeur, DUREE)
    except Exception:  # idem : la page s'affiche, le prochain affichage recalculera
        journal.warning("Cache des statistiques impossible à écrire", exc_info=True)


def _lu_ou_calcule(quoi: str, calculer: Callable[[], T], attendu: type[T]) -> T:
    """La valeur rangée sous `quoi` et la version des données, sinon `calculer()` (rangé
    pour la suite) ; toujours `calculer()` sans cache (réglage coupé, transaction ouverte)."""
    version = version_des_donnees() if settings.CLAS_STATISTIQUES_CACHE else None
    if version is None:
        return calculer()
    generation, numero = version
    la_cle = f"clas:statistiques:{generation}:{numero}:{quoi}"
    valeur = _lire(la_cle)
    if isinstance(valeur, attendu):
        return valeur
    valeur = calculer()
    _ecrire(la_cle, valeur)
    return valeur


def chiffres_publics_en_cache() -> list[LigneChiffres]:
    """`chiffres_publics`, sous la même règle que le tableau de bord (les tables lues sont
    parmi celles que suivent les déclencheurs)."""
    return _lu_ou_calcule(f"chiffres:{FORMAT_CHIFFRES}", chiffres_publics, list)


def tableau_de_bord_en_cache(
    perimetre: Perimetre, annee: str, disponibles: list[str], aujourd_hui: dt.date | None = None
) -> TableauDeBord:
    """`indicateurs.tableau_de_bord`, lu dans le cache quand les données n'ont pas changé
    depuis le dernier calcul du même jour (réglage `CLAS_STATISTIQUES_CACHE`)."""
    aujourd_hui = aujourd_hui or timezone.localdate()

    def calculer() -> Chiffres:
        tableau = tableau_de_bord(perimetre, annee, disponibles, aujourd_hui)
        return Chiffres(tableau.annees, tableau.par_type, tableau.par_departement)

    qui = "nation" if perimetre.caf is None else f"caf-{perimetre.caf.pk}"
    # Avec l'année choisie : les années comparées en dépendent, mais pas seulement
    # (l'année choisie peut manquer de `disponibles`).
    annees = ",".join([annee, *annees_comparees(annee, disponibles)])
    quoi = f"tableau:{FORMAT}:{qui}:{annees}:{aujourd_hui.isoformat()}"
    chiffres = _lu_ou_calcule(quoi, calculer, Chiffres)
    return TableauDeBord(
        perimetre, annee, chiffres.annees, chiffres.par_type, chiffres.par_departement
    )
