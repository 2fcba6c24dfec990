"""Rappels par courriel des demandes de compléments sans réponse : 3 jours avant l'échéance
(ou dès que possible dans ces 3 jours si la commande n'a pas tourné) et le jour de
l'échéance. À lancer chaque jour (cron) ; idempotente : chaque rappel envoyé est gardé
dans l'historique du dossier (événement « relance_complements ») et n'est jamais renvoyé.

    python manage.py relancer_complements [--date aaaa-mm-jj] [--simulation]
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.urls import reverse

from clas.core.courriels import envoyer
from clas.core.relances import CommandeDeRelance
from clas.dossiers.courriels import destinataires_structure, url_absolue
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import DemandeComplements, Dossier, EtatDossier, Evenement
from clas.dossiers.verification import LIBELLES_ETAPES

journal = logging.getLogger(__name__)

JOURS_AVANT = 3
# Début de la description de l'événement : c'est lui qui rend le rappel idempotent.
RAPPEL_AVANT = "Rappel avant l'échéance"
RAPPEL_JOUR = "Rappel le jour de l'échéance"


def rappel_du_jour(echeance: dt.date, aujourd_hui: dt.date) -> str | None:
    """Le rappel à envoyer aujourd'hui pour cette échéance, ou None."""
    restants = (echeance - aujourd_hui).days
    if restants == 0:
        return RAPPEL_JOUR
    if 0 < restants <= JOURS_AVANT:
        return RAPPEL_AVANT
    return None


class Command(CommandeDeRelance):
    help = (
        "Envoie les rappels des demandes de compléments sans réponse (3 jours avant "
        "l'échéance et le jour même). Idempotente : à lancer chaque jour."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        aujourd_hui = self.date_du_jour(options)
        demandes = (
            DemandeComplements.objects.filter(
                repondue_le__isnull=True,
                dossier__etat=EtatDossier.COMPLEMENTS_DEMANDES,
                echeance__gte=aujourd_hui,
                echeance__lte=aujourd_hui + dt.timedelta(days=JOURS_AVANT),
            )
            .select_related("dossier__structure", "dossier__campagne__caf")
            .order_by("echeance", "id")
        )
        self.envoyer_les_rappels(
            demandes,
            options,
            echeance_de=lambda demande: demande.echeance,
            rappel_du_jour=rappel_du_jour,
            relancer=self._relancer,
        )

    def _relancer(self, demande: DemandeComplements, rappel: str, aujourd_hui: dt.date) -> bool:
        """Envoie le rappel s'il ne l'a pas déjà été ; vrai si envoyé. Le dossier est
        verrouillé : deux exécutions simultanées n'envoient pas deux fois."""
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().get(pk=demande.dossier_id)
            if dossier.etat != EtatDossier.COMPLEMENTS_DEMANDES:
                return False
            if Evenement.objects.filter(
                dossier=dossier,
                type="relance_complements",
                created_at__gte=demande.created_at,
                description__startswith=rappel,
            ).exists():
                return False
            dossier = demande.dossier
            destinataires = destinataires_structure(dossier)
            contexte = {
                "dossier": dossier,
                "structure": dossier.structure,
                "caf": dossier.campagne.caf,
                "demande": demande,
                "jour_meme": rappel == RAPPEL_JOUR,
                "jours_restants": (demande.echeance - aujourd_hui).days,
                "etapes": [LIBELLES_ETAPES.get(etape, etape) for etape in demande.etapes],
                "url_dossier": url_absolue(reverse("dossier_detail", args=[dossier.pk])),
            }
            envoyer("instruction/courriels/relance_complements", destinataires, contexte)
            Evenement.noter(
                dossier,
                TypeEvenement.RELANCE_COMPLEMENTS,
                f"{rappel} : rappel envoyé le {aujourd_hui:%d/%m/%Y} à la "
                f"structure, compléments attendus avant le {demande.echeance:%d/%m/%Y}.",
            )
        return True
