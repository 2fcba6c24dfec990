"""Le formulaire « Créer un jeton d'API » (Mon compte)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from clas.core.forms import FormulaireDsfr

from . import jetons

DROITS = [
    ("lecture", "Lecture seule : lire les dossiers, décisions et versements"),
    (
        "ecriture",
        "Lecture et écriture : aussi écrire des messages, annoter, prendre en instruction",
    ),
]


class FormulaireJeton(FormulaireDsfr):
    nom = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="L'outil qui s'en servira, pour vous y retrouver (« Tableur de suivi »).",
        error_messages={
            "required": "Donnez un nom au jeton.",
            "max_length": "Le nom tient en 100 caractères au plus.",
        },
    )
    jours = forms.IntegerField(
        label="Durée de validité, en jours",
        min_value=jetons.JOURS_MIN,
        max_value=jetons.JOURS_MAX,
        initial=90,
        help_text=f"De {jetons.JOURS_MIN} jours (une semaine) à {jetons.JOURS_MAX} (un an). "
        "Un courriel vous prévient une semaine avant l'expiration.",
        error_messages={
            "required": "Indiquez la durée de validité, en jours.",
            "invalid": "Écrivez un nombre de jours entier, par exemple 90.",
            "min_value": f"Un jeton vaut au moins {jetons.JOURS_MIN} jours (une semaine).",
            "max_value": f"Un jeton vaut au plus {jetons.JOURS_MAX} jours (un an).",
        },
    )
    droits = forms.ChoiceField(
        label="Droits du jeton",
        choices=DROITS,
        initial="lecture",
        widget=forms.RadioSelect,
        help_text="Jamais plus que vos propres droits dans la plateforme.",
        error_messages={"required": "Choisissez les droits du jeton."},
    )
    reseaux = forms.CharField(
        label="Réseaux autorisés",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Adresses IP ou blocs CIDR, séparés par des virgules ou des retours à la "
        "ligne (192.0.2.0/24). Vide : accepté de partout. Un appel d'ailleurs est refusé et "
        "vous êtes prévenu par courriel.",
    )

    def clean_reseaux(self) -> list[str]:
        try:
            return jetons.lire_reseaux(self.cleaned_data.get("reseaux") or "")
        except ValidationError as erreur:
            raise ValidationError(erreur.messages) from None
