"""Réinitialiser la double authentification d'une personne depuis le serveur : le recours
quand le seul administrateur national a perdu son téléphone et ses codes de secours."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clas.comptes import double_facteur
from clas.comptes.models import Utilisateur

from ...actions import reinitialiser_double_facteur


class Command(BaseCommand):
    help = (
        "Réinitialise la double authentification d'un agent ou d'un administrateur national "
        "(journalisé, la personne prévenue par courriel)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="adresse électronique du compte")
        parser.add_argument("--motif", required=True, help="inscrit au journal et au courriel")

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        motif = str(options["motif"]).strip()
        if not motif:
            raise CommandError("Indiquez le motif (--motif) : il est inscrit au journal.")
        personne = Utilisateur.objects.filter(email=email).first()
        if personne is None:
            raise CommandError(f"Aucun compte n'a l'adresse {email}.")
        if not double_facteur.est_concerne(personne):
            raise CommandError(
                f"{email} n'est ni agent de Caf ni administrateur national : la double "
                "authentification ne le concerne pas."
            )
        if not double_facteur.est_active(personne):
            raise CommandError(f"{email} n'a pas de double authentification activée.")
        hote = (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".")
        schema = "http" if settings.DEBUG else "https"
        reinitialiser_double_facteur(personne, None, motif, f"{schema}://{hote}/connexion/")
        self.stdout.write(
            f"Double authentification de {email} réinitialisée ; un courriel l'en informe."
        )
