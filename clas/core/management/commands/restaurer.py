"""`manage.py restaurer CHEMIN [--ecraser]` : recharge une archive de `sauvegarder`, après
l'avoir vérifiée en entier ; une archive abîmée ou partielle est refusée sans rien toucher
(voir `clas.core.sauvegarde`). Vérifie ensuite la chaîne du journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clas.core.sauvegarde import ArchiveInvalide, RestaurationImpossible, restaurer


class Command(BaseCommand):
    help = "Restaure une sauvegarde (base et fichiers déposés) dans une base vide."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("chemin", type=Path, help="Archive écrite par « sauvegarder ».")
        parser.add_argument("--database", default="default", help="Alias de la base.")
        parser.add_argument(
            "--ecraser",
            action="store_true",
            help="Remplacer une base et des fichiers déposés qui ne sont pas vides.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            resultat = restaurer(
                options["chemin"], using=options["database"], ecraser=options["ecraser"]
            )
        except ArchiveInvalide as erreur:
            raise CommandError(f"Archive refusée, rien n'a été touché : {erreur}") from erreur
        except RestaurationImpossible as erreur:
            raise CommandError(f"Restauration refusée, rien n'a été touché : {erreur}") from erreur
        self.stdout.write(
            f"Sauvegarde restaurée : {resultat.lignes} ligne(s) dans {resultat.tables} "
            f"table(s), {resultat.fichiers} fichier(s) déposé(s)."
        )
        # Le journal vient d'être rechargé tel quel : sa chaîne doit tenir (le journal est
        # une application plus haute que core : appelé par son nom de commande).
        if "verifier_journal" in get_commands():
            try:
                call_command("verifier_journal", stdout=self.stdout)
            except CommandError as erreur:
                raise CommandError(
                    f"Restauration faite, mais le journal restauré est altéré : {erreur}"
                ) from erreur
