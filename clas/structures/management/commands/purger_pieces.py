"""`manage.py purger_pieces` : efface pour de bon les pièces restées plus de 30 jours dans la
corbeille (à lancer chaque jour, avec les relances)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clas.structures.actions import purger_pieces
from clas.structures.models import DUREE_CORBEILLE


class Command(BaseCommand):
    help = (
        f"Efface (fichier compris) les pièces mises à la corbeille il y a plus de "
        f"{DUREE_CORBEILLE.days} jours ; chaque effacement est journalisé."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        effacees = purger_pieces()
        for nom in effacees:
            self.stdout.write(f"Effacée : {nom}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(effacees)} pièce(s) effacée(s) de la corbeille.")
        )
