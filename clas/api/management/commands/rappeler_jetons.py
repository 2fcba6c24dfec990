"""Tâche quotidienne : un courriel au propriétaire de chaque jeton d'API qui expire dans la
semaine (une seule fois par jeton ; idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clas.api import jetons


class Command(BaseCommand):
    help = "Prévient les propriétaires des jetons d'API qui expirent dans les 7 jours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--simulation", action="store_true", help="Affiche sans rien envoyer.")

    def handle(self, *args: Any, **options: Any) -> None:
        envoyes = 0
        for jeton in jetons.a_rappeler():
            if options["simulation"]:
                self.stdout.write(
                    f"{jeton.utilisateur.email} : {jeton.nom} ({jeton.expire_le:%d/%m/%Y})"
                )
                continue
            envoyes += jetons.rappeler_expiration(jeton)
        self.stdout.write(f"Rappels d'expiration envoyés : {envoyes}.")
