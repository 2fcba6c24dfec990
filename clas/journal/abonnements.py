"""Ce que le journal écoute lui-même dans `comptes`, plus bas que lui : les rôles des
agents et leurs connexions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clas.comptes.force_brute import adresse_ip
from clas.comptes.models import AgentCaf
from clas.comptes.roles import agent_de
from clas.comptes.sessions import ip_tronquee

from .chaine import ajouter


def _roles(agent: AgentCaf) -> dict[str, Any]:
    return {"utilisateur_id": agent.utilisateur_id, "caf_id": agent.caf_id, "roles": agent.roles}


def roles_enregistres(
    sender: type[AgentCaf], instance: AgentCaf, created: bool, raw: bool, **kwargs: Any
) -> None:
    """Un agent créé, ou ses rôles (ou sa Caf) changés : l'état qui s'applique désormais."""
    if raw:
        return
    type_ = "agent_cree" if created else "roles_agent_modifies"
    ajouter("comptes.agentcaf", type_, _roles(instance), source_id=instance.pk)


def agent_retire(sender: type[AgentCaf], instance: AgentCaf, **kwargs: Any) -> None:
    ajouter("comptes.agentcaf", "agent_retire", _roles(instance), source_id=instance.pk)


def connexion(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """La connexion d'un agent ou d'un administrateur national (adresse IP tronquée)."""
    agent = agent_de(user)
    if agent is None and not getattr(user, "est_admin_national", False):
        return
    ip = ip_tronquee(adresse_ip(request)) if request is not None else ""
    contenu = {
        "utilisateur_id": user.pk,
        "caf_id": agent.caf_id if agent else None,
        "national": bool(user.est_admin_national),
        "ip": ip,
    }
    ajouter("comptes.connexion", "connexion", contenu, source_id=user.pk, acteur_id=user.pk)
