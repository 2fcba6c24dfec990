"""L'avis d'indu : le PDF qui dit à la structure pourquoi elle doit rembourser, combien,
comment payer, avant quand et comment contester ; puis le courriel qui le lui envoie.

Produit une fois, après la transaction qui crée l'indu (`regularisation._apres_indu`),
à partir de ce que le bilan a figé (montant recalculé, montant définitif) et des
versements : jamais d'un nouveau calcul."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clas.core.pdf import rendre_pdf
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
    if indu.avis and not remplacer:
        return False
    pdf = rendre_pdf("bilans/indu/avis.html", contexte_avis(indu))
    indu.avis.save(nom_avis(indu), ContentFile(pdf), save=False)
    indus = Indu.objects.filter(pk=indu.pk)
    if not remplacer:
        indus = indus.filter(avis="")
    if not indus.update(avis=indu.avis.name):  # écrit entre-temps par un autre processus
        indu.avis.storage.delete(indu.avis.name)
        return False
    return True


def destinataires_avis(dossier: Dossier) -> list[str]:
    """Les signataires et administrateurs de la structure, et son adresse, sans doublon."""
    return destinataires_structure(dossier, roles=ROLES_SIGNATAIRES)


def notifier_indu(indu: Indu) -> None:
    """L'avis PDF (enregistré dans `indu.avis`), puis le courriel à la structure avec
    l'avis joint."""
    generer_avis(indu)
    indu = charger(indu)
    dossier = indu.convention.dossier
    destinataires = destinataires_avis(dossier)
    if not destinataires:
        journal.warning("Avis d'indu %s sans destinataire", dossier)
        return
    contexte = {
        **contexte_avis(indu),
        "url_dossier": url_absolue(reverse("dossier_detail", args=[dossier.pk])),
    }
    sujet = render_to_string("bilans/indu/courriel_sujet.txt", contexte)
    corps = render_to_string("bilans/indu/courriel.txt", contexte)
    courriel = EmailMessage(subject=" ".join(sujet.split()), body=corps, to=destinataires)
    if indu.avis:
        with indu.avis.open("rb") as fichier:
            courriel.attach(nom_avis(indu), fichier.read(), "application/pdf")
    courriel.send()
