"""Qui signe une convention, qui propose et valide un avenant : la même réponse pour les vues,
les gabarits et l'API."""

from __future__ import annotations

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.dossiers.models import Dossier
from clas.dossiers.permissions import ROLES_SIGNATAIRES, role_dans_structure
from clas.instruction.models import (
    ObjetProposition,
    Proposition,
    StatutProposition,
)

from .avenants import obstacle_avenant
from .models import Convention


def capacites_avenant(
    dossier: Dossier,
    utilisateur: Utilisateur,
    convention: Convention | None,
    en_attente: Proposition | None,
) -> dict[str, bool]:
    """Proposer : un instructeur de la Caf du dossier, si l'avenant est possible et
    qu'aucune proposition n'attend. Valider : un valideur de la Caf, autre que l'auteur."""
    agent = agent_de(utilisateur) if utilisateur.is_authenticated else None
    de_la_caf = agent is not None and agent.caf_id == dossier.campagne.caf_id
    possible = not obstacle_avenant(dossier, convention)
    avenant_en_attente = (
        en_attente is not None
        and en_attente.objet == ObjetProposition.AVENANT
        and en_attente.statut == StatutProposition.EN_ATTENTE
    )
    return {
        "proposer": de_la_caf
        and agent is not None
        and agent.est_instructeur
        and possible
        and en_attente is None,
        "valider": de_la_caf
        and agent is not None
        and agent.est_valideur
        and possible
        and avenant_en_attente
        and en_attente is not None
        and en_attente.auteur_id != utilisateur.pk,
    }


def peut_signer(dossier: Dossier, utilisateur: Utilisateur) -> bool:
    """Un signataire ou un administrateur de la structure du dossier."""
    return role_dans_structure(dossier, utilisateur) in ROLES_SIGNATAIRES
