from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from dsfr.forms import DsfrBaseForm


class FormulaireDsfrComptes(DsfrBaseForm):
    """Le `FormulaireDsfr` de core, pour les comptes (la couche du dessous) : les champs
    facultatifs sont signalés, pas les obligatoires."""

    def get_context(self) -> dict[str, Any]:
        contexte = forms.Form.get_context(self)
        contexte["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return contexte


class FormulaireConnexion(FormulaireDsfrComptes, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": (
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie ou "
            "réinitialisez votre mot de passe."
        ),
        "inactive": (
            "Ce compte est désactivé. Contactez l'administrateur de votre structure ou de "
            "votre Caf."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Refusé avec l'adresse déjà saisie : on reprend au mot de passe, pas à l'adresse.
        if self.is_bound and self.data.get("username"):
            self.fields["username"].widget.attrs.pop("autofocus", None)
            self.fields["password"].widget.attrs["autofocus"] = True

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()

    def get_invalid_login_error(self) -> forms.ValidationError:
        """Un compte créé mais pas encore confirmé reçoit un message qui dit quoi faire."""
        from .models import Utilisateur

        email = self.cleaned_data.get("username") or ""
        mot_de_passe = self.cleaned_data.get("password") or ""
        compte = Utilisateur.objects.filter(
            email=email, is_active=False, last_login__isnull=True
        ).first()
        if compte is not None and compte.check_password(mot_de_passe):
            return forms.ValidationError(
                "Votre adresse électronique n'est pas encore confirmée : ouvrez le lien reçu "
                "par courriel, ou demandez un nouveau lien de confirmation.",
                code="a_confirmer",
            )
        return super().get_invalid_login_error()


class FormulaireMotDePasseOublie(FormulaireDsfrComptes, PasswordResetForm):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class FormulaireNouveauMotDePasse(FormulaireDsfrComptes, SetPasswordForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Confirmation du nouveau mot de passe"


class FormulaireInscription(FormulaireDsfrComptes, forms.Form):
    """Création d'un compte : le compte reste inactif jusqu'à la confirmation de l'adresse."""

    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Vous recevrez un lien pour la confirmer. Format attendu : nom@domaine.fr",
        error_messages={
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr."
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    prenom = forms.CharField(
        label="Prénom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    nom = forms.CharField(
        label="Nom", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        help_text="12 caractères au moins, ni trop courant, ni uniquement des chiffres.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        help_text="Saisissez le même mot de passe.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        from .models import Utilisateur

        existant = Utilisateur.objects.filter(email=email).first()
        if existant is not None:
            if existant.is_active:
                raise forms.ValidationError(
                    "Un compte existe déjà avec cette adresse. Connectez-vous, ou choisissez "
                    "un nouveau mot de passe si vous l'avez oublié.",
                    code="compte_existant",
                )
            raise forms.ValidationError(
                "Un compte avec cette adresse attend la confirmation de son adresse. "
                "Demandez un nouveau lien de confirmation.",
                code="compte_a_confirmer",
            )
        return email

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import password_validation

        from .models import Utilisateur

        donnees = super().clean()
        mot1, mot2 = donnees.get("password1"), donnees.get("password2")
        if mot1 and mot2 and mot1 != mot2:
            self.add_error(
                "password2", "Les deux mots de passe sont différents : saisissez-les à nouveau."
            )
        elif mot1:
            candidat = Utilisateur(
                email=donnees.get("email") or "",
                prenom=donnees.get("prenom") or "",
                nom=donnees.get("nom") or "",
            )
            try:
                password_validation.validate_password(mot1, candidat)
            except forms.ValidationError as erreur:
                self.add_error("password1", erreur)
        return donnees


class FormulaireNouveauLien(FormulaireDsfrComptes, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()
