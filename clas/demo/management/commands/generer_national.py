"""Génère le jeu national de mesure (voir clas.demo.national), puis la démo par-dessus.
Refuse une base qui contient déjà des comptes, des structures ou des dossiers, sauf
--base-non-vide."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from clas.demo.national import base_vide, generer_national
from clas.referentiel.models import Caf


class Command(BaseCommand):
    help = "Génère un jeu de données national (101 Caf, ~4 300 dossiers par an à l'échelle 1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--echelle",
            type=float,
            default=1.0,
            help="1.0 : le pays (~4 300 dossiers par an) ; 0.1 pour un essai rapide",
        )
        parser.add_argument("--graine", type=int, default=42, help="même graine, mêmes données")
        parser.add_argument(
            "--base-non-vide",
            action="store_true",
            help="générer même si la base contient déjà des comptes ou des dossiers",
        )
        parser.add_argument(
            "--sans-demo", action="store_true", help="ne pas charger les comptes de la démo"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        echelle: float = options["echelle"]
        if not 0 < echelle <= 10:
            raise CommandError("L'échelle est un nombre entre 0 (exclu) et 10, par exemple 0.1.")
        if Caf.objects.count() < 101:
            raise CommandError("Le référentiel des Caf est absent : lancez d'abord « migrate ».")
        if not base_vide() and not options["base_non_vide"]:
            raise CommandError(
                "La base contient déjà des comptes, des structures ou des dossiers : le jeu "
                "national s'écrit sur une base tout juste migrée. Relancez avec "
                "--base-non-vide si vous voulez l'ajouter quand même."
            )
        debut = time.perf_counter()
        resume = generer_national(echelle, options["graine"])
        duree = time.perf_counter() - debut
        lignes = ", ".join(f"{nom} {nombre}" for nom, nombre in resume.lignes.items())
        self.stdout.write(f"Jeu national écrit en {duree:.1f} s : {lignes}.")
        decides = resume.lignes.get("Decision", 0) + resume.lignes.get("Bilan", 0)
        self.stdout.write(
            f"Barème : {resume.calculs_bareme} calculs pour {decides} décisions et bilans."
        )
        for modele, etats in resume.etats.items():
            self.stdout.write(f"  {modele} : " + ", ".join(f"{e} {n}" for e, n in etats.items()))
        if not options["sans_demo"]:
            debut = time.perf_counter()
            call_command("charger_demo", force=True, stdout=self.stdout)
            self.stdout.write(f"Démo chargée par-dessus en {time.perf_counter() - debut:.1f} s.")
        # Des dizaines de milliers de lignes écrites d'un coup : sans statistiques à jour
        # (l'autovacuum passe plus tard), le planificateur croit les tables vides et
        # choisit des boucles imbriquées ; les mesures qui suivent seraient fausses.
        with connection.cursor() as curseur:
            curseur.execute("ANALYZE")
        self.stdout.write("Statistiques du planificateur recalculées (ANALYZE).")
