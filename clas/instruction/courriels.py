"""Les courriels de la décision (gabarits texte dans templates/instruction/courriels/).

Appelés après validation de la transaction (`transaction.on_commit`) par `decisions`."""

from __future__ import annotations

import logging

from django.urls import reverse

from clas.core.courriels import envoyer
from clas.dossiers.courriels import destinataires_structure, url_absolue

from .lettre import charger, contexte_decision, nom_lettre
from .models import Decision

journal = logging.getLogger(__name__)


def envoyer_decision(decision_id: int) -> None:
    """À la structure (ses membres et son adresse) : la décision, avec la lettre en PDF."""
    decision = charger(Decision(pk=decision_id))
    dossier = decision.dossier
    contexte = {
        **contexte_decision(decision),
        "url_dossier": url_absolue(reverse("dossier_detail", args=[dossier.pk])),
    }
    envoyer(
        "instruction/courriels/decision",
        destinataires_structure(dossier),
        contexte,
        pieces=[(decision.lettre, nom_lettre(decision))],
    )
