"""Le tableau de bord en cache, toujours cohérent avec les données.

Les chiffres de `indicateurs.tableau_de_bord` sont rangés dans le cache de Django (par
processus par défaut, Redis avec `CACHE_URL`) sous la clé : génération et numéro de la
version des données (`core.chiffres_en_cache`, qui dit pourquoi c'est cohérent), Caf ou
nation, années comparées, jour de Paris (les retards en dépendent), format des chiffres.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, fields

from django.utils import timezone

from clas.core.chiffres_en_cache import lu_ou_calcule

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
from .open_data import conventions_non_publiees

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


def chiffres_publics_en_cache() -> list[LigneChiffres]:
    """`chiffres_publics`, sous la même règle que le tableau de bord (les tables lues sont
    parmi celles que suivent les déclencheurs)."""
    return lu_ou_calcule(f"chiffres:{FORMAT_CHIFFRES}", chiffres_publics, list)


def conventions_non_publiees_en_cache() -> int:
    """`open_data.conventions_non_publiees`, sous la même règle (conventions, dossiers,
    campagnes et Caf sont suivis par les déclencheurs)."""
    return lu_ou_calcule("non-publiees", conventions_non_publiees, int)


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
    chiffres = lu_ou_calcule(quoi, calculer, Chiffres)
    return TableauDeBord(
        perimetre, annee, chiffres.annees, chiffres.par_type, chiffres.par_departement
    )
