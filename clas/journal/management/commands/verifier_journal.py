"""`manage.py verifier_journal [--condenses FICHIER]` : recalcule la chaîne du journal ;
sort en erreur (code 1) en nommant la première entrée modifiée, supprimée ou réordonnée.
Avec les condensés exportés chaque jour (`exporter_tete_journal`), voit aussi une fin de
chaîne supprimée."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clas.journal.chaine import faute_du_condense, premiere_faute
from clas.journal.models import Entree


class Command(BaseCommand):
    help = "Vérifie la chaîne d'empreintes du journal (et, si donnés, les condensés exportés)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--condenses",
            type=Path,
            help="Fichier des condensés exportés (une ligne JSON par jour).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        faute = premiere_faute()
        if faute is not None:
            raise CommandError(f"Journal altéré. {faute}")
        if options["condenses"] is not None:
            self._verifier_condenses(options["condenses"])
        nombre = Entree.objects.count()
        self.stdout.write(f"Journal intact : {nombre} entrée(s), chaîne vérifiée.")

    def _verifier_condenses(self, chemin: Path) -> None:
        try:
            lignes = chemin.read_text(encoding="utf-8").splitlines()
        except OSError as erreur:
            raise CommandError(f"Fichier des condensés illisible : {erreur}.") from erreur
        for rang, ligne in enumerate(lignes, start=1):
            if not ligne.strip():
                continue
            try:
                faute = faute_du_condense(json.loads(ligne))
            except (ValueError, KeyError, TypeError) as erreur:
                raise CommandError(f"Condensé illisible ligne {rang} : {erreur}.") from erreur
            if faute is not None:
                raise CommandError(f"Journal altéré. {faute}")
