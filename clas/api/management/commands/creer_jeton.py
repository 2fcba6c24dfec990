"""`python manage.py creer_jeton EMAIL --nom NOM --jours N [--lecture-seule]` : un jeton
personnel pour un compte existant, imprimé sur la dernière ligne (il ne sera plus montré)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clas.api import jetons
from clas.comptes.models import Utilisateur


class Command(BaseCommand):
    help = "Crée un jeton personnel d'API et l'imprime sur la dernière ligne."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="L'adresse du compte propriétaire.")
        parser.add_argument("--nom", required=True, help="Le nom du jeton (l'outil qui s'en sert).")
        parser.add_argument(
            "--jours", type=int, required=True, help="Durée de validité, de 7 à 365 jours."
        )
        parser.add_argument(
            "--lecture-seule", action="store_true", help="Sans écriture (messages, annotations…)."
        )
        parser.add_argument(
            "--reseaux", default="", help="Réseaux autorisés (CIDR, séparés par des virgules)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        utilisateur = Utilisateur.objects.filter(email=email).first()
        if utilisateur is None:
            raise CommandError(f"Aucun compte n'a l'adresse {email}.")
        try:
            reseaux = jetons.lire_reseaux(options["reseaux"])
            cree = jetons.creer(
                utilisateur,
                options["nom"],
                options["jours"],
                lecture_seule=options["lecture_seule"],
                reseaux=reseaux,
            )
        except ValidationError as erreur:
            raise CommandError(" ".join(erreur.messages)) from None
        droits = "lecture seule" if cree.jeton.lecture_seule else "lecture et écriture"
        fin = cree.jeton.expire_le.strftime("%d/%m/%Y")
        self.stdout.write(
            f"Jeton « {cree.jeton.nom} » de {email} ({droits}), valable jusqu'au {fin}. "
            "Il ne sera plus montré :"
        )
        self.stdout.write(cree.en_clair)
