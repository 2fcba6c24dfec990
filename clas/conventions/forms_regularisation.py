"""Les formulaires de la régularisation : enregistrer un remboursement d'indu (avec son
jeton d'idempotence), proposer un avenant."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from clas.core.forms import ChampDate, ChampMontant, FormulaireDsfr
from clas.dossiers.models import Collectif


class FormulaireRemboursement(FormulaireDsfr):
    montant = ChampMontant(
        label="Montant reçu (euros)",
        help_text="Au plus le reste à rembourser, par exemple 250,00.",
        error_messages={"required": "Saisissez le montant reçu."},
    )
    recu_le = ChampDate(
        label="Reçu le",
        help_text="La date de réception du virement ou du chèque.",
        error_messages={"required": "Saisissez la date de réception du remboursement."},
    )
    reference = forms.CharField(
        label="Référence",
        help_text="Référence du virement ou numéro du chèque.",
        max_length=100,
        required=False,
    )
    # Le même formulaire envoyé deux fois (double clic, requête rejouée) porte le même
    # jeton : le second envoi n'enregistre rien.
    jeton = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jeton"].error_messages["required"] = (
            "Le formulaire a expiré : rechargez la page et saisissez à nouveau le remboursement."
        )
        self.fields["jeton"].error_messages["invalid"] = self.fields["jeton"].error_messages[
            "required"
        ]


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
        help_text="Il figure dans l'avenant envoyé à la structure.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Expliquez le motif de l'avenant : il figure dans l'avenant."},
    )

    def __init__(self, *args: Any, collectifs: list[Collectif], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        champ = self.fields["collectifs"]
        champ.queryset = Collectif.objects.filter(pk__in=[c.pk for c in collectifs]).order_by(
            "ordre", "id"
        )
        champ.label_from_instance = lambda c: c.nom or f"Collectif {c.ordre}"  # type: ignore[attr-defined]
