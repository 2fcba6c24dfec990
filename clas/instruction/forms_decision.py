"""Les formulaires de la décision : ils lisent la saisie (types, longueurs) ; les règles
métier (jamais plus que le barème, justifications, motif) sont dans `decisions`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from .models import MotifRefus, NatureDecision

CHAMPS_PROPOSITION = (
    "nature",
    "montant",
    "justification_montant",
    "motif_refus",
    "texte",
    "justification_enveloppe",
)


class ChampMontant(forms.CharField):
    """Un montant en euros : « 4 500,50 », « 4500.5 » ; deux décimales au plus."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        texte = super().to_python(value)
        if not texte:
            return None
        nettoye = "".join(texte.replace("€", "").split()).replace("\u202f", "").replace(",", ".")
        try:
            montant = Decimal(nettoye)
        except InvalidOperation:
            raise forms.ValidationError(
                "Saisissez un montant en euros, par exemple 4500,00."
            ) from None
        if not montant.is_finite() or montant < 0:
            raise forms.ValidationError("Saisissez un montant positif.")
        if montant >= Decimal("1000000000"):
            raise forms.ValidationError("Saisissez un montant inférieur à 1 000 000 000 €.")
        if montant != montant.quantize(Decimal("0.01")):
            raise forms.ValidationError("Saisissez au plus deux décimales (les centimes).")
        return montant.quantize(Decimal("0.01"))


class FormulaireProposition(forms.Form):
    nature = forms.ChoiceField(
        label="Décision proposée",
        choices=NatureDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez la décision proposée."},
    )
    montant = ChampMontant(label="Montant proposé", required=False)
    justification_montant = forms.CharField(
        label="Justification d'un montant inférieur au barème",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    motif_refus = forms.ChoiceField(
        label="Motif du refus",
        choices=[("", "Choisir un motif"), *MotifRefus.choices],
        required=False,
    )
    texte = forms.CharField(
        label="Motivation adressée à la structure",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    justification_enveloppe = forms.CharField(
        label="Justification du dépassement d'enveloppe",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FormulaireRenvoi(forms.Form):
    commentaire = forms.CharField(
        label="Commentaire pour l'instructeur",
        required=False,  # obligatoire, mais vérifié par `decisions.renvoyer` après les droits
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FormulaireValidation(forms.Form):
    commentaire = forms.CharField(
        label="Commentaire (facultatif)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def erreurs_du_formulaire(formulaire: forms.Form) -> dict[str, list[str]]:
    return {champ: list(liste) for champ, liste in formulaire.errors.items()}


def valeurs_saisies(formulaire: forms.Form) -> dict[str, str]:
    """Ce que la personne a tapé, tel quel, pour le lui remontrer avec les erreurs."""
    return {champ: formulaire.data.get(champ, "") for champ in formulaire.fields}
