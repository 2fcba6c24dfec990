"""Les paramètres du barème lus dans la base sans démarrer Django, pour `clas simuler --lot`
(démarrer Django coûte plus que calculer des milliers de collectifs).

Les mêmes valeurs que `services.parametres_par_annee()` : la base désignée par `DATABASE_URL`
(SQLite `db.sqlite3` à la racine sinon, comme les réglages), les décimales converties comme
le fait l'ORM, les taux normalisés comme `ParametresBareme.valeurs`. Un test compare les deux
lectures et ces constantes aux champs du modèle. Aucun import de Django ici (contrat
import-linter) : seulement le pilote de la base.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

from clas.bareme import NOMS_PARAMETRES, Parametres

RACINE = Path(__file__).resolve().parents[2]
TABLE = "referentiel_parametresbareme"
# (chiffres, décimales) de chaque colonne décimale, ceux des champs du modèle.
COLONNES_DECIMALES: dict[str, tuple[int, int]] = {
    "taux": (6, 4),
    "prix_plafond": (12, 2),
    "montant_max_collectif": (12, 2),
    "bonus_projets_culturels": (12, 2),
    "bonus_accompagnement_parents": (12, 2),
    "taux_acompte": (5, 4),
}
TAUX_NORMALISES = ("taux", "taux_acompte")
# SQLite garde 15 chiffres significatifs (même conversion que l'ORM de Django).
_DEPUIS_SQLITE = Context(prec=15).create_decimal_from_float


class BaseIndisponible(Exception):
    """La base ne répond pas ou n'est pas migrée ; le message dit quoi faire."""


def lire_parametres() -> dict[str, Parametres]:
    """Les paramètres de chaque année scolaire ; lève `BaseIndisponible`."""
    reglages = _reglages()
    moteur = reglages["ENGINE"]
    if moteur == "django.db.backends.sqlite3":
        lignes = _lire_sqlite(reglages["NAME"])
    elif moteur == "django.db.backends.postgresql":
        lignes = _lire_postgresql(reglages)
    else:
        raise BaseIndisponible(
            "Configuration invalide : DATABASE_URL : seules SQLite et PostgreSQL sont prises "
            "en charge."
        )
    return {ligne["annee_scolaire"]: _vers_bareme(ligne, moteur) for ligne in lignes}


def _reglages() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        # Le défaut des réglages, sans importer dj_database_url (et logging) au démarrage.
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(RACINE / "db.sqlite3")}
    import dj_database_url

    try:
        reglages: dict[str, Any] = dict(dj_database_url.parse(url))
    except ValueError as erreur:
        raise BaseIndisponible(
            f"Configuration invalide : DATABASE_URL invalide ({erreur})."
        ) from None
    return reglages


def migrations_attendues() -> set[tuple[str, str]]:
    """(application, migration) de chaque fichier de migration des applications Clas."""
    attendues = set()
    for dossier in (RACINE / "clas").glob("*/migrations"):
        for fichier in dossier.glob("[0-9]*.py"):
            attendues.add((dossier.parent.name, fichier.stem))
    return attendues


def _non_migree(nombre: int) -> BaseIndisponible:
    return BaseIndisponible(
        f"La base de données n'est pas migrée ({nombre} migration(s) en attente). "
        "Lancez « make migrate » (ou « python manage.py migrate »), puis recommencez."
    )


def _colonnes() -> str:
    return ", ".join(("annee_scolaire", *NOMS_PARAMETRES, "sources"))


def _verifier_migrations(appliquees: Iterable[Sequence[Any]]) -> None:
    en_attente = migrations_attendues() - {(app, nom) for app, nom in appliquees}
    if en_attente:
        raise _non_migree(len(en_attente))


def _lire_sqlite(nom: str) -> list[dict[str, Any]]:
    import sqlite3

    chemin = Path(nom).resolve()
    if not chemin.exists():  # lecture seule : ne pas créer une base vide en passant
        raise _non_migree(len(migrations_attendues()))
    try:
        connexion = sqlite3.connect(f"{chemin.as_uri()}?mode=ro", uri=True, timeout=20)
    except sqlite3.Error as erreur:
        raise BaseIndisponible(f"La base de données ne répond pas : {erreur}") from None
    try:
        curseur = connexion.cursor()
        try:
            _verifier_migrations(curseur.execute("SELECT app, name FROM django_migrations"))
        except sqlite3.OperationalError:  # pas de table des migrations : base vide
            raise _non_migree(len(migrations_attendues())) from None
        curseur.execute(f"SELECT {_colonnes()} FROM {TABLE} ORDER BY annee_scolaire")  # noqa: S608
        return _en_dicts(curseur.description, curseur.fetchall())
    except sqlite3.Error as erreur:
        raise BaseIndisponible(f"La base de données ne répond pas : {erreur}") from None
    finally:
        connexion.close()


def _lire_postgresql(reglages: dict[str, Any]) -> list[dict[str, Any]]:
    import psycopg

    options = {
        "dbname": reglages.get("NAME") or None,
        "user": reglages.get("USER") or None,
        "password": reglages.get("PASSWORD") or None,
        "host": reglages.get("HOST") or None,
        "port": reglages.get("PORT") or None,
        **reglages.get("OPTIONS", {}),
    }
    try:
        connexion = psycopg.connect(**{cle: v for cle, v in options.items() if v is not None})
    except psycopg.Error as erreur:
        raise BaseIndisponible(f"La base de données ne répond pas : {erreur}") from None
    with connexion:
        curseur = connexion.cursor()
        try:
            curseur.execute("SELECT app, name FROM django_migrations")
            _verifier_migrations(curseur.fetchall())
        except psycopg.errors.UndefinedTable:
            raise _non_migree(len(migrations_attendues())) from None
        curseur.execute(f"SELECT {_colonnes()} FROM {TABLE} ORDER BY annee_scolaire")  # noqa: S608
        return _en_dicts(curseur.description or [], curseur.fetchall())


def _en_dicts(description: Sequence[Any], lignes: list[Any]) -> list[dict[str, Any]]:
    noms = [colonne[0] for colonne in description]
    return [dict(zip(noms, ligne, strict=True)) for ligne in lignes]


def _vers_bareme(ligne: dict[str, Any], moteur: str) -> Parametres:
    """Comme `ParametresBareme.vers_bareme()` sur la ligne lue par l'ORM."""
    valeurs = {nom: ligne[nom] for nom in NOMS_PARAMETRES}
    for nom, (chiffres, decimales) in COLONNES_DECIMALES.items():
        brute = valeurs[nom]
        if moteur == "django.db.backends.sqlite3" and isinstance(brute, (int, float)):
            # Ce que fait le convertisseur SQLite de l'ORM : 0.325 (réel) → 0.3250.
            valeurs[nom] = _DEPUIS_SQLITE(brute).quantize(
                Decimal(1).scaleb(-decimales), context=Context(prec=chiffres)
            )
    for nom in TAUX_NORMALISES:
        valeurs[nom] = Decimal(valeurs[nom]).normalize()
    sources = ligne["sources"]
    if isinstance(sources, (str, bytes)):
        sources = json.loads(sources)
    return Parametres.depuis_dict(ligne["annee_scolaire"], valeurs, sources or {})
