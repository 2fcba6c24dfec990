"""Des chiffres calculés sur beaucoup de lignes (comptes des files, totaux, tableau de bord)
rangés dans le cache de Django sous la **version des données**, toujours cohérents avec
elles.

La version est une ligne (`statistiques_versiondonnees` : génération, numéro) que des
déclencheurs SQL font avancer à chaque transaction validée qui écrit dans l'une des
`TABLES_SUIVIES` ; l'application `statistiques` les pose et les tient à jour
(`statistiques/version.py`). La liste est ici, sous toutes les applications, pour que
chacune puisse mettre en cache ce qu'elle compte.

Pourquoi c'est cohérent : le numéro est lu **avant** le calcul ; une écriture validée
pendant ou après le calcul donne un numéro plus grand, une autre clé : sous un numéro,
jamais de chiffres plus anciens que ce numéro. Dans une transaction ouverte (`atomic`), le
cache n'est ni lu ni écrit : on y verrait des écritures non validées.

`en_cache_selon_requetes` met en cache ce qu'on calcule d'une requête, sous la clé de son
SQL et de ses paramètres (la Caf, l'agent, la date du jour y sont) ; si une requête lit
une table que la version ne suit pas, le calcul est toujours refait.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.utils.functional import cached_property

journal = logging.getLogger(__name__)
T = TypeVar("T")

TABLE_VERSION = "statistiques_versiondonnees"
TABLES_SUIVIES = frozenset(
    {
        "bilans_bilan",
        "bilans_indu",
        "campagnes_campagne",
        "conventions_convention",
        "dossiers_collectif",
        # Les compléments demandés : les files et la page de travail comptent ceux en retard.
        "dossiers_demandecomplements",
        "dossiers_dossier",
        "instruction_decision",
        "instruction_proposition",
        "referentiel_caf",
        "structures_structure",
        "versements_mouvement",
        "versements_versement",
    }
)
# Un jour suffit : ce qui dépend du jour a le jour dans sa clé.
DUREE = 24 * 3600
_TABLES_LUES = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')


def version_des_donnees() -> tuple[str, int] | None:
    """(génération, numéro), lus par la clé primaire ; rien dans une transaction ouverte,
    ni si la table manque (base pas encore migrée)."""
    if connection.in_atomic_block:
        return None
    try:
        with connection.cursor() as curseur:
            curseur.execute(
                f"SELECT generation, numero FROM {TABLE_VERSION} WHERE id = 1"  # noqa: S608 — constante
            )
            ligne = curseur.fetchone()
    except DatabaseError:
        return None
    return (str(ligne[0]), int(ligne[1])) if ligne else None


def _lire(la_cle: str) -> object:
    try:
        return cache.get(la_cle)
    except Exception:  # le cache est un raccourci : en panne (Redis), on calcule
        journal.warning("Cache des chiffres illisible", exc_info=True)
        return None


def _ecrire(la_cle: str, valeur: object) -> None:
    try:
        cache.set(la_cle, valeur, DUREE)
    except Exception:  # idem : la page s'affiche, le prochain affichage recalculera
        journal.warning("Cache des chiffres impossible à écrire", exc_info=True)


def lu_ou_calcule(quoi: str, calculer: Callable[[], T], attendu: type[T]) -> T:
    """La valeur rangée sous `quoi` et la version des données, sinon `calculer()` (rangé
    pour la suite) ; toujours `calculer()` sans cache (réglage coupé, transaction ouverte).
    `calculer` ne doit lire que des `TABLES_SUIVIES`."""
    version = version_des_donnees() if settings.CLAS_STATISTIQUES_CACHE else None
    if version is None:
        return calculer()
    generation, numero = version
    la_cle = f"clas:chiffres:{generation}:{numero}:{quoi}"
    valeur = _lire(la_cle)
    if isinstance(valeur, attendu):
        return valeur
    valeur = calculer()
    _ecrire(la_cle, valeur)
    return valeur


def en_cache_selon_requetes(
    quoi: str, requetes: Sequence[QuerySet[Any]], calculer: Callable[[], T], attendu: type[T]
) -> T:
    """`calculer()`, qui ne lit que `requetes` (filtrées ou agrégées), en cache sous leur SQL
    et leurs paramètres ; recalculé à chaque fois si l'une lit une table non suivie."""
    try:
        sql_et_parametres = [requete.query.sql_with_params() for requete in requetes]
    except EmptyResultSet:  # une requête vide d'avance (`__in=[]`) : rien à lire en base
        return calculer()
    lues = {table for sql, _ in sql_et_parametres for table in _TABLES_LUES.findall(sql)}
    if not lues <= TABLES_SUIVIES:
        return calculer()
    empreinte = hashlib.sha256(repr(sql_et_parametres).encode()).hexdigest()[:32]
    return lu_ou_calcule(f"{quoi}:{empreinte}", calculer, attendu)


def agreger_en_cache(quoi: str, requete: QuerySet[Any], **agregats: Any) -> dict[str, Any]:
    """`requete.aggregate(**agregats)` en cache. La clé est le SQL de la requête annotée des
    mêmes agrégats : leurs filtres et paramètres (l'agent, le jour) y sont."""
    # Un agrégat ignore les jointures de `select_related` et les annotations qu'il ne lit
    # pas (`values("pk")` les masque) : elles ne font pas la clé.
    requete = requete.select_related(None)
    cle = requete.values("pk").annotate(
        **{f"cle_{nom}": expression for nom, expression in agregats.items()}
    )
    return en_cache_selon_requetes(quoi, [cle], lambda: requete.aggregate(**agregats), dict)


class PaginateurCompteEnCache(Paginator):  # type: ignore[type-arg]  # comme Paginator
    """Un `Paginator` dont le nombre total (un COUNT sur toute la liste) est compté une fois
    par version des données ; la page elle-même est toujours lue."""

    @cached_property
    def count(self) -> int:
        liste = self.object_list
        if isinstance(liste, QuerySet):
            # Compter se passe des jointures de `select_related`, du tri et des annotations
            # qui ne filtrent pas (une sous-requête par ligne affichée, par exemple).
            a_compter = liste.select_related(None).order_by().values("pk")
            return en_cache_selon_requetes("compte", [a_compter], a_compter.count, int)
        return len(liste)
