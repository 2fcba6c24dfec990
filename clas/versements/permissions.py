"""Qui voit et qui fait quoi dans les paiements d'une Caf : la même réponse pour les vues, les
gabarits, le menu et l'API."""

from __future__ import annotations

from django.db.models import QuerySet

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.permissions import en_lecture_seule

from .models import LotPaiement, Versement


def capacites_paiements(utilisateur: Utilisateur) -> dict[str, bool]:
    """Ce qu'un utilisateur peut faire dans les paiements de sa Caf (vues, gabarits, menu).
    L'administration nationale voit les paiements de toutes les Caf, sans rien y faire."""
    agent = agent_de(utilisateur)
    valideur = agent is not None and agent.est_valideur
    comptable = agent is not None and agent.est_comptable
    return {
        "voir": agent is not None or en_lecture_seule(utilisateur),
        "valider": valideur,
        "payer": comptable,
        "reemettre": comptable or valideur,
        "telecharger": comptable or valideur,
        # Quatre yeux : un valideur propose le compte de la Caf, un autre valideur ou un
        # comptable l'approuve (`compte_caf`).
        "modifier_compte": valideur,
        "approuver_compte": valideur or comptable,
    }


def versements_de_la_caf(utilisateur: Utilisateur) -> QuerySet[Versement]:
    """Les versements des dossiers de la Caf de l'agent ; aucun pour les autres."""
    agent = agent_de(utilisateur)
    if agent is None:
        return Versement.objects.none()
    return Versement.objects.filter(caf_id=agent.caf_id)


def lots_de_la_caf(utilisateur: Utilisateur) -> QuerySet[LotPaiement]:
    agent = agent_de(utilisateur)
    if agent is None:
        return LotPaiement.objects.none()
    return LotPaiement.objects.filter(caf_id=agent.caf_id)


# Ce que les pages de lecture montrent : la Caf de l'agent ; pour l'administration
# nationale, toutes les Caf (lecture seule). Les actions lisent `*_de_la_caf`.


def versements_lisibles(utilisateur: Utilisateur) -> QuerySet[Versement]:
    if en_lecture_seule(utilisateur):
        return Versement.objects.all()
    return versements_de_la_caf(utilisateur)


def lots_lisibles(utilisateur: Utilisateur) -> QuerySet[LotPaiement]:
    if en_lecture_seule(utilisateur):
        return LotPaiement.objects.all()
    return lots_de_la_caf(utilisateur)
