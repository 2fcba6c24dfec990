"""La version des données statistiques : un numéro en base qui avance à chaque transaction
validée qui écrit dans une table suivie (`core.chiffres_en_cache.TABLES_SUIVIES`). Le
tableau de bord (`cache.py`), les comptes des files et les totaux rangent leurs chiffres
sous ce numéro (`core.chiffres_en_cache`).

Des déclencheurs SQL, pas des signaux Django : `queryset.update()`, `bulk_create`,
`bulk_update`, `loaddata` et le SQL brut n'émettent pas de signaux, la base voit tout.

- PostgreSQL : sur chaque table, un déclencheur de contrainte différé (`DEFERRABLE
  INITIALLY DEFERRED`, ligne à ligne) : il part à la validation, après les autres verrous
  de la transaction, et le verrou de la ligne du compteur n'est tenu qu'un instant (pas
  d'interblocage possible avec les verrous métier) ; la fonction n'avance le numéro qu'une
  fois par transaction (un lot de 35 000 collectifs : un seul UPDATE), grâce à un drapeau
  local à la transaction (`set_config(…, true)`). `TRUNCATE` n'a pas de déclencheur ligne à
  ligne : un déclencheur d'instruction le couvre (vidage des tests, `restaurer`).
- SQLite : un déclencheur par table et par opération, qui avance le numéro aussitôt
  (SQLite n'a qu'un écrivain à la fois : pas d'interblocage ; le numéro et les données
  sont validés ou annulés ensemble).

`installer` est idempotente : la migration l'appelle, puis chaque `migrate` (signal
`post_migrate`, `apps.py`) la rappelle, car SQLite recrée une table à chaque modification
de ses colonnes et perd alors ses déclencheurs. Chaque `migrate` avance aussi le numéro
(une migration peut changer les données).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from clas.core.chiffres_en_cache import TABLE_VERSION, TABLES_SUIVIES

# Les tables suivies (`core.chiffres_en_cache`), dans l'ordre : toutes celles que lisent
# `indicateurs.tableau_de_bord` et les `_repartition*` (tests/statistiques/test_cache_coherent.py
# vérifie que les requêtes n'en lisent pas d'autre), et les comptes mis en cache ailleurs.
TABLES = tuple(sorted(TABLES_SUIVIES))
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
AVANCER = f"UPDATE {TABLE_VERSION} SET numero = numero + 1 WHERE id = 1"  # noqa: S608 — constante

CREER_TABLE = f"""
CREATE TABLE {TABLE_VERSION} (
    id smallint NOT NULL PRIMARY KEY CHECK (id = 1),
    numero bigint NOT NULL,
    generation varchar(32) NOT NULL
)"""

FONCTION_PG = f"""
CREATE OR REPLACE FUNCTION statistiques_version_suivante() RETURNS trigger AS $$
BEGIN
    -- Une fois par transaction : le drapeau local porte le numéro de la transaction.
    IF current_setting('clas.stats_version', true) IS DISTINCT FROM txid_current()::text THEN
        {AVANCER};
        PERFORM set_config('clas.stats_version', txid_current()::text, true);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql"""


def _nom_sqlite(table: str, operation: str) -> str:
    return f"statistiques_version_{table}_{operation.lower()}"


def _declencheurs_pg(table: str) -> dict[str, str]:
    return {
        "statistiques_version": (
            f"CREATE CONSTRAINT TRIGGER statistiques_version "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION statistiques_version_suivante()"
        ),
        "statistiques_version_vidage": (
            f"CREATE TRIGGER statistiques_version_vidage AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION statistiques_version_suivante()"
        ),
    }


def _declencheur_sqlite(table: str, operation: str) -> str:
    nom = _nom_sqlite(table, operation)
    return f"CREATE TRIGGER IF NOT EXISTS {nom} AFTER {operation} ON {table} BEGIN {AVANCER}; END"


def declencheurs_presents(connexion: BaseDatabaseWrapper) -> set[tuple[str, str]]:
    """(table, nom) des déclencheurs de version présents dans la base."""
    with connexion.cursor() as curseur:
        if connexion.vendor == "postgresql":
            curseur.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'statistiques_version%%' AND c.relname = ANY(%s)",
                [list(TABLES)],
            )
        else:
            curseur.execute(
                "SELECT tbl_name, name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'statistiques_version%'"
            )
        return {(table, nom) for table, nom in curseur.fetchall()}


def declencheurs_attendus(connexion: BaseDatabaseWrapper) -> set[tuple[str, str]]:
    if connexion.vendor == "postgresql":
        return {(t, nom) for t in TABLES for nom in _declencheurs_pg(t)}
    return {(t, _nom_sqlite(t, op)) for t in TABLES for op in OPERATIONS}


def installer(connexion: BaseDatabaseWrapper) -> None:
    """La fonction et les déclencheurs qui manquent ; la table et sa ligne doivent exister."""
    presents = declencheurs_presents(connexion)
    with connexion.cursor() as curseur:
        if connexion.vendor == "postgresql":
            curseur.execute(FONCTION_PG)
            for table in TABLES:
                for nom, sql in _declencheurs_pg(table).items():
                    if (table, nom) not in presents:
                        curseur.execute(sql)
        elif connexion.vendor == "sqlite":
            for table in TABLES:
                for operation in OPERATIONS:
                    curseur.execute(_declencheur_sqlite(table, operation))


def desinstaller(connexion: BaseDatabaseWrapper) -> None:
    with connexion.cursor() as curseur:
        if connexion.vendor == "postgresql":
            for table in TABLES:
                for nom in _declencheurs_pg(table):
                    curseur.execute(f"DROP TRIGGER IF EXISTS {nom} ON {table}")
            curseur.execute("DROP FUNCTION IF EXISTS statistiques_version_suivante()")
        else:
            for table in TABLES:
                for operation in OPERATIONS:
                    curseur.execute(f"DROP TRIGGER IF EXISTS {_nom_sqlite(table, operation)}")


def creer(connexion: BaseDatabaseWrapper) -> None:
    """La table, sa ligne (numéro 0, génération tirée au hasard) et les déclencheurs."""
    with connexion.cursor() as curseur:
        curseur.execute(CREER_TABLE)
        curseur.execute(
            f"INSERT INTO {TABLE_VERSION} (id, numero, generation) VALUES (1, 0, %s)",  # noqa: S608
            [secrets.token_hex(8)],
        )
    installer(connexion)


def retirer(connexion: BaseDatabaseWrapper) -> None:
    desinstaller(connexion)
    with connexion.cursor() as curseur:
        curseur.execute(f"DROP TABLE IF EXISTS {TABLE_VERSION}")


def table_presente(connexion: BaseDatabaseWrapper) -> bool:
    with connexion.cursor() as curseur:
        return TABLE_VERSION in connexion.introspection.table_names(curseur)


def avancer(connexion: BaseDatabaseWrapper) -> None:
    with connexion.cursor() as curseur:
        curseur.execute(AVANCER)


def apres_migration(using: str, **_: Any) -> None:
    """Après chaque `migrate` : les déclencheurs qui manqueraient, et le numéro avance."""
    connexion = connections[using]
    if table_presente(connexion):
        installer(connexion)
        avancer(connexion)
