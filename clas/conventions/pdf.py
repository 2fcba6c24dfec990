"""La convention en PDF : produite à partir de ce que la décision a gardé (collectifs
retenus, montant, taux d'acompte), jamais d'un nouveau calcul ; produite à nouveau avec la
mention de la signature une fois signée."""

from __future__ import annotations

from typing import Any

from clas.core.pdf import enregistrer_une_fois
from clas.instruction.lettre import detail_collectifs

from .models import Convention


def nom_pdf(convention: Convention) -> str:
    return f"convention-{convention.dossier.numero or convention.dossier_id}.pdf"


def charger(convention: Convention) -> Convention:
    return Convention.objects.select_related(
        "dossier__structure", "dossier__campagne__caf", "decision", "signee_par"
    ).get(pk=convention.pk)


def contexte_convention(convention: Convention) -> dict[str, Any]:
    from .actions import montant_acompte

    dossier = convention.dossier
    collectifs = [c for c in detail_collectifs(convention.decision) if c["eligible"]]
    return {
        "convention": convention,
        "decision": convention.decision,
        "dossier": dossier,
        "structure": dossier.structure,
        "campagne": dossier.campagne,
        "caf": dossier.campagne.caf,
        "collectifs": collectifs,
        "montant_acompte": montant_acompte(convention),
        "montant_solde_maximal": convention.montant_maximal - montant_acompte(convention),
    }


def generer_pdf(convention: Convention, *, remplacer: bool = False) -> bool:
    """Produit et enregistre le PDF s'il n'existe pas encore (idempotent), ou le remplace.
    Renvoie True si un PDF a été écrit."""
    convention = charger(convention)
    return enregistrer_une_fois(
        convention,
        "pdf",
        nom_pdf(convention),
        "conventions/convention.html",
        lambda: contexte_convention(convention),
        remplacer=remplacer,
    )
