"""`manage.py exporter_tete_journal [--jour AAAA-MM-JJ]` : écrit le condensé de la tête de
chaîne (numéro et empreinte de la dernière entrée du jour) en une ligne JSON, à ajouter
chaque jour à un fichier gardé hors de la plateforme (voir docs/securite.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clas.journal.chaine import condense, tete


class Command(BaseCommand):
    help = "Exporte le condensé quotidien de la tête de chaîne du journal (une ligne JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jour", help="Le jour (AAAA-MM-JJ) dont on veut la tête ; aujourd'hui par défaut."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jour = timezone.localdate()
        if options["jour"]:
            try:
                jour = dt.date.fromisoformat(options["jour"])
            except ValueError as erreur:
                raise CommandError(
                    f"Jour « {options['jour']} » illisible : écrivez-le AAAA-MM-JJ."
                ) from erreur
        self.stdout.write(json.dumps(condense(tete(jour), jour), sort_keys=True))
