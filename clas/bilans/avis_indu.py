"""L'avis d'indu : le PDF qui dit à la structure pourquoi elle doit rembourser, combien,
comment payer, avant quand et comment contester ; puis le courriel qui le lui envoie.

Produit une fois, après la transaction qui crée l'indu (`regularisation._apres_indu`),
à partir de ce que le bilan a figé (montant recalculé, montant définitif) et des
versements : jamais d'un nouveau calcul."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from clas.core.courriels import envoyer
from clas.core.pdf import enregistrer_une_fois
from clas.dossiers.courriels import destinataires_structure, url_absolue
from clas.dossiers.models import Dossier
from clas.dossiers.permissions import ROLES_SIGNATAIRES
from clas.versements.models import EtatVersement, Versement

from .models import Bilan, Indu

__all__ = ["contexte_avis", "destinataires_avis", "generer_avis", "nom_avis", "notifier_indu"]

journal = logging.getLogger(__name__)

DELAI_RECOURS = "deux mois"
ZERO = Decimal("0.00")


def nom_avis(indu: Indu) -> str:
    dossier = indu.convention.dossier
    return f"avis-indu-{dossier.numero or dossier.pk}.pdf"


def charger(indu: Indu) -> Indu:
    return Indu.objects.select_related(
        "convention__dossier__structure", "convention__dossier__campagne__caf"
    ).get(pk=indu.pk)


def contexte_avis(indu: Indu) -> dict[str, Any]:
    """Ce que disent l'avis et le courriel : tout vient du bilan figé et des versements."""
    convention = indu.convention
    dossier = convention.dossier
    caf = dossier.campagne.caf
    bilan = Bilan.objects.filter(convention=convention).first()
    versements = list(
        Versement.objects.filter(convention=convention)
        .exclude(etat=EtatVersement.REJETE)
        .order_by("created_at", "id")
    )
    total_versements = sum((v.montant for v in versements), start=ZERO)
    montant_definitif = bilan.montant_definitif if bilan else None
    return {
        "indu": indu,
        "convention": convention,
        "dossier": dossier,
        "structure": dossier.structure,
        "campagne": dossier.campagne,
        "caf": caf,
        "bilan": bilan,
        "montant_decide": convention.montant_maximal,
        "montant_recalcule": bilan.montant_recalcule if bilan else None,
        "montant_definitif": montant_definitif,
        "versements": versements,
        "total_versements": total_versements,
        "ecart": (montant_definitif - total_versements) if montant_definitif is not None else None,
        "date_avis": timezone.localtime(indu.notifie_le).date(),
        "compte_caf": bool(caf.iban and caf.bic and caf.titulaire_compte),
        "reference_paiement": dossier.numero or f"CLAS-{dossier.pk}",
        "delai_recours": DELAI_RECOURS,
    }


def generer_avis(indu: Indu, *, remplacer: bool = False) -> bool:
    """Produit et enregistre l'avis s'il n'existe pas encore (idempotent), ou le remplace.
    Renvoie True si un PDF a été écrit."""
    indu = charger(indu)
    return enregistrer_une_fois(
        indu,
        "avis",
        nom_avis(indu),
        "bilans/indu/avis.html",
        lambda: contexte_avis(indu),
        remplacer=remplacer,
    )


def destinataires_avis(dossier: Dossier) -> list[str]:
    """Les signataires et administrateurs de la structure, et son adresse, sans doublon."""
    return destinataires_structure(dossier, roles=ROLES_SIGNATAIRES)


def notifier_indu(indu: Indu) -> None:
    """L'avis PDF (enregistré dans `indu.avis`), puis le courriel à la structure avec
    l'avis joint."""
    generer_avis(indu)
    indu = charger(indu)
    dossier = indu.convention.dossier
    contexte = {
        **contexte_avis(indu),
        "url_dossier": url_absolue(reverse("dossier_detail", args=[dossier.pk])),
    }
    envoyer(
        "bilans/indu/courriel",
        destinataires_avis(dossier),
        contexte,
        pieces=[(indu.avis, nom_avis(indu))],
    )
