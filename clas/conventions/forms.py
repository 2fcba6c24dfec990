"""Le formulaire de signature : le signataire saisit à nouveau son mot de passe."""

from __future__ import annotations

from django import forms

from clas.core.forms import FormulaireDsfr


class FormulaireSignature(FormulaireDsfr):
    mot_de_passe = forms.CharField(
        label="Votre mot de passe",
        help_text="Pour signer, saisissez à nouveau le mot de passe de votre compte.",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Saisissez votre mot de passe pour signer la convention."},
    )
