"""Les formulaires des paiements : compte bancaire de la Caf, lot, paiement, rejet, retour."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from clas.core.forms import ChampDate, FormulaireDsfr, ModeleFormulaireDsfr
from clas.core.validators import normaliser_iban
from clas.referentiel.models import Caf

from .actions import HORIZON_EXECUTION, erreur_date_execution
from .retour_banque import COLONNES


class FormulaireCompteCaf(ModeleFormulaireDsfr):
    """Le compte d'où partent les virements Clas (émetteur des fichiers SEPA), proposé par
    un valideur ; il ne sert qu'une fois approuvé par un second agent."""

    class Meta:
        model = Caf
        fields = ["titulaire_compte", "iban", "bic"]
        labels = {
            "titulaire_compte": "Titulaire du compte",
            "iban": "IBAN du compte de la Caf",
            "bic": "BIC de la banque",
        }
        help_texts = {
            "titulaire_compte": "Tel qu'il figure sur le RIB (70 caractères au plus).",
            "iban": "27 caractères pour un compte français ; les espaces sont acceptés.",
            "bic": "8 ou 11 caractères, par exemple BDFEFRPPCCT.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for nom in self.fields:
            self.fields[nom].required = True
        self.fields["iban"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_iban(self) -> str:
        return normaliser_iban(self.cleaned_data.get("iban", ""))

    def clean_bic(self) -> str:
        return (self.cleaned_data.get("bic") or "").strip().upper()

    def clean_titulaire_compte(self) -> str:
        return " ".join((self.cleaned_data.get("titulaire_compte") or "").split())


class FormulaireRefusCompte(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif du refus",
        max_length=500,
        help_text=(
            "Par exemple « l'IBAN ne correspond pas au RIB de l'agence comptable » : il est "
            "inscrit à l'historique du compte."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Indiquez le motif du refus : il est inscrit à l'historique du compte."
        },
    )


class FormulaireLot(FormulaireDsfr):
    date_execution = ChampDate(
        label="Date d'exécution demandée",
        help_text="Le jour où la banque exécute les virements : aujourd'hui ou dans les "
        f"{HORIZON_EXECUTION.days} jours qui viennent.",
    )

    def clean_date_execution(self) -> dt.date:
        date: dt.date = self.cleaned_data["date_execution"]
        erreur = erreur_date_execution(date, timezone.localdate())
        if erreur:
            raise forms.ValidationError(erreur)
        return date


class FormulaireLotPaye(FormulaireDsfr):
    date_paiement = ChampDate(
        label="Date du paiement", help_text="Celle du relevé bancaire, au format jj/mm/aaaa."
    )
    reference_bancaire = forms.CharField(
        label="Référence bancaire",
        max_length=100,
        help_text="La référence du virement sur le relevé de compte de la Caf.",
    )

    def clean_date_paiement(self) -> dt.date:
        date: dt.date = self.cleaned_data["date_paiement"]
        if date > timezone.localdate():
            raise forms.ValidationError("Cette date est à venir : indiquez celle du relevé.")
        return date


class FormulaireRejet(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif du rejet",
        max_length=500,
        help_text="Par exemple « compte clos » ou « IBAN inconnu » : il est montré à la structure.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FormulaireRetour(FormulaireDsfr):
    fichier = forms.FileField(
        label="Fichier de retour de la banque",
        help_text=(
            "Un pain.002 (XML) de la banque, ou un CSV « ; » en UTF-8 avec l'en-tête "
            f"{';'.join(COLONNES)} (statut paye ou rejete, date jj/mm/aaaa). 2 Mo au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xml,text/csv,application/xml"}),
    )
