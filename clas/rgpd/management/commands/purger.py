"""`manage.py purger` : applique les durées de conservation (docs/exploitation.md). À blanc
par défaut : dit ce qui serait supprimé, par type, avec les effectifs ; `--appliquer`
supprime (et journalise). Idempotente : une seconde fois ne trouve plus rien."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clas.rgpd.conservation import purger


class Command(BaseCommand):
    help = "Supprime les données dont la durée de conservation est échue (à blanc par défaut)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--appliquer", action="store_true", help="Supprimer pour de bon (sinon : à blanc)."
        )
        parser.add_argument(
            "--date", help="Jouer la purge comme à ce jour (aaaa-mm-jj), pour vérifier."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        maintenant = self._maintenant(options.get("date"))
        appliquer = bool(options["appliquer"])
        resultats = purger(appliquer=appliquer, maintenant=maintenant)
        verbe = "supprimé(s)" if appliquer else "à supprimer"
        if not appliquer:
            self.stdout.write("À blanc : rien n'est supprimé (--appliquer pour supprimer).")
        total = 0
        for resultat in resultats:
            nombre = len(resultat.identifiants)
            total += nombre
            categorie = resultat.categorie
            self.stdout.write(
                f"{categorie.libelle} (conservation : {categorie.duree} ; échus avant le "
                f"{timezone.localtime(resultat.limite):%d/%m/%Y}) : {nombre} {verbe}"
            )
            for identifiant, raison in resultat.reportes.items():
                self.stdout.write(f"    n° {identifiant} gardé : {raison}")
        self.stdout.write(f"Total : {total} {verbe}.")

    def _maintenant(self, texte: str | None) -> dt.datetime:
        if not texte:
            return timezone.now()
        try:
            jour = dt.date.fromisoformat(texte)
        except ValueError:
            raise CommandError(f"--date {texte!r} : attendu aaaa-mm-jj.") from None
        return timezone.make_aware(dt.datetime.combine(jour, dt.time(23, 59, 59)))
