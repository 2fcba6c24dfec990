"""Formulaire d'une campagne (appel à projets) et champs de saisie à la française."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from clas.core.forms import FormulaireDsfr
from clas.referentiel.models import ParametresBareme

from .models import Campagne

# Séparateurs de milliers admis : espace, espace insécable, espace fine insécable.
_SEPARATEURS = re.compile("[ \u00a0\u202f]")
_NOMBRE = re.compile(r"-?\d+(\.\d+)?")


class ChampMontant(forms.DecimalField):
    """Un montant en euros saisi à la française : « 150 000,00 », « 24000 », « 1 234,5 € »."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        self.error_messages.update(
            {
                "invalid": "Saisissez un montant en euros, par exemple 24 000,00.",
                "min_value": "Le montant doit être positif ou nul.",
                "max_decimal_places": "Au plus deux décimales (les centimes), par exemple 150,25.",
                "max_digits": "Ce montant est trop grand.",
                "max_whole_digits": "Ce montant est trop grand.",
            }
        )
        self.widget.input_type = "text"
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.widget.attrs.pop("step", None)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        for cle in ("min", "max", "step"):
            attrs.pop(cle, None)
        return attrs

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            texte = _SEPARATEURS.sub("", value.strip().removesuffix("€").strip())
            texte = texte.replace(",", ".")
            if texte in self.empty_values:
                return None
            if not _NOMBRE.fullmatch(texte):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            try:
                return Decimal(texte)
            except InvalidOperation:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        """Réaffiché comme on l'écrit : « 15 000,00 » (relu tel quel par to_python)."""
        if isinstance(value, Decimal):
            entier, _, centimes = f"{value:.2f}".partition(".")
            signe = "-" if entier.startswith("-") else ""
            groupes = f"{int(entier.lstrip('-')):,}".replace(",", " ")
            return f"{signe}{groupes},{centimes}"
        return value


class ChampDate(forms.DateField):
    """Une date : le sélecteur du navigateur envoie aaaa-mm-jj ; jj/mm/aaaa est accepté."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Saisissez une date valide au format jj/mm/aaaa."


class ChampHeure(forms.TimeField):
    widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"])
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Saisissez une heure valide, par exemple 18:00."


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
        donnees = super().clean()
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
