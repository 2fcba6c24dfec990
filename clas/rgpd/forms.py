"""Le formulaire de fermeture du compte : la personne confirme par son mot de passe."""

from __future__ import annotations

from django import forms

from clas.core.forms import FormulaireDsfr, champ_mot_de_passe_actuel


class FormulaireFermeture(FormulaireDsfr):
    mot_de_passe = champ_mot_de_passe_actuel(
        "Pour fermer votre compte, saisissez à nouveau son mot de passe.",
        "Saisissez votre mot de passe pour confirmer.",
    )
    confirmation = forms.BooleanField(
        label="Je comprends que la fermeture est définitive : je ne pourrai plus me connecter, "
        "et mes nom et adresse seront effacés.",
        error_messages={"required": "Cochez la case pour confirmer la fermeture."},
    )
