"""Les badges d'état des versements, les mêmes sur toutes les pages."""

from __future__ import annotations

from django import template

from clas.versements.models import EtatVersement

register = template.Library()

CLASSES_ETAT_VERSEMENT: dict[str, str] = {
    EtatVersement.A_VALIDER: "fr-badge--new",
    EtatVersement.VALIDE: "fr-badge--info",
    EtatVersement.MIS_EN_PAIEMENT: "fr-badge--purple-glycine",
    EtatVersement.ACCEPTE_BANQUE: "fr-badge--blue-ecume",
    EtatVersement.PAYE: "fr-badge--success",
    EtatVersement.REJETE: "fr-badge--error",
}


@register.filter
def classe_etat_versement(etat: str) -> str:
    """La couleur DSFR d'un état de versement, la même sur toutes les pages."""
    return CLASSES_ETAT_VERSEMENT.get(etat, "")
