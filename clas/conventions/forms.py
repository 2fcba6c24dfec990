"""Les formulaires de la convention : la signature (le signataire saisit à nouveau son mot
de passe) et la proposition d'un avenant."""

from __future__ import annotations

from typing import Any

from django import forms

from clas.core.forms import (
    ChampMontant,
    FormulaireDsfr,
    aide_texte_libre,
    champ_mot_de_passe_actuel,
)
from clas.dossiers.models import Collectif


class FormulaireSignature(FormulaireDsfr):
    mot_de_passe = champ_mot_de_passe_actuel(
        "Pour signer, saisissez à nouveau le mot de passe de votre compte.",
        "Saisissez votre mot de passe pour signer la convention.",
    )


class FormulaireAvenant(FormulaireDsfr):
    collectifs = forms.ModelMultipleChoiceField(
        label="Collectifs retenus",
        help_text="Cochez les collectifs que la convention finance après l'avenant.",
        queryset=Collectif.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    montant = ChampMontant(
        label="Nouveau montant maximal (euros)",
        help_text="Au plus le barème recalculé sur ces collectifs avec les paramètres de la "
        "décision. Laissé vide : le montant du barème.",
        required=False,
    )
    motif = forms.CharField(
        label="Motif de l'avenant",
        help_text=aide_texte_libre("Il figure dans l'avenant envoyé à la structure."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Expliquez le motif de l'avenant : il figure dans l'avenant."},
    )

    def __init__(self, *args: Any, collectifs: list[Collectif], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        champ = self.fields["collectifs"]
        champ.queryset = Collectif.objects.filter(pk__in=[c.pk for c in collectifs]).order_by(
            "ordre", "id"
        )
        champ.label_from_instance = lambda c: c.nom or f"Collectif {c.ordre}"
