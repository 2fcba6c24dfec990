from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from clas.bareme.parametres import LIBELLES_PARAMETRES, NOMS_PARAMETRES
from clas.core.forms import FormulaireDsfr, ModeleFormulaireDsfr
from clas.core.validators import normaliser_siret, valider_siret

from .models import Caf, ParametresBareme


class FormulaireParametres(ModeleFormulaireDsfr):
    """Valeurs et sources d'une année ; un motif est exigé pour l'historique."""

    motif = forms.CharField(
        label="Motif de la modification",
        help_text="Par exemple : circulaire Cnaf 2026-012 du 3 mars 2026.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )
    version = forms.CharField(max_length=40, widget=forms.HiddenInput)

    class Meta:
        model = ParametresBareme
        fields = list(NOMS_PARAMETRES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sources = self.instance.sources or {}
        for nom in NOMS_PARAMETRES:
            self.fields[f"source_{nom}"] = forms.CharField(
                label=f"Source — {LIBELLES_PARAMETRES[nom].lower()}",
                initial=sources.get(nom, ""),
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "fr-input"}),
            )
        self.fields["version"].initial = self.instance.updated_at.isoformat()
        for nom in ("taux", "taux_acompte"):
            # 0.3250 en base s'affiche 0.325 : la saisie montre la valeur, pas le stockage.
            valeur = getattr(self.instance, nom)
            if valeur is not None:
                self.initial[nom] = valeur.normalize()

    def paires(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """Chaque valeur avec sa source, pour les afficher côte à côte."""
        return [(self[nom], self[f"source_{nom}"]) for nom in NOMS_PARAMETRES]

    def nouvelles_sources(self) -> dict[str, str]:
        return {nom: self.cleaned_data[f"source_{nom}"].strip() for nom in NOMS_PARAMETRES}


class FormulaireNouvelleAnnee(forms.Form):
    annee_scolaire = forms.CharField(
        label="Année scolaire",
        help_text=(
            "Format : 2028-2029. Les valeurs et sources de l'année la plus récente sont "
            "reprises, puis vous les modifiez."
        ),
        max_length=9,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["annee_scolaire"].widget.attrs["class"] = "fr-input"

    def clean_annee_scolaire(self) -> str:
        from .models import valider_annee_scolaire

        valeur = str(self.cleaned_data["annee_scolaire"]).strip()
        valider_annee_scolaire(valeur)
        if ParametresBareme.objects.filter(annee_scolaire=valeur).exists():
            raise forms.ValidationError(f"L'année {valeur} existe déjà : modifiez-la plutôt.")
        return valeur


class FormulaireRefusParametres(FormulaireDsfr):
    motif_refus = forms.CharField(
        label="Motif du refus",
        max_length=1000,
        help_text="Par exemple « le taux n'est pas celui de la circulaire » : il est inscrit "
        "à l'historique de l'année.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez le motif du refus."},
    )


class FormulaireSiretCaf(ModeleFormulaireDsfr):
    """Le SIRET d'une Caf, saisi avec ou sans espaces ; vide s'il n'est pas connu."""

    siret = forms.CharField(
        label="SIRET de la Caf",
        required=False,
        max_length=30,
        help_text=(
            "14 chiffres ; les espaces sont acceptés. Il figure sur l'avis de situation Insee "
            "de la Caf ou sur annuaire-entreprises. Laissez vide s'il n'est pas connu : les "
            "conventions de la Caf ne sont alors pas publiées en open data."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Caf
        fields = ["siret"]

    def clean_siret(self) -> str:
        siret = normaliser_siret(self.cleaned_data.get("siret") or "")
        if not siret:
            return ""
        if not siret.isdigit():
            raise ValidationError("Le SIRET ne contient que des chiffres (14 au total).")
        if len(siret) != 14:
            raise ValidationError(f"Le SIRET compte 14 chiffres : vous en avez saisi {len(siret)}.")
        valider_siret(siret)
        return siret
