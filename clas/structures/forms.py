"""Formulaires des structures : chaque erreur dit, sur son champ, quoi corriger."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from clas.core.fichiers import verifier_fichier
from clas.core.forms import FormulaireDsfr, ModeleFormulaireDsfr
from clas.core.validators import normaliser_iban, normaliser_siret, valider_siret

from .actions import caf_du_code_postal, message_structure_deja_inscrite
from .models import FormeJuridique, RoleMembre, Structure, TypePiece

CHAMPS_STRUCTURE = [
    "nom",
    "type_structure",
    "forme_juridique",
    "siret",
    "rna",
    "adresse",
    "code_postal",
    "commune",
    "iban",
    "bic",
    "representant_prenom",
    "representant_nom",
    "representant_qualite",
    "email",
    "telephone",
]
OBLIGATOIRES = {
    "forme_juridique",
    "adresse",
    "iban",
    "bic",
    "representant_prenom",
    "representant_nom",
    "representant_qualite",
    "email",
}


class FormulaireStructure(ModeleFormulaireDsfr):
    """Inscription et modification d'une structure (mêmes contrôles)."""

    siret = forms.CharField(
        label="SIRET",
        max_length=30,
        help_text="14 chiffres ; les espaces sont acceptés. Par exemple : 732 829 320 00074.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        help_text=(
            "Le compte sur lequel la Caf verse la prestation ; les espaces sont acceptés. "
            "Par exemple : FR76 3000 6000 0112 3456 7890 189."
        ),
    )
    code_postal = forms.CharField(
        label="Code postal",
        max_length=10,
        help_text="5 chiffres. Il détermine le département, donc la Caf de la structure.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )

    class Meta:
        model = Structure
        fields = CHAMPS_STRUCTURE
        labels = {
            "nom": "Nom de la structure",
            "rna": "Numéro RNA",
            "email": "Adresse électronique de contact",
            "telephone": "Téléphone de contact",
            "bic": "BIC",
        }
        help_texts = {
            "rna": "Obligatoire pour une association loi 1901 : W suivi de 9 chiffres.",
            "bic": "8 ou 11 caractères, par exemple AGRIFRPP.",
            "telephone": "Par exemple : 04 72 00 00 00.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for nom in OBLIGATOIRES:
            self.fields[nom].required = True
        self.fields["forme_juridique"].choices = [
            ("", "Choisissez la forme juridique"),
            *FormeJuridique.choices,
        ]
        self.fields["type_structure"].choices = [
            ("", "Choisissez le type de structure"),
            *self.fields["type_structure"].choices[1:],
        ]
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["telephone"].widget.attrs["autocomplete"] = "tel"
        if self.instance.pk:
            self.initial["iban"] = " ".join(re.findall(".{1,4}", self.instance.iban or ""))

    def clean_siret(self) -> str:
        siret = normaliser_siret(self.cleaned_data["siret"])
        if not siret.isdigit():
            raise ValidationError("Le SIRET ne contient que des chiffres (14 au total).")
        if len(siret) != 14:
            raise ValidationError(
                f"Le SIRET compte 14 chiffres : vous en avez saisi {len(siret)}. "
                "Vous le trouverez sur un avis de situation Insee ou sur annuaire-entreprises."
            )
        valider_siret(siret)
        existante = Structure.objects.filter(siret=siret).exclude(pk=self.instance.pk).first()
        if existante is not None:
            raise ValidationError(message_structure_deja_inscrite(existante))
        return siret

    def clean_rna(self) -> str:
        return re.sub(r"\s+", "", self.cleaned_data.get("rna") or "").upper()

    def clean_iban(self) -> str:
        return normaliser_iban(self.cleaned_data["iban"])

    def clean_bic(self) -> str:
        return re.sub(r"\s+", "", self.cleaned_data.get("bic") or "").upper()

    def clean_code_postal(self) -> str:
        code_postal = re.sub(r"\s+", "", self.cleaned_data["code_postal"])
        self.departement, self.caf = caf_du_code_postal(code_postal)
        return code_postal

    def clean_telephone(self) -> str:
        telephone = (self.cleaned_data.get("telephone") or "").strip()
        chiffres = re.sub(r"[\s.\-()]", "", telephone)
        if telephone and not re.fullmatch(r"(0\d{9}|\+\d{11,14})", chiffres):
            raise ValidationError(
                "Le numéro de téléphone compte 10 chiffres (04 72 00 00 00) ou commence par "
                "l'indicatif (+33 4 72 00 00 00)."
            )
        return telephone

    def clean(self) -> dict[str, Any]:
        donnees = super().clean()
        forme = donnees.get("forme_juridique")
        rna_manquant = not donnees.get("rna") and "rna" not in self.errors
        if forme == FormeJuridique.ASSOCIATION_1901 and rna_manquant:
            self.add_error(
                "rna",
                "Une association loi 1901 doit indiquer son numéro RNA (W suivi de 9 "
                "chiffres), inscrit sur le récépissé de déclaration en préfecture.",
            )
        if hasattr(self, "caf"):
            self.instance.departement = self.departement
            self.instance.caf = self.caf
        return donnees

    def donnees_structure(self) -> dict[str, Any]:
        return {nom: self.cleaned_data[nom] for nom in CHAMPS_STRUCTURE}


class FormulaireInvitation(FormulaireDsfr):
    email = forms.EmailField(
        label="Adresse électronique de la personne",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Rôle",
        choices=RoleMembre.choices,
        initial=RoleMembre.CONTRIBUTEUR,
        help_text=(
            "Administrateur : gère la fiche et l'équipe. Signataire : signe l'attestation et "
            "la convention. Contributeur : prépare les dossiers."
        ),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class FormulaireRole(FormulaireDsfr):
    role = forms.ChoiceField(label="Nouveau rôle", choices=RoleMembre.choices)


class FormulairePiece(FormulaireDsfr):
    type_piece = forms.ChoiceField(
        label="Type de pièce", choices=[("", "Choisissez le type de pièce"), *TypePiece.choices]
    )
    fichier = forms.FileField(
        label="Fichier",
        help_text="PDF, PNG ou JPEG, 10 Mo au plus.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}
        ),
    )
    date_validite = forms.DateField(
        label="Valable jusqu'au",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=(
            "Au format jj/mm/aaaa. Laissez vide si la pièce n'expire pas (statuts, par exemple)."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Écrivez une date valide au format jj/mm/aaaa."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fichier"].widget.attrs["class"] = "fr-upload"
        self.fields["fichier"].widget.group_class = "fr-upload-group"

    def clean_fichier(self) -> Any:
        fichier = self.cleaned_data["fichier"]
        verifier_fichier(fichier)
        return fichier
