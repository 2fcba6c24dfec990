from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordResetForm,
    SetPasswordForm,
    SetPasswordMixin,
)
from django.core.validators import MaxLengthValidator
from dsfr.forms import DsfrBaseForm

# Un mot de passe de plusieurs mégaoctets ferait travailler le hachage pour rien.
MOT_DE_PASSE_MAX = 128


class FormulaireDsfrComptes(DsfrBaseForm):  # type: ignore[misc]  # django-dsfr n'est pas annoté
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
        max_length=MOT_DE_PASSE_MAX,
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


def _plafonne(champ: forms.CharField) -> forms.CharField:
    champ.max_length = MOT_DE_PASSE_MAX
    champ.validators.append(MaxLengthValidator(MOT_DE_PASSE_MAX))
    return champ


class FormulaireNouveauMotDePasse(FormulaireDsfrComptes, SetPasswordForm):  # type: ignore[type-arg]  # paramétré, il planterait à l'exécution
    new_password1, new_password2 = (
        _plafonne(champ)
        for champ in SetPasswordMixin.create_password_fields(
            label1="Nouveau mot de passe", label2="Confirmation du nouveau mot de passe"
        )
    )


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
        max_length=MOT_DE_PASSE_MAX,
        help_text="12 caractères au moins, ni trop courant, ni uniquement des chiffres.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        max_length=MOT_DE_PASSE_MAX,
        help_text="Saisissez le même mot de passe.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        # Pas d'erreur « compte existant » : la réponse ne dit pas si l'adresse a un compte
        # (la vue écrit à l'adresse concernée).
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import password_validation

        from .models import Utilisateur

        super().clean()
        donnees = self.cleaned_data
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


# --- Double authentification ------------------------------------------------------------------


class FormulaireCodeEnrolement(FormulaireDsfrComptes, forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres affiché par l'application",
        max_length=20,
        help_text="Format attendu : 6 chiffres, par exemple 123456.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "Saisissez le code à 6 chiffres de votre application."},
    )


class FormulaireCodeVerification(FormulaireDsfrComptes, forms.Form):
    code = forms.CharField(
        label="Code à 6 chiffres ou code de secours",
        max_length=20,
        help_text="Les 6 chiffres affichés par votre application d'authentification, ou l'un "
        "de vos codes de secours (8 caractères, chacun ne sert qu'une fois).",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        error_messages={"required": "Saisissez le code à 6 chiffres de votre application."},
    )
    faire_confiance = forms.BooleanField(
        label="Faire confiance à ce navigateur pendant 30 jours",
        required=False,
        help_text="Le code ne sera plus demandé sur ce navigateur. Ne cochez pas sur un "
        "ordinateur partagé.",
    )


class FormulaireReinitialisationNationale(FormulaireDsfrComptes, forms.Form):
    motif = forms.CharField(
        label="Motif de la réinitialisation",
        max_length=500,
        help_text="Par exemple : téléphone perdu, demande faite par téléphone le 2 décembre. "
        "Le motif est inscrit au journal.",
        error_messages={"required": "Indiquez le motif : il est inscrit au journal."},
    )


# --- L'équipe d'une Caf ----------------------------------------------------------------------


def _champ_roles(avec_responsable: bool) -> forms.MultipleChoiceField:
    from .equipes import ROLES

    return forms.MultipleChoiceField(
        label="Rôles",
        choices=[
            (r.champ, f"{r.libelle} — {r.aide}")
            for r in ROLES
            if avec_responsable or r.champ != "est_responsable"
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text="Un agent a au moins un rôle ; il peut en cumuler plusieurs.",
        error_messages={
            "required": "Choisissez au moins un rôle.",
            "invalid_choice": "« %(value)s » n'est pas un rôle que vous pouvez donner.",
        },
    )


class FormulaireRoles(FormulaireDsfrComptes, forms.Form):
    """`avec_responsable` : seule l'administration nationale nomme un responsable."""

    def __init__(self, *args: Any, avec_responsable: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"] = _champ_roles(avec_responsable)

    @property
    def roles(self) -> set[str]:
        return set(self.cleaned_data.get("roles") or ())


class FormulaireInvitationAgent(FormulaireRoles):
    email = forms.EmailField(
        label="Adresse électronique professionnelle",
        max_length=254,
        help_text="L'invitation y est envoyée ; c'est l'identifiant de l'agent. "
        "Format attendu : prenom.nom@caf.fr",
        error_messages={
            "required": "Indiquez l'adresse électronique de l'agent.",
            "invalid": "Saisissez une adresse électronique valide, par exemple prenom.nom@caf.fr.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    prenom = forms.CharField(
        label="Prénom", max_length=100, error_messages={"required": "Indiquez le prénom."}
    )
    nom = forms.CharField(
        label="Nom", max_length=100, error_messages={"required": "Indiquez le nom."}
    )
    field_order = ["email", "prenom", "nom", "roles"]

    def __init__(self, *args: Any, avec_responsable: bool, **kwargs: Any) -> None:
        super().__init__(*args, avec_responsable=avec_responsable, **kwargs)
        self.order_fields(self.field_order)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class FormulaireDesactivation(FormulaireDsfrComptes, forms.Form):
    motif = forms.CharField(
        label="Motif de la désactivation",
        max_length=500,
        help_text="Par exemple : départ de la Caf le 30/11/2026. Le motif est inscrit au journal.",
        error_messages={"required": "Indiquez le motif : il est inscrit au journal."},
    )
