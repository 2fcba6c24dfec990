"""Formulaires des structures : chaque erreur dit, sur son champ, quoi corriger."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from clas.core.fichiers import verifier_fichier
from clas.core.forms import ChampDate, FormulaireDsfr, ModeleFormulaireDsfr
from clas.core.validators import (
    normaliser_iban,
    normaliser_siret,
    valider_bic,
    valider_iban,
    valider_siret,
)

from .actions import caf_du_code_postal, message_structure_deja_inscrite
from .coordonnees import Coordonnees, changement_en_cours
from .models import FormeJuridique, RoleMembre, Structure, TypePiece, TypeStructure

CHAMPS_STRUCTURE = [
    "nom",
    "type_structure",
    "forme_juridique",
    "siret",
    "rna",
    "adresse",
    "code_postal",
    "commune",
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
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        label="BIC",
        max_length=20,
        help_text="8 ou 11 caractères, par exemple AGRIFRPP.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    rib = forms.FileField(
        label="RIB du compte",
        required=False,
        help_text=(
            "Obligatoire pour un nouveau compte : le relevé d'identité bancaire (PDF, PNG ou "
            "JPEG, 10 Mo au plus). La Caf compare le RIB aux coordonnées saisies avant d'y "
            "verser quoi que ce soit ; d'ici là, elle paie sur le compte déjà accepté."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}
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
        }
        help_texts = {
            "rna": "Obligatoire pour une association loi 1901 : W suivi de 9 chiffres.",
            "telephone": "Par exemple : 04 72 00 00 00.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for nom in OBLIGATOIRES:
            self.fields[nom].required = True
        cast(forms.ChoiceField, self.fields["forme_juridique"]).choices = [
            ("", "Choisissez la forme juridique"),
            *FormeJuridique.choices,
        ]
        cast(forms.ChoiceField, self.fields["type_structure"]).choices = [
            ("", "Choisissez le type de structure"),
            *TypeStructure.choices,
        ]
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["telephone"].widget.attrs["autocomplete"] = "tel"
        self.fields["rib"].widget.attrs["class"] = "fr-upload"
        self.fields["rib"].widget.group_class = "fr-upload-group"
        # Le compte montré est le dernier proposé (à vérifier), sinon le compte accepté.
        self.acceptees = Coordonnees.acceptees(self.instance)
        en_cours = changement_en_cours(self.instance) if self.instance.pk else None
        self.reference = Coordonnees(en_cours.iban, en_cours.bic) if en_cours else self.acceptees
        if self.instance.pk:
            self.initial["iban"] = " ".join(re.findall(".{1,4}", self.reference.iban))
            self.initial["bic"] = self.reference.bic

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

    # Le compte n'est pas un champ du modèle ici : il n'est jamais écrit sur la structure
    # par ce formulaire, mais proposé à la Caf (coordonnees.proposer_coordonnees).
    def clean_iban(self) -> str:
        iban = normaliser_iban(self.cleaned_data["iban"])
        valider_iban(iban)
        return iban

    def clean_bic(self) -> str:
        bic = re.sub(r"\s+", "", self.cleaned_data.get("bic") or "").upper()
        valider_bic(bic)
        return bic

    def clean_rib(self) -> Any:
        rib = self.cleaned_data.get("rib")
        if rib:
            verifier_fichier(rib)
        return rib

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
        super().clean()
        donnees = self.cleaned_data
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
        self._verifier_rib(donnees)
        return donnees

    def _verifier_rib(self, donnees: dict[str, Any]) -> None:
        """Un compte nouveau (ni l'accepté, ni celui déjà proposé) demande son RIB."""
        if "iban" in self.errors or "bic" in self.errors or "rib" in self.errors:
            return
        saisies = self.coordonnees()
        if saisies in (self.reference, self.acceptees) or donnees.get("rib"):
            return
        self.add_error(
            "rib",
            "Joignez le RIB du nouveau compte (PDF, PNG ou JPEG) : la Caf le compare à l'IBAN "
            "et au BIC saisis avant d'y verser quoi que ce soit. Les autres saisies sont "
            "conservées ; seul le fichier est à choisir à nouveau.",
        )

    def coordonnees(self) -> Coordonnees:
        return Coordonnees.saisies(
            self.cleaned_data.get("iban", ""), self.cleaned_data.get("bic", "")
        )

    def coordonnees_changees(self) -> bool:
        """Le compte saisi diffère du dernier proposé : une proposition à faire."""
        return self.coordonnees() != self.reference

    def donnees_structure(self) -> dict[str, Any]:
        """La fiche, sans le compte bancaire : il passe par la vérification de la Caf."""
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
    date_validite = ChampDate(
        label="Valable jusqu'au",
        required=False,
        help_text=(
            "Au format jj/mm/aaaa. Laissez vide si la pièce n'expire pas (statuts, par exemple)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fichier"].widget.attrs["class"] = "fr-upload"
        self.fields["fichier"].widget.group_class = "fr-upload-group"

    def clean_fichier(self) -> Any:
        fichier = self.cleaned_data["fichier"]
        verifier_fichier(fichier)
        return fichier


class FormulaireRefusCoordonnees(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif du refus",
        max_length=500,
        help_text=(
            "Par exemple « le titulaire du RIB n'est pas la structure » ou « l'IBAN saisi "
            "diffère de celui du RIB » : il est montré à la structure."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif du refus : il est montré à la structure."},
    )


class FormulaireRefusTransfert(FormulaireDsfr):
    motif = forms.CharField(
        label="Motif du refus",
        max_length=500,
        help_text="Par exemple « la structure garde son siège à Lyon » : il est montré à la "
        "structure.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez le motif du refus : il est montré à la structure."},
    )
