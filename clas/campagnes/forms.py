"""Formulaire d'une campagne (appel à projets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from clas.core.forms import ChampDate, ChampHeure, ChampMontant, FormulaireDsfr
from clas.referentiel.models import ParametresBareme

from .models import Campagne


class FormulaireCampagne(FormulaireDsfr):
    """Création ou modification d'une campagne par un valideur de la Caf.

    Les dates et heures saisies sont celles de Paris (réglage TIME_ZONE) : 01/06/2026 à
    00:00 est enregistré 2026-05-31T22:00Z.
    """

    annee_scolaire = forms.ChoiceField(
        label="Année scolaire",
        help_text="Les années proposées sont celles dont les paramètres du barème existent.",
    )
    titre = forms.CharField(
        label="Titre de l'appel à projets",
        max_length=200,
        help_text="Par exemple : Appel à projets Clas 2026-2027.",
    )
    ouverture_date = ChampDate(label="Ouverture des dépôts : date", help_text="jj/mm/aaaa")
    ouverture_heure = ChampHeure(
        label="Ouverture des dépôts : heure (heure de Paris)",
        initial=dt.time(0, 0),
        help_text="Par exemple 09:00.",
    )
    cloture_date = ChampDate(label="Clôture des dépôts : date", help_text="jj/mm/aaaa")
    cloture_heure = ChampHeure(
        label="Clôture des dépôts : heure (heure de Paris)",
        initial=dt.time(23, 59),
        help_text="Après cette heure, plus aucun dépôt n'est possible.",
    )
    enveloppe = ChampMontant(
        label="Enveloppe budgétaire (en euros)",
        max_digits=14,
        help_text="Montant total consacré à l'appel à projets, par exemple 150 000,00.",
    )

    def __init__(self, *args: Any, caf: Any, instance: Campagne | None = None, **kwargs: Any):
        self.caf = caf
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            ouverture = timezone.localtime(instance.ouverture)
            cloture = timezone.localtime(instance.cloture)
            kwargs["initial"] = {
                "annee_scolaire": instance.annee_scolaire,
                "titre": instance.titre,
                "ouverture_date": ouverture.date(),
                "ouverture_heure": ouverture.time().replace(second=0, microsecond=0),
                "cloture_date": cloture.date(),
                "cloture_heure": cloture.time().replace(second=0, microsecond=0),
                "enveloppe": instance.enveloppe,
            }
        super().__init__(*args, **kwargs)
        annees = list(
            ParametresBareme.objects.order_by("annee_scolaire").values_list(
                "annee_scolaire", flat=True
            )
        )
        self.fields["annee_scolaire"].choices = [("", "Choisissez une année")] + [
            (annee, annee) for annee in annees
        ]

    @staticmethod
    def _moment(jour: dt.date, heure: dt.time) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(jour, heure))

    def clean(self) -> dict[str, Any]:
        donnees: dict[str, Any] = super().clean()
        champs = ("ouverture_date", "ouverture_heure", "cloture_date", "cloture_heure")
        if all(donnees.get(c) is not None for c in champs):
            ouverture = self._moment(donnees["ouverture_date"], donnees["ouverture_heure"])
            cloture = self._moment(donnees["cloture_date"], donnees["cloture_heure"])
            donnees["ouverture"], donnees["cloture"] = ouverture, cloture
            if cloture <= ouverture:
                self.add_error(
                    "cloture_date",
                    "La clôture doit être postérieure à l'ouverture : choisissez une date "
                    "de clôture plus tardive.",
                )
        annee = donnees.get("annee_scolaire")
        if annee:
            autres = Campagne.objects.filter(caf=self.caf, annee_scolaire=annee)
            if self.instance is not None:
                autres = autres.exclude(pk=self.instance.pk)
            existante = autres.first()
            if existante is not None:
                self.add_error(
                    "annee_scolaire",
                    f"Votre Caf a déjà une campagne pour {annee} (« {existante.titre} ») : "
                    "modifiez-la plutôt que d'en créer une seconde.",
                )
        return donnees
