"""Rappels par courriel du bilan de fin d'année aux signataires et administrateurs de la
structure : 30 jours et 7 jours avant la date limite de la convention, le jour même, puis
une fois en retard (dès le lendemain), tant que le bilan n'est pas déposé. Une convention
signée sans bilan commencé est relancée aussi (son bilan vide est créé pour garder la
trace des rappels).

À lancer chaque jour (cron) ; idempotente : chaque rappel envoyé est gardé dans
`Bilan.relances` (et dans l'historique du dossier) et n'est jamais renvoyé. Si la commande
n'a pas tourné le bon jour, le rappel de la période en cours part au passage suivant (le
plus récent seulement).

    python manage.py relancer_bilans [--date aaaa-mm-jj] [--simulation]
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from clas.bilans.actions import destinataires_signataires
from clas.bilans.models import Bilan, EtatBilan
from clas.conventions.models import Convention
from clas.core.courriels import envoyer
from clas.core.relances import CommandeDeRelance
from clas.dossiers.courriels import url_absolue
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import EtatDossier, Evenement

journal = logging.getLogger(__name__)

J30, J7, JOUR, RETARD = "j30", "j7", "jour", "retard"
LIBELLES = {
    J30: "Rappel 30 jours avant la date limite du bilan",
    J7: "Rappel 7 jours avant la date limite du bilan",
    JOUR: "Rappel le jour de la date limite du bilan",
    RETARD: "Rappel : bilan en retard",
}


def rappel_du_jour(date_limite: dt.date, aujourd_hui: dt.date) -> str | None:
    """Le rappel de la période en cours, ou None (plus de 30 jours avant)."""
    restants = (date_limite - aujourd_hui).days
    if restants < 0:
        return RETARD
    if restants == 0:
        return JOUR
    if restants <= 7:
        return J7
    if restants <= 30:
        return J30
    return None


class Command(CommandeDeRelance):
    help = (
        "Envoie les rappels du bilan de fin d'année (30 et 7 jours avant la date limite, le "
        "jour même, puis une fois en retard). Idempotente : à lancer chaque jour."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        aujourd_hui = self.date_du_jour(options)
        conventions = (
            Convention.objects.filter(
                signee_le__isnull=False,
                dossier__etat=EtatDossier.ACCEPTE,
                date_limite_bilan__lte=aujourd_hui + dt.timedelta(days=30),
            )
            .filter(Q(bilan__isnull=True) | Q(bilan__etat=EtatBilan.BROUILLON))
            .select_related("dossier__structure", "dossier__campagne__caf")
            .order_by("date_limite_bilan", "id")
        )
        self.envoyer_les_rappels(
            conventions,
            options,
            echeance_de=lambda convention: convention.date_limite_bilan,
            rappel_du_jour=rappel_du_jour,
            relancer=self._relancer,
            libelle=LIBELLES.__getitem__,
        )

    def _relancer(self, convention: Convention, rappel: str, aujourd_hui: dt.date) -> bool:
        """Envoie le rappel s'il ne l'a pas déjà été ; vrai si envoyé. Convention puis bilan
        sous verrou : deux exécutions simultanées n'envoient pas deux fois."""
        with transaction.atomic():
            verrouillee = Convention.objects.select_for_update(of=("self",)).get(pk=convention.pk)
            bilan = (
                Bilan.objects.select_for_update(of=("self",)).filter(convention=verrouillee).first()
            )
            if bilan is None:
                bilan = Bilan.objects.create(convention=verrouillee)
            if bilan.etat != EtatBilan.BROUILLON or rappel in (bilan.relances or []):
                return False
            dossier = convention.dossier
            destinataires = destinataires_signataires(dossier)
            contexte = {
                "dossier": dossier,
                "structure": dossier.structure,
                "caf": dossier.campagne.caf,
                "convention": convention,
                "rappel": rappel,
                "jours_restants": (convention.date_limite_bilan - aujourd_hui).days,
                "url": url_absolue(reverse("bilan_saisie", args=[dossier.pk])),
            }
            envoyer("bilans/courriels/relance", destinataires, contexte)
            bilan.relances = [*(bilan.relances or []), rappel]
            bilan.save(update_fields=["relances", "updated_at"])
            Evenement.noter(
                dossier,
                TypeEvenement.RELANCE_BILAN,
                f"{LIBELLES[rappel]} : courriel envoyé le {aujourd_hui:%d/%m/%Y} "
                f"aux signataires, bilan attendu avant le "
                f"{convention.date_limite_bilan:%d/%m/%Y}.",
            )
        return True
