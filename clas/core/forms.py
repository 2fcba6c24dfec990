"""Bases de formulaire au style du DSFR et champs de saisie à la française."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.widgets import ChoiceWidget
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from dsfr.forms import DsfrBaseForm, DsfrBoundField
from dsfr.utils import dsfr_input_class_attr

# Les collectifs ne portent que des effectifs : aucun texte libre ne doit nommer un enfant
# (RGPD, minimisation). L'avertissement est l'aide du champ, rendue sous son libellé.
SANS_NOM_D_ENFANT = "N'indiquez pas de nom d'enfant."


def aide_texte_libre(aide: str = "") -> str:
    """L'aide d'un texte libre : la sienne, suivie de l'avertissement `SANS_NOM_D_ENFANT`."""
    return f"{aide} {SANS_NOM_D_ENFANT}".strip()


def champ_mot_de_passe_actuel(aide: str, si_vide: str) -> forms.CharField:
    """Le mot de passe ressaisi pour confirmer un geste grave (signer, fermer son compte) :
    jamais modifié (`strip`), rempli par le gestionnaire de mots de passe."""
    return forms.CharField(
        label="Votre mot de passe",
        help_text=aide,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": si_vide},
    )


class FormulaireDsfr(DsfrBaseForm):  # type: ignore[misc]  # django-dsfr n'est pas annoté
    """Champs au style DSFR ; les champs facultatifs sont signalés, pas les obligatoires
    (comme `comptes.forms.FormulaireDsfrComptes`, qui ne peut pas importer core)."""

    def get_context(self) -> dict[str, Any]:
        contexte = forms.Form.get_context(self)
        contexte["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return contexte


class ModeleFormulaireDsfr(forms.ModelForm):  # type: ignore[type-arg]  # paramétré, il planterait à l'exécution
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

    # DecimalField hérite d'IntegerField, dont to_python rend un int : django-stubs ignore
    # lui-même ce conflit pour DecimalField.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # un Decimal, pas un int
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


class ChampMontantEnTexte(forms.CharField):
    """Un montant gardé tel que tapé (la saisie brute reste dans le champ ou l'URL) et rendu
    en Decimal par `lire`, que chaque sous-classe définit avec ses messages. La longueur se
    contrôle sur le texte saisi, pas sur le Decimal lu."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def lire(self, texte: str) -> Decimal:
        raise NotImplementedError

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # un Decimal
        texte = super().to_python(value)
        if not texte:
            return None
        if self.max_length is not None and len(texte) > self.max_length:
            raise ValidationError(
                f"Un montant s'écrit en {self.max_length} caractères au plus, par exemple 4 500,00."
            )
        return self.lire(texte)


ANNEE_MIN, ANNEE_MAX = 2000, 2100


class ChampDate(forms.DateField):
    """Une date : le sélecteur du navigateur envoie aaaa-mm-jj ; jj/mm/aaaa est accepté."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Saisissez une date valide au format jj/mm/aaaa."

    def validate(self, value: Any) -> None:
        super().validate(value)
        # Le 01/01/0001 ou le 31/12/9999 sont des fautes de frappe, pas des dates du programme.
        if value and not ANNEE_MIN <= value.year <= ANNEE_MAX:
            raise ValidationError(
                f"Cette date n'est pas plausible : saisissez une date entre {ANNEE_MIN} et "
                f"{ANNEE_MAX}, au format jj/mm/aaaa.",
                code="date_absurde",
            )


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


@dataclass(frozen=True)
class ErreurResumee:
    """Une ligne du résumé des erreurs en tête d'un formulaire : un lien vers le champ."""

    libelle: str
    message: str
    ancre: str


def _erreurs_du_formulaire(
    formulaire: forms.BaseForm, prefixe: str, ancre_generale: str
) -> list[ErreurResumee]:
    lignes = [
        ErreurResumee(prefixe.rstrip(" :") or "Formulaire", str(message), ancre_generale)
        for message in formulaire.non_field_errors()
    ]
    for nom, messages in formulaire.errors.items():
        if nom == NON_FIELD_ERRORS or nom not in formulaire.fields:
            continue
        champ = formulaire[nom]
        ancre = champ.id_for_label or champ.auto_id or ancre_generale
        libelle = f"{prefixe}{champ.label}"
        lignes.extend(ErreurResumee(libelle, str(m), ancre) for m in messages)
    return lignes


def resume_des_erreurs(
    formulaire: Any,
    *,
    ancre_generale: str = "",
    titre_sous_formulaire: str = "",
    ancre_sous_formulaire: str = "",
) -> list[ErreurResumee]:
    """Chaque erreur d'un formulaire (ou d'un formset), dans l'ordre des champs, avec l'id
    du champ où la corriger : le résumé en tête de page y renvoie par un lien.
    Pour un formset, `titre_sous_formulaire` et `ancre_sous_formulaire` sont des modèles
    (« Collectif {n} », « collectif-{i} ») : n compte depuis 1, i depuis 0."""
    if not getattr(formulaire, "is_bound", False):
        return []
    if not hasattr(formulaire, "forms"):
        return _erreurs_du_formulaire(formulaire, "", ancre_generale)
    lignes = [
        ErreurResumee("Ensemble du formulaire", str(m), ancre_generale)
        for m in formulaire.non_form_errors()
    ]
    for i, sous_formulaire in enumerate(formulaire.forms):
        titre = titre_sous_formulaire.format(n=i + 1, i=i)
        ancre = ancre_sous_formulaire.format(n=i + 1, i=i) or ancre_generale
        lignes.extend(
            _erreurs_du_formulaire(sous_formulaire, f"{titre} : " if titre else "", ancre)
        )
    return lignes


def champs_caches(formulaire: forms.Form) -> str:
    """Tout le formulaire en champs cachés, avec ses valeurs telles qu'elles seraient
    envoyées : un sous-formulaire replié (un collectif parmi deux cents) repart intact à
    l'enregistrement sans que sa quarantaine de champs passe par les gabarits (cent fois
    plus rapide)."""
    morceaux = []
    for champ in formulaire:
        widget = champ.field.widget
        valeur = champ.value()
        if isinstance(widget, forms.CheckboxInput):
            valeurs = ["on"] if widget.check_test(valeur) else []
        elif isinstance(widget, ChoiceWidget):
            valeurs = [v for v in widget.format_value(valeur) if v != ""]
        else:
            texte = widget.format_value(valeur)
            valeurs = [] if texte is None else [str(texte)]
        morceaux += [
            format_html('<input type="hidden" name="{}" value="{}">', champ.html_name, v)
            for v in valeurs
        ]
    return mark_safe("".join(morceaux))  # noqa: S308  (chaque morceau est échappé par format_html)
