"""Les versements sur la page d'un dossier (structure et Caf), et les badges d'état.

Aucune requête tant que le dossier n'est pas accepté ; sinon un nombre fixe de requêtes,
quel que soit le nombre de versements."""

from __future__ import annotations

from typing import Any

from django import template

from clas.bilans.models import Bilan
from clas.comptes.roles import agent_de
from clas.conventions.models import Convention
from clas.dossiers.models import Dossier, EtatDossier
from clas.versements import grand_livre
from clas.versements.actions import capacites_paiements
from clas.versements.models import EtatVersement, Versement

register = template.Library()

CLASSES_ETAT_VERSEMENT = {
    EtatVersement.A_VALIDER: "fr-badge--new",
    EtatVersement.VALIDE: "fr-badge--info",
    EtatVersement.MIS_EN_PAIEMENT: "fr-badge--purple-glycine",
    EtatVersement.PAYE: "fr-badge--success",
    EtatVersement.REJETE: "fr-badge--error",
}


@register.filter
def classe_etat_versement(etat: str) -> str:
    """La couleur DSFR d'un état de versement, la même sur toutes les pages."""
    return CLASSES_ETAT_VERSEMENT.get(etat, "")


def _convention(dossier: Dossier, *relations: str) -> Convention | None:
    if dossier.etat not in (EtatDossier.ACCEPTE, EtatDossier.CLOTURE):
        return None
    return Convention.objects.select_related(*relations).filter(dossier_id=dossier.pk).first()


def _versements(convention: Convention) -> list[Versement]:
    return list(
        Versement.objects.filter(convention=convention)
        .select_related("lot", "valide_par", "reemission")
        .order_by("created_at", "pk")
    )


@register.simple_tag
def versements_structure(dossier: Dossier) -> dict[str, Any] | None:
    """Ce que la structure voit de son argent : ses versements et la situation."""
    convention = _convention(dossier)
    if convention is None or not convention.est_signee:
        return None
    return {
        "convention": convention,
        "versements": _versements(convention),
        "situation": grand_livre.situation(convention),
        # Le montant définitif, une fois le bilan accepté (None avant).
        "montant_definitif": Bilan.objects.filter(convention=convention)
        .values_list("montant_definitif", flat=True)
        .first(),
    }


@register.simple_tag(takes_context=True)
def versements_caf(context: template.Context, dossier: Dossier) -> dict[str, Any] | None:
    """Côté Caf : les versements du dossier, leur lot, et si l'agent peut les valider."""
    convention = _convention(dossier)
    if convention is None:
        return None
    request = context.get("request")
    utilisateur = getattr(request, "user", None)
    agent = agent_de(utilisateur) if utilisateur is not None else None
    de_la_caf = agent is not None and agent.caf_id == dossier.campagne.caf_id
    versements = _versements(convention)
    return {
        "convention": convention,
        "versements": versements,
        "situation": grand_livre.situation(convention),
        "peut_valider": de_la_caf and capacites_paiements(utilisateur)["valider"],
        "a_valider": [v for v in versements if v.etat == EtatVersement.A_VALIDER],
    }


@register.simple_tag
def convention_caf(dossier: Dossier) -> Convention | None:
    """Côté Caf : la convention, qui l'a signée, quand et depuis où."""
    return _convention(dossier, "signee_par", "decision__valideur")
