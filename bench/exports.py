"""Mesure des exports en tâche de fond à l'échelle nationale (ticket 13, point 6), écrite
dans bench/resultats_exports.md. Pas un test : rien n'est affirmé, tout est mesuré.

Sur une base remplie par le jeu national (une année ≈ 12 000 collectifs à l'échelle 1) :

    DATABASE_URL=postgres://…/clas_bench createdb … && manage.py migrate
    manage.py generer_national --echelle 1.0 --sans-demo
    DATABASE_URL=postgres://…/clas_bench make bench-exports

Mesure, pour l'administration nationale :
- la tâche `produire_export` elle-même (comptage, progression, fichier enregistré), sur
  l'export des collectifs de la file « tous » filtrée sur l'année scolaire la plus récente
  (`?file=tous&annee=…`, ce que demande le bouton d'export de la file ainsi filtrée), puis
  sur toutes les années du jeu ;
- le pic de mémoire Python (tracemalloc) d'une année puis de toutes : plat s'il ne grandit
  pas avec le nombre de lignes.
Tout est écrit dans une transaction annulée à la fin ; les fichiers produits sont effacés.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, QuerySet  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import timezone  # noqa: E402

from clas.comptes.models import Utilisateur  # noqa: E402
from clas.core.exports import ecrire_csv, ecrire_xlsx, parcourir  # noqa: E402
from clas.core.exports_differes import produire_export  # noqa: E402
from clas.core.models import ExportDemande  # noqa: E402
from clas.dossiers.models import Collectif  # noqa: E402
from clas.instruction.exports import COLLECTIFS  # noqa: E402

CHEMIN = "clas.instruction.exports.COLLECTIFS"
MINIMUM = 5000  # en dessous, la base n'est pas le jeu national
ECRIRE = {"csv": ecrire_csv, "xlsx": ecrire_xlsx}


class Annulation(Exception):
    """Levée à la fin pour annuler la transaction des mesures."""


def _national() -> Utilisateur:
    utilisateur, _ = Utilisateur.objects.get_or_create(
        email="mesure-exports@bench.clas.invalid",
        defaults={"nom": "Mesure", "prenom": "Exports", "est_admin_national": True},
    )
    return utilisateur


def _parametres(annee: str | None) -> dict[str, list[str]]:
    """Les paramètres de la file : « tous », filtrée sur l'année si elle est donnée."""
    return {"file": ["tous"], **({"annee": [annee]} if annee else {})}


def _collectifs(national: Utilisateur, annee: str | None) -> QuerySet[Collectif]:
    parametres = QueryDict(mutable=True)
    for cle, valeurs in _parametres(annee).items():
        parametres.setlist(cle, valeurs)
    return COLLECTIFS.lignes(national, parametres)


def _annee_mesuree() -> str:
    """L'année la plus récente qui a l'ampleur d'une année du jeu national (une année
    ajoutée à la main, de quelques collectifs, ne mesure rien) ; sinon la plus fournie."""
    par_annee = dict(
        Collectif.objects.values_list("dossier__campagne__annee_scolaire")
        .annotate(n=Count("pk"))
        .values_list("dossier__campagne__annee_scolaire", "n")
    )
    pleines = [a for a, n in par_annee.items() if n >= MINIMUM]
    return max(pleines) if pleines else max(par_annee, key=par_annee.__getitem__)


def _chrono(fonction: Callable[[], Any]) -> tuple[float, Any]:
    debut = time.perf_counter()
    resultat = fonction()
    return time.perf_counter() - debut, resultat


def mesurer_tache(national: Utilisateur, annee: str | None, format_: str) -> dict[str, Any]:
    """La tâche de fond telle que le travailleur l'exécute (toutes les années si `annee`
    est None)."""
    demande = ExportDemande.objects.create(
        demandeur=national,
        export=CHEMIN,
        format=format_,
        parametres=_parametres(annee),
        nom_fichier=f"mesure-collectifs.{format_}",
    )
    duree, _ = _chrono(lambda: produire_export.call(demande.pk))
    demande.refresh_from_db()
    taille = demande.fichier.size
    demande.fichier.delete(save=False)
    return {"lignes": demande.lignes_ecrites, "secondes": duree, "octets": taille}


def pic_memoire(requete: QuerySet[Collectif], format_: str) -> tuple[int, float]:
    """(lignes, pic de mémoire Python en Mo) pendant l'écriture."""
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as fichier:
            lignes = ECRIRE[format_](COLLECTIFS, parcourir(requete), fichier, lambda n: None)
        _, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lignes, pic / 1_000_000


def main() -> None:
    total = Collectif.objects.count()
    if total < MINIMUM:
        sys.exit(
            f"La base ne compte que {total} collectifs : remplissez-la d'abord avec "
            "« manage.py generer_national --echelle 1.0 --sans-demo » (docs/exploitation.md)."
        )
    lignes: list[str] = []
    try:
        with transaction.atomic():
            national = _national()
            annee = _annee_mesuree()
            une_annee = {f: mesurer_tache(national, annee, f) for f in ECRIRE}
            tache = {f: mesurer_tache(national, None, f) for f in ECRIRE}
            memoire = {
                f: (
                    pic_memoire(_collectifs(national, annee), f),
                    pic_memoire(_collectifs(national, None), f),
                )
                for f in ECRIRE
            }
            lignes = _rapport(annee, tache, une_annee, memoire)
            raise Annulation
    except Annulation:
        pass
    texte = "\n".join(lignes)
    (RACINE / "bench" / "resultats_exports.md").write_text(texte, encoding="utf-8")
    print(texte)


def _rapport(
    annee: str,
    tache: dict[str, dict[str, Any]],
    une_annee: dict[str, dict[str, Any]],
    memoire: dict[str, tuple[tuple[int, float], tuple[int, float]]],
) -> list[str]:
    maintenant = timezone.localtime()
    lignes = [
        "# Mesures des exports à l'échelle nationale",
        "",
        f"Mesuré le {maintenant:%d/%m/%Y à %H:%M} sur {platform.node()} ({os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}), base : {connection.vendor}, jeu "
        "`generer_national --echelle 1.0`. Relancer : `make bench-exports` (voir "
        "`bench/exports.py`). Objectif du ticket 13 : CSV < 5 s, XLSX < 15 s pour ≈ 10 000 "
        "collectifs.",
        "",
        "| mesure | lignes | durée | fichier |",
        "|---|---|---|---|",
    ]
    for format_ in ECRIRE:
        m = une_annee[format_]
        lignes.append(
            f"| tâche `produire_export`, collectifs de l'année {annee}, {format_.upper()} | "
            f"{m['lignes']} | "
            f"{m['secondes']:.2f} s | {m['octets'] / 1e6:.1f} Mo |"
        )
    for format_ in ECRIRE:
        m = tache[format_]
        lignes.append(
            f"| tâche `produire_export`, collectifs de toutes les années, {format_.upper()} | "
            f"{m['lignes']} | {m['secondes']:.2f} s | {m['octets'] / 1e6:.1f} Mo |"
        )
    lignes += [
        "",
        "Pic de mémoire Python pendant l'écriture (tracemalloc) : il ne grandit pas avec le "
        "nombre de lignes (CSV en flux, XlsxWriter en `constant_memory`, lignes lues par "
        "paquets de 2 000).",
        "",
        "| format | une année | toutes les années |",
        "|---|---|---|",
    ]
    for format_, ((n1, pic1), (n2, pic2)) in memoire.items():
        lignes.append(
            f"| {format_.upper()} | {pic1:.1f} Mo pour {n1} lignes "
            f"| {pic2:.1f} Mo pour {n2} lignes |"
        )
    return [*lignes, ""]


if __name__ == "__main__":
    main()
