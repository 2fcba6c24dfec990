"""Les formulaires de la page d'un dossier côté Caf : prise en charge, corrections,
annotation, message à la structure, demande de compléments.

Et ceux de la décision : proposer, valider ou renvoyer une proposition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone

from clas.core.fichiers import verifier_fichier
from clas.core.forms import (
    ChampDate,
    ChampMontant,
    ChampMontantEnTexte,
    FormulaireDsfr,
    aide_texte_libre,
)
from clas.dossiers.verification import ETAPES, LIBELLES_ETAPES

from .actions import BORNES
from .models import ChampCorrige, MotifRefus, NatureDecision

OUI_NON = [("", "—"), ("true", "Oui"), ("false", "Non")]


def _motif(label: str, aide: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=aide_texte_libre(aide),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez le motif : il est gardé dans l'historique."},
    )


def _entier(label: str, champ: str) -> forms.IntegerField:
    minimum, maximum = BORNES[champ]
    entier = forms.IntegerField(
        label=label,
        required=False,
        min_value=minimum,
        max_value=maximum,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    entier.error_messages.update(
        {
            "invalid": "Saisissez un nombre entier, par exemple 10.",
            "min_value": f"Saisissez un nombre entre {minimum} et {maximum}.",
            "max_value": f"Saisissez un nombre entre {minimum} et {maximum}.",
        }
    )
    return entier


def _oui_non(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        required=False,
        choices=OUI_NON,
        coerce=lambda valeur: valeur == "true",
        empty_value=None,
    )


class FormulairePrendre(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif de la reprise",
        required=False,
        max_length=2000,
        help_text=aide_texte_libre("Obligatoire si le dossier est déjà attribué à un autre agent."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    instructeur_vu = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def instructeur_attendu(self) -> int | None:
        valeur = (self.cleaned_data.get("instructeur_vu") or "").strip()
        return int(valeur) if valeur.isdigit() else None


class FormulaireCorrectionCollectif(FormulaireDsfr):
    """Les valeurs retenues par la Caf pour un collectif. Un champ laissé vide (ou « — »)
    ne change rien ; chaque valeur modifiée devient une correction avec le motif."""

    retenu = _oui_non("Collectif retenu par la Caf")
    nb_enfants = _entier("Nombre d'enfants", ChampCorrige.NB_ENFANTS)
    nb_intervenants = _entier("Nombre d'intervenants", ChampCorrige.NB_INTERVENANTS)
    semaines_de_fonctionnement = _entier("Semaines de fonctionnement", ChampCorrige.SEMAINES)
    milieu_rural = _oui_non("Milieu rural")
    enfant_en_situation_de_handicap = _oui_non("Enfant en situation de handicap")
    bonus_projets_culturels = _oui_non("Bonus projets culturels")
    bonus_accompagnement_parents = _oui_non("Bonus accompagnement des parents")
    motif = _motif("Motif de la correction", "Par exemple : liste d'émargement de septembre.")

    def valeurs(self) -> dict[str, Any]:
        return {
            champ: valeur
            for champ, valeur in self.cleaned_data.items()
            if champ != "motif" and valeur is not None
        }

    @staticmethod
    def initial_depuis(collectif: Any) -> dict[str, Any]:
        """Les valeurs retenues aujourd'hui (un `CollectifEntree`)."""
        initial: dict[str, Any] = {}
        for champ in (
            "retenu",
            "milieu_rural",
            "enfant_en_situation_de_handicap",
            "bonus_projets_culturels",
            "bonus_accompagnement_parents",
        ):
            initial[champ] = "true" if getattr(collectif, champ) else "false"
        for champ in ("nb_enfants", "nb_intervenants", "semaines_de_fonctionnement"):
            initial[champ] = getattr(collectif, champ)
        return initial


class FormulaireCorrectionDossier(FormulaireDsfr):
    depenses_totales = ChampMontant(
        label="Dépenses retenues (€)",
        required=False,
        help_text="Charges éligibles (comptes 60 à 65) retenues par la Caf.",
    )
    cofinancements = ChampMontant(
        label="Cofinancements retenus (€)",
        required=False,
        help_text="Autres financements que la prestation Clas.",
    )
    motif = _motif("Motif de la correction", "Par exemple : frais de siège non éligibles.")

    def valeurs(self) -> dict[str, Any]:
        return {
            champ: valeur
            for champ, valeur in self.cleaned_data.items()
            if champ != "motif" and valeur is not None
        }


class FormulaireAnnotation(FormulaireDsfr):
    texte = forms.CharField(
        label="Annotation interne",
        max_length=5000,
        help_text=aide_texte_libre("Visible des seuls agents de la Caf, jamais de la structure."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Écrivez l'annotation."},
    )


class FormulaireMessageCaf(FormulaireDsfr):
    texte = forms.CharField(
        label="Message à la structure",
        max_length=5000,
        help_text=aide_texte_libre(),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Écrivez votre message."},
    )
    piece_jointe = forms.FileField(
        label="Pièce jointe",
        required=False,
        help_text="Un fichier PDF, PNG ou JPEG de 10 Mo au plus.",
    )

    def clean_piece_jointe(self) -> Any:
        fichier = self.cleaned_data.get("piece_jointe")
        if fichier:
            verifier_fichier(fichier)
        return fichier


class FormulaireComplements(FormulaireDsfr):
    etapes = forms.MultipleChoiceField(
        label="Étapes à rouvrir à la structure",
        choices=[(etape, LIBELLES_ETAPES[etape]) for etape in ETAPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Cochez au moins une étape à rouvrir.",
            "invalid_choice": "Choisissez parmi les étapes proposées.",
        },
    )
    message = forms.CharField(
        label="Ce qui est demandé",
        max_length=5000,
        help_text=aide_texte_libre(),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Dites à la structure ce qu'elle doit compléter."},
    )
    echeance = ChampDate(
        label="À rendre avant le",
        help_text="jj/mm/aaaa ; une date à venir.",
        error_messages={"required": "Indiquez la date limite."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("echeance", timezone.localdate() + dt.timedelta(days=15))

    def clean_echeance(self) -> dt.date:
        echeance: dt.date = self.cleaned_data["echeance"]
        if echeance <= timezone.localdate():
            raise forms.ValidationError("Choisissez une date à venir (après aujourd'hui).")
        return echeance


CHAMPS_PROPOSITION = (
    "nature",
    "montant",
    "justification_montant",
    "motif_refus",
    "texte",
    "justification_enveloppe",
)


class ChampMontantPropose(ChampMontantEnTexte):
    """Un montant en euros : « 4 500,50 », « 4500.5 » ; deux décimales au plus."""

    def lire(self, texte: str) -> Decimal:
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
    montant = ChampMontantPropose(label="Montant proposé", required=False)
    justification_montant = forms.CharField(
        label="Justification d'un montant inférieur au barème",
        required=False,
        max_length=5000,
        help_text=aide_texte_libre(),
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
        help_text=aide_texte_libre(),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    justification_enveloppe = forms.CharField(
        label="Justification du dépassement d'enveloppe",
        required=False,
        max_length=5000,
        help_text=aide_texte_libre(),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FormulaireRenvoi(forms.Form):
    commentaire = forms.CharField(
        label="Commentaire pour l'instructeur",
        required=False,  # obligatoire, mais vérifié par `decisions.renvoyer` après les droits
        max_length=5000,
        help_text=aide_texte_libre(),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FormulaireValidation(forms.Form):
    commentaire = forms.CharField(
        label="Commentaire (facultatif)",
        required=False,
        max_length=5000,
        help_text=aide_texte_libre(),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
