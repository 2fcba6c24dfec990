"""Établit la convention de chaque accord qui n'en a pas, et produit chaque PDF de convention
manquant (une production après la transaction a pu échouer). Idempotent : une seconde
exécution ne fait rien."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clas.conventions.actions import etablir_convention
from clas.conventions.models import Convention
from clas.conventions.pdf import generer_pdf
from clas.instruction.models import Decision, NatureDecision


class Command(BaseCommand):
    help = "Établit les conventions manquantes des accords et produit les PDF manquants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--simulation", action="store_true", help="Dit ce qui serait fait, sans rien faire."
        )

    def handle(self, *args: Any, simulation: bool = False, **options: Any) -> None:
        sans_convention = Decision.objects.filter(
            nature=NatureDecision.ACCORD, montant__isnull=False, convention__isnull=True
        ).select_related("dossier")
        sans_pdf = Convention.objects.filter(pdf="").select_related("dossier")
        etablies = produits = 0
        for decision in sans_convention:
            self.stdout.write(f"Convention à établir : dossier {decision.dossier}")
            if not simulation:
                convention = etablir_convention(decision)
                etablies += 1
                if convention is not None and generer_pdf(convention):
                    produits += 1
        for convention in sans_pdf:
            self.stdout.write(f"PDF à produire : convention du dossier {convention.dossier}")
            if not simulation and generer_pdf(convention):
                produits += 1
        if simulation:
            self.stdout.write("Simulation : rien n'a été enregistré.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{etablies} convention(s) établie(s), {produits} PDF produit(s)."
                )
            )
