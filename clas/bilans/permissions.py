"""Qui voit et qui fait quoi sur un bilan et un indu : la même réponse pour les vues, les
gabarits, le menu et l'API."""

from __future__ import annotations

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.conventions.models import Convention
from clas.core.permissions import en_lecture_seule
from clas.dossiers.models import (
    Dossier,
    EtatDossier,
)
from clas.dossiers.permissions import ROLES_SIGNATAIRES, role_dans_structure

from .models import Bilan, EtatBilan

ETATS_MODIFIABLES = (EtatBilan.BROUILLON, EtatBilan.A_CORRIGER)


def capacites_bilan(
    dossier: Dossier, convention: Convention, bilan: Bilan | None, utilisateur: Utilisateur
) -> dict[str, bool]:
    """La même réponse pour les vues, les gabarits et les actions."""
    role = role_dans_structure(dossier, utilisateur) if utilisateur.is_authenticated else None
    agent = agent_de(utilisateur)
    etat = bilan.etat if bilan is not None else EtatBilan.BROUILLON
    ouvert = (
        convention.est_signee and dossier.etat == EtatDossier.ACCEPTE and etat in ETATS_MODIFIABLES
    )
    de_la_caf = agent is not None and agent.caf_id == dossier.campagne.caf_id
    examinateur = de_la_caf and agent is not None and (agent.est_instructeur or agent.est_valideur)
    return {
        "voir": role is not None,
        "saisir": role is not None and ouvert,
        "deposer": role in ROLES_SIGNATAIRES and ouvert,
        "voir_caf": de_la_caf,
        "examiner": examinateur and etat == EtatBilan.DEPOSE,
    }


def capacites_bilans_caf(utilisateur: Utilisateur) -> dict[str, bool]:
    """La liste des bilans de la Caf (page et menu) : tout agent la lit ; l'instructeur et
    le valideur examinent. L'administration nationale lit celles de toutes les Caf, sans
    rien examiner."""
    agent = agent_de(utilisateur)
    return {
        "voir": agent is not None or en_lecture_seule(utilisateur),
        "examiner": agent is not None and (agent.est_instructeur or agent.est_valideur),
    }


def capacites_indu(dossier: Dossier, utilisateur: Utilisateur) -> dict[str, bool]:
    """Qui enregistre un remboursement : un comptable ou un valideur de la Caf du dossier,
    tant que le dossier n'est pas clôturé (un dossier clôturé est en lecture seule)."""
    agent = agent_de(utilisateur) if utilisateur.is_authenticated else None
    de_la_caf = agent is not None and agent.caf_id == dossier.campagne.caf_id
    return {
        "enregistrer_remboursement": de_la_caf
        and agent is not None
        and (agent.est_comptable or agent.est_valideur)
        and dossier.etat == EtatDossier.ACCEPTE,
    }
