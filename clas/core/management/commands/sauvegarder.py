"""`manage.py sauvegarder CHEMIN` : la base et les fichiers déposés dans une archive
`.tar.gz` avec son manifeste de sommes SHA-256 (voir `clas.core.sauvegarde`). CHEMIN est
le fichier à écrire (`….tar.gz`), ou un dossier (créé au besoin) où l'archive prend un nom
daté."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clas.core.sauvegarde import sauvegarder


class Command(BaseCommand):
    help = "Sauvegarde la base et les fichiers déposés dans une archive vérifiable."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("chemin", type=Path, help="Archive à écrire, ou dossier.")
        parser.add_argument("--database", default="default", help="Alias de la base.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive, manifeste = sauvegarder(options["chemin"], using=options["database"])
        except (FileExistsError, OSError) as erreur:
            raise CommandError(f"Sauvegarde impossible : {erreur}") from erreur
        lignes = sum(manifeste.lignes.values())
        fichiers = len(manifeste.fichiers) - 1  # les lignes de la base
        self.stdout.write(
            f"Sauvegarde écrite : {archive} ({lignes} ligne(s) dans {len(manifeste.lignes)} "
            f"table(s), {fichiers} fichier(s) déposé(s))."
        )
