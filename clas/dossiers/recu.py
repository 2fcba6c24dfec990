"""L'accusé de dépôt : un PDF du contenu déposé, produit une seule fois au dépôt."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clas.core.pdf import enregistrer_une_fois

from .bareme import estimer
from .models import Dossier, NatureLigne
from .verification import charger_pour_verification

# Code des relations entre le public et l'administration : une demande d'aide financière
# sans réponse pendant deux mois est rejetée (L. 231-4) ; ce rejet se conteste dans les deux
# mois. L'accusé de réception le dit (L. 112-3, R. 112-5).
MOIS_AVANT_REJET_IMPLICITE = 2
DELAI_RECOURS = "deux mois"


def ajouter_mois(jour: dt.date, mois: int) -> dt.date:
    """Le même quantième `mois` plus tard (le dernier jour du mois s'il n'existe pas :
    31 décembre + 2 mois → 28 ou 29 février)."""
    rang = jour.month - 1 + mois
    annee, mois_cible = jour.year + rang // 12, rang % 12 + 1
    dernier = calendar.monthrange(annee, mois_cible)[1]
    return jour.replace(year=annee, month=mois_cible, day=min(jour.day, dernier))


def echeances_reception(depose_le: dt.datetime) -> dict[str, Any]:
    """Date de réception (heure de Paris) et date où le silence de la Caf vaut rejet."""
    reception = timezone.localtime(depose_le).date()
    return {
        "date_reception": reception,
        "date_rejet_implicite": ajouter_mois(reception, MOIS_AVANT_REJET_IMPLICITE),
        "delai_recours": DELAI_RECOURS,
    }


def contexte_recu(dossier: Dossier) -> dict[str, Any]:
    """Ce que montre l'accusé : le dossier doit venir de `charger_pour_verification`."""
    collectifs = list(dossier.collectifs.all())
    lignes = list(dossier.lignes_budget.all())
    charges = [ligne for ligne in lignes if ligne.nature == NatureLigne.CHARGE]
    produits = [ligne for ligne in lignes if ligne.nature == NatureLigne.PRODUIT]
    try:
        estimation = estimer(dossier, collectifs, lignes)
    except ValueError:
        estimation = None
    total_produits = sum((ligne.montant for ligne in produits), Decimal("0"))
    return {
        "dossier": dossier,
        "structure": dossier.structure,
        "caf": dossier.campagne.caf,
        "campagne": dossier.campagne,
        "collectifs": (
            list(zip(collectifs, estimation.collectifs, strict=True))
            if estimation
            else [(collectif, None) for collectif in collectifs]
        ),
        "charges": charges,
        "produits": produits,
        "total_charges": sum((ligne.montant for ligne in charges), Decimal("0")),
        "total_produits": total_produits + (dossier.ps_demandee or Decimal("0")),
        "estimation": estimation,
        "pieces": [piece_dossier.piece for piece_dossier in dossier.pieces.all()],
        **(echeances_reception(dossier.depose_le) if dossier.depose_le else {}),
    }


def generer_recu(dossier: Dossier, *, remplacer: bool = False) -> bool:
    """Produit et enregistre l'accusé de dépôt s'il n'existe pas encore (idempotent).
    Renvoie True si un PDF a été écrit."""
    dossier = charger_pour_verification(dossier)
    if dossier.numero is None:
        raise ValueError("Un brouillon n'a pas d'accusé de dépôt.")
    return enregistrer_une_fois(
        dossier,
        "recu",
        nom_recu(dossier),
        "dossiers/recu.html",
        lambda: contexte_recu(dossier),
        remplacer=remplacer,
    )


def nom_recu(dossier: Dossier) -> str:
    return f"accuse-depot-{dossier.numero}.pdf"
