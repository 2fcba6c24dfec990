"""La commande `clas` : `clas simuler FICHIER` (ou `-` pour l'entrée standard), et
`clas simuler --lot FICHIER.jsonl` : un projet JSON par ligne, un résultat JSON par ligne.

Elle tourne avec les réglages et la base de la plateforme, comme manage.py : elle applique
donc les paramètres tels que l'administrateur national les a modifiés. Le lot ne démarre pas
Django : il lit les paramètres dans la même base (DATABASE_URL), directement.
Codes de sortie : 0 calcul fait (toutes les lignes d'un lot), 2 entrée refusée (au moins une
ligne d'un lot), 1 problème d'environnement.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, TextIO

if TYPE_CHECKING:
    from clas.bareme import Parametres

USAGE = (
    "clas simuler FICHIER   (FICHIER : un JSON d'entrée, ou - pour l'entrée standard)\n"
    "        clas simuler --lot FICHIER.jsonl   (un projet JSON par ligne, ou - )"
)


def _ecrire(donnees: Any, sortie: TextIO) -> None:
    json.dump(donnees, sortie, ensure_ascii=False, indent=2)
    sortie.write("\n")


def _lire(chemin: str) -> str:
    if chemin == "-":
        return sys.stdin.read()
    with open(chemin, encoding="utf-8") as fichier:
        return fichier.read()


def _base_prete() -> str | None:
    """Un message si la base n'est pas migrée, sinon None."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executeur = MigrationExecutor(connection)
        en_attente = executeur.migration_plan(executeur.loader.graph.leaf_nodes())
    except DatabaseError as erreur:
        return f"La base de données ne répond pas : {erreur}"
    if en_attente:
        return (
            f"La base de données n'est pas migrée ({len(en_attente)} migration(s) en attente). "
            "Lancez « make migrate » (ou « python manage.py migrate »), puis recommencez."
        )
    return None


def simuler(chemin: str) -> int:
    from clas.bareme import EntreeInvalide, resultat_vers_json
    from clas.referentiel.services import simuler as simuler_en_base

    try:
        texte = _lire(chemin)
    except OSError as erreur:
        print(f"Impossible de lire « {chemin} » : {erreur.strerror}.", file=sys.stderr)
        return 1
    try:
        donnees = json.loads(texte)
    except json.JSONDecodeError as erreur:
        refus = {
            "erreurs": [
                {
                    "champ": "",
                    "message": f"JSON invalide ligne {erreur.lineno}, colonne {erreur.colno} : "
                    "corrigez la syntaxe du fichier.",
                }
            ]
        }
        _ecrire(refus, sys.stdout)
        return 2
    probleme = _base_prete()
    if probleme:
        print(probleme, file=sys.stderr)
        return 1
    try:
        resultat = simuler_en_base(donnees)
    except EntreeInvalide as refus_entree:
        _ecrire(refus_entree.vers_json(), sys.stdout)
        return 2
    _ecrire(resultat_vers_json(resultat), sys.stdout)
    return 0


def _refus_json(erreur: json.JSONDecodeError, ligne: int | None = None) -> dict[str, Any]:
    ou = f"ligne {ligne}" if ligne is not None else f"ligne {erreur.lineno}"
    return {
        "erreurs": [
            {
                "champ": "",
                "message": f"JSON invalide {ou}, colonne {erreur.colno} : corrigez la syntaxe.",
            }
        ]
    }


def simuler_lot(chemin: str) -> int:
    """Un projet par ligne (JSON Lines), un résultat par ligne, dans l'ordre : le même contrat
    que `clas simuler`, les paramètres lus une fois. Une ligne refusée a sa ligne de refus
    (`{"erreurs": …}`) et n'arrête pas les suivantes ; une ligne vide est ignorée.

    Sans Django (son démarrage coûterait plus que le calcul de milliers de collectifs) : les
    paramètres sont lus directement dans la base des réglages
    (`clas.referentiel.lecture_directe`)."""
    from clas.referentiel.lecture_directe import BaseIndisponible, lire_parametres

    try:
        lignes = sys.stdin if chemin == "-" else open(chemin, encoding="utf-8")  # noqa: SIM115
    except OSError as erreur:
        print(f"Impossible de lire « {chemin} » : {erreur.strerror}.", file=sys.stderr)
        return 1
    try:
        parametres = lire_parametres()
    except BaseIndisponible as probleme:
        print(probleme, file=sys.stderr)
        return 1
    # Le calcul ne crée pas de cycles d'objets (le comptage de références libère tout) ; le
    # ramasse-miettes cyclique ne ferait que reparcourir les caches du calcul et de l'encodeur
    # (4 % du lot). Un éventuel cycle d'une ligne refusée attend la fin du lot.
    gc.disable()
    try:
        return _calculer_lignes(lignes, parametres)
    finally:
        gc.enable()


def _calculer_lignes(lignes: TextIO, parametres: dict[str, Parametres]) -> int:
    from clas.bareme import EncodeurDeLot, EntreeInvalide, calculer, lire_entree

    annees = parametres.keys()
    encodeur = EncodeurDeLot()
    ecrire, refusee = _sortie_utf8(), False
    with lignes:
        for rang, ligne in enumerate(lignes, start=1):
            if not ligne.strip():
                continue
            try:
                entree = lire_entree(json.loads(ligne), annees)
                texte = encodeur.resultat_utf8(calculer(entree, parametres[entree.annee_scolaire]))
            except json.JSONDecodeError as erreur:
                texte, refusee = encodeur.refus_utf8(_refus_json(erreur, rang)), True
            except RecursionError:
                refus = {"erreurs": [{"champ": "", "message": f"Ligne {rang} trop imbriquée."}]}
                texte, refusee = encodeur.refus_utf8(refus), True
            except EntreeInvalide as refus_entree:
                texte, refusee = encodeur.refus_utf8(refus_entree.vers_json()), True
            ecrire(texte + b"\n")
    return 2 if refusee else 0


def _sortie_utf8() -> Callable[[bytes], object]:
    """Écrit des lignes déjà en UTF-8 (JSON Lines) : directement sur la sortie binaire, sans
    réencoder des mégaoctets de texte ; par la sortie texte si elle n'en a pas."""
    sys.stdout.flush()
    binaire: BinaryIO | None = getattr(sys.stdout, "buffer", None)
    if binaire is not None:
        return binaire.write
    texte = sys.stdout
    return lambda ligne: texte.write(ligne.decode())


class _Analyseur(argparse.ArgumentParser):
    """Les erreurs d'usage en français, avec le code 1 (le code 2 veut dire « entrée refusée »)."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"Usage : {USAGE}\nErreur : {message}\n")


def main(argv: list[str] | None = None) -> int:
    analyseur = _Analyseur(
        prog="clas", description="Outils en ligne de commande de la plateforme Clas."
    )
    sous = analyseur.add_subparsers(dest="commande", required=True, metavar="COMMANDE")
    commande = sous.add_parser(
        "simuler",
        help="calcule la prestation de service d'un projet décrit en JSON",
        description="Calcule et explique la prestation de service Clas. "
        "Sortie : le JSON du résultat (code 0) ou du refus (code 2).",
    )
    commande.add_argument("fichier", help="fichier JSON d'entrée, ou - pour l'entrée standard")
    commande.add_argument(
        "--lot",
        action="store_true",
        help="FICHIER est en JSON Lines : un projet par ligne, un résultat par ligne",
    )
    arguments = analyseur.parse_args(argv)
    if arguments.lot:
        return simuler_lot(arguments.fichier)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        import django

        django.setup()
    except Exception as erreur:
        print(f"Configuration invalide : {erreur}", file=sys.stderr)
        return 1
    return simuler(arguments.fichier)


if __name__ == "__main__":
    sys.exit(main())
