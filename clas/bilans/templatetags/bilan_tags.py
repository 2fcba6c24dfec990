"""Le bilan sur la page du dossier (structure et Caf) : deux requêtes au plus, aucune tant
que le dossier n'est pas accepté."""

from __future__ import annotations

from typing import Any

from django import template

from clas.bilans.models import Bilan, EtatBilan
from clas.conventions.models import Convention
from clas.dossiers.models import Dossier, EtatDossier

register = template.Library()


@register.simple_tag
def bilan_du_dossier(dossier: Dossier) -> dict[str, Any] | None:
    """La convention signée et son bilan (None s'il n'est pas commencé)."""
    if dossier.etat not in (EtatDossier.ACCEPTE, EtatDossier.CLOTURE):
        return None
    convention = Convention.objects.filter(dossier_id=dossier.pk).first()
    if convention is None or not convention.est_signee:
        return None
    bilan = (
        Bilan.objects.filter(convention=convention)
        .only(
            "id",
            "convention_id",
            "etat",
            "depose_le",
            "accepte_le",
            "commentaire_caf",
            "montant_recalcule",
            "montant_definitif",
        )
        .first()
    )
    etat = bilan.etat if bilan is not None else EtatBilan.BROUILLON
    return {
        "convention": convention,
        "bilan": bilan,
        "etat": etat,
        "libelle_etat": EtatBilan(etat).label if bilan is not None else "Non commencé",
        "modifiable": dossier.etat == EtatDossier.ACCEPTE
        and etat in (EtatBilan.BROUILLON, EtatBilan.A_CORRIGER),
    }
