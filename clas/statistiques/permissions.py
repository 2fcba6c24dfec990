"""Qui voit les tableaux de bord : les agents d'une Caf (les chiffres de leur Caf) et
l'administration nationale (la nation, ou une Caf qu'elle choisit). Les chiffres publics
(`/chiffres/`) sont ouverts à tous."""

from __future__ import annotations

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.referentiel.models import Caf

from .indicateurs import Perimetre

REFUS = "Les statistiques sont réservées aux agents des Caf et à l'administration nationale."


def capacites_statistiques(utilisateur: Utilisateur) -> dict[str, bool]:
    """`voir` : ouvrir le tableau de bord ; `choisir_caf` : regarder une autre Caf que la
    sienne (le national seulement)."""
    national = bool(utilisateur.is_authenticated and utilisateur.est_admin_national)
    agent = agent_de(utilisateur) if utilisateur.is_authenticated else None
    return {"voir": national or agent is not None, "choisir_caf": national}


def perimetre_de(utilisateur: Utilisateur, code_caf: str = "") -> Perimetre:
    """Un agent regarde toujours sa Caf, quoi que dise l'adresse ; le national, la nation
    ou la Caf demandée (`code_caf` inconnu : la nation)."""
    if utilisateur.est_admin_national:
        caf = Caf.objects.filter(code=code_caf).first() if code_caf else None
        return Perimetre(caf)
    agent = agent_de(utilisateur)
    assert agent is not None, "capacites_statistiques est vérifiée avant"
    return Perimetre(agent.caf)
