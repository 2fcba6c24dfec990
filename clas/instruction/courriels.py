"""Les courriels de la décision (gabarits texte dans templates/instruction/courriels/).

Appelés après validation de la transaction (`transaction.on_commit`) par `decisions`."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from clas.dossiers.courriels import destinataires_structure, url_absolue

from .lettre import charger, contexte_decision, nom_lettre
from .models import Decision

journal = logging.getLogger(__name__)


def envoyer_decision(decision_id: int) -> None:
    """À la structure (ses membres et son adresse) : la décision, avec la lettre en PDF."""
    decision = charger(Decision(pk=decision_id))
    dossier = decision.dossier
    destinataires = destinataires_structure(dossier)
    if not destinataires:
        journal.warning("Décision %s sans destinataire", dossier)
        return
    contexte = {
        **contexte_decision(decision),
        "url_dossier": url_absolue(reverse("dossier_detail", args=[dossier.pk])),
    }
    sujet = render_to_string("instruction/courriels/decision_sujet.txt", contexte)
    corps = render_to_string("instruction/courriels/decision.txt", contexte)
    courriel = EmailMessage(subject=" ".join(sujet.split()), body=corps, to=destinataires)
    if decision.lettre:
        with decision.lettre.open("rb") as fichier:
            courriel.attach(nom_lettre(decision), fichier.read(), "application/pdf")
    courriel.send()
