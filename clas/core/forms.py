"""Bases de formulaire au style du DSFR."""

from __future__ import annotations

from typing import Any

from django import forms
from dsfr.forms import DsfrBaseForm, DsfrBoundField
from dsfr.utils import dsfr_input_class_attr


class FormulaireDsfr(DsfrBaseForm):
    """Champs au style DSFR ; les champs facultatifs sont signalés, pas les obligatoires."""

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
