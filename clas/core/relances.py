"""Ce que partagent les commandes de rappel quotidiennes (`relancer_complements`,
`relancer_bilans`) : les options `--date` et `--simulation`, et la date du jour à Paris."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class CommandeDeRelance(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="La date du jour à utiliser (aaaa-mm-jj), par défaut aujourd'hui (Paris).",
        )
        parser.add_argument(
            "--simulation",
            action="store_true",
            help="Affiche les rappels à envoyer sans rien envoyer ni enregistrer.",
        )

    def date_du_jour(self, options: dict[str, Any]) -> dt.date:
        if not options["date"]:
            return timezone.localdate()
        try:
            return dt.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date attend une date aaaa-mm-jj.") from None
