"""Qui peut faire quoi sur une structure : une seule réponse pour les vues, les gabarits et
les actions. La visibilité (qui peut *voir*) est `Structure.objects.visibles_par(user)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from .models import MembreStructure, RoleMembre, Structure

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from clas.comptes.models import Utilisateur


def role_dans(structure: Structure, utilisateur: Utilisateur | AnonymousUser) -> str | None:
    """Le rôle de la personne dans la structure, ou None (mis en cache sur la structure)."""
    if not utilisateur.is_authenticated:
        return None
    cache: dict[int, str | None] = structure.__dict__.setdefault("_roles", {})
    if utilisateur.pk not in cache:
        cache[utilisateur.pk] = (
            MembreStructure.objects.filter(structure=structure, utilisateur_id=utilisateur.pk)
            .values_list("role", flat=True)
            .first()
        )
    return cache[utilisateur.pk]


def capacites(structure: Structure, utilisateur: Utilisateur | AnonymousUser) -> dict[str, bool]:
    role = role_dans(structure, utilisateur)
    membre = role is not None
    admin = role == RoleMembre.ADMINISTRATEUR
    return {
        "est_membre": membre,
        "est_administrateur": admin,
        "modifier": admin,
        "gerer_membres": admin,
        "deposer_piece": membre,
        "supprimer_piece": membre,
    }


def peut_examiner_coordonnees(
    structure: Structure, utilisateur: Utilisateur | AnonymousUser
) -> bool:
    """Seul un valideur de la Caf de la structure accepte ou refuse ses coordonnées
    bancaires (ni l'instructeur, ni le comptable qui paie, ni une autre Caf, ni le
    national)."""
    from clas.comptes.roles import agent_de

    agent = agent_de(utilisateur)
    return agent is not None and agent.est_valideur and agent.caf_id == structure.caf_id


def exiger(structure: Structure, utilisateur: Utilisateur | AnonymousUser, capacite: str) -> None:
    """Refuse (403, message en français) quand la personne n'a pas la capacité demandée."""
    if not capacites(structure, utilisateur)[capacite]:
        raise PermissionDenied(REFUS[capacite])


REFUS = {
    "modifier": "Seul un administrateur de la structure peut modifier sa fiche.",
    "gerer_membres": (
        "Seul un administrateur de la structure peut inviter, changer le rôle ou retirer un membre."
    ),
    "deposer_piece": "Seuls les membres de la structure peuvent déposer une pièce.",
    "supprimer_piece": "Seuls les membres de la structure peuvent supprimer une pièce.",
}
