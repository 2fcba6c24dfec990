"""Bases de formulaire au style du DSFR et champs de saisie à la française."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm, DsfrBoundField
from dsfr.utils import dsfr_input_class_attr


class FormulaireDsfr(DsfrBaseForm):
    """Champs au style DSFR ; les champs facultatifs sont signalés, pas les obligatoires
    (comme `comptes.forms.FormulaireDsfrComptes`, qui ne peut pas importer core)."""

    def get_context(self) -> dict[str, Any]:
        contexte = forms.Form.get_context(self)
        contexte["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return contexte


class ModeleFormulaireDsfr(forms.ModelForm):  # type: ignore[type-arg]
    template_name = "dsfr/form_snippet.html"
    bound_field_class = DsfrBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)

    def get_context(self) -> dict[str, Any]:
        contexte = super().get_context()
        contexte["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return contexte


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


def ajouter_erreurs(formulaire: forms.Form, erreur: ValidationError) -> None:
    """Les erreurs d'une action refusée (`ValidationError`) à côté de leur champ, ou en tête
    du formulaire quand elles ne portent sur aucun champ affiché."""
    if hasattr(erreur, "error_dict"):
        for champ, liste in erreur.message_dict.items():
            formulaire.add_error(champ if champ in formulaire.fields else None, liste)
    else:
        formulaire.add_error(None, erreur.messages)
