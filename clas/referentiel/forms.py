from __future__ import annotations

from typing import Any

from django import forms

from clas.bareme.parametres import LIBELLES_PARAMETRES, NOMS_PARAMETRES
from clas.core.forms import FormulaireDsfr, ModeleFormulaireDsfr

from .models import ParametresBareme


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
