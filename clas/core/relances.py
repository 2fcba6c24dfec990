"""Ce que partagent les commandes de rappel quotidiennes (`relancer_complements`,
`relancer_bilans`) : les options `--date` et `--simulation`, la date du jour à Paris, et la
boucle d'envoi (un courriel en échec n'arrête pas les autres ; le bilan en fin de course)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

journal = logging.getLogger(__name__)


class Relancable(Protocol):
    """Ce qu'on relance (demande de compléments, convention) : il nomme son dossier."""

    @property
    def dossier(self) -> object: ...


T = TypeVar("T", bound=Relancable)


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

    def envoyer_les_rappels(
        self,
        elements: Iterable[T],
        options: dict[str, Any],
        echeance_de: Callable[[T], dt.date],
        rappel_du_jour: Callable[[dt.date, dt.date], str | None],
        relancer: Callable[[T, str, dt.date], bool],
        libelle: Callable[[str], str] = str,
    ) -> None:
        """Pour chaque élément (demande, convention…) dont un rappel tombe aujourd'hui :
        `relancer` l'envoie et dit s'il est parti (faux : déjà envoyé). Lève CommandError
        si un envoi a échoué, après avoir traité tous les autres."""
        aujourd_hui = self.date_du_jour(options)
        envoyes = deja = echecs = 0
        for element in elements:
            echeance = echeance_de(element)
            rappel = rappel_du_jour(echeance, aujourd_hui)
            if rappel is None:
                continue
            if options["simulation"]:
                dossier = element.dossier
                self.stdout.write(f"{dossier} : {libelle(rappel)} ({echeance:%d/%m/%Y})")
                continue
            try:
                envoye = relancer(element, rappel, aujourd_hui)
            except Exception:  # un courriel en échec n'arrête pas les autres
                journal.exception("Rappel en échec (%s %s)", type(element).__name__, element)
                echecs += 1
                continue
            if envoye:
                envoyes += 1
            else:
                deja += 1
        self.stdout.write(
            f"Rappels envoyés : {envoyes} ; déjà envoyés : {deja} ; en échec : {echecs}."
        )
        if echecs:
            raise CommandError(f"{echecs} rappel(s) n'ont pas pu être envoyés.")
