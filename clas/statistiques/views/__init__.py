"""Les pages de pilotage : l'accueil d'une Caf, page de travail de l'agent (ce qui
l'attend selon ses rôles), puis ses structures et son équipe."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render

from clas.comptes.models import AgentCaf
from clas.comptes.roles import agent_de
from clas.core.permissions import RequeteConnectee, agent_requis
from clas.structures.models import Structure

from ..travail import groupes_de_travail

STRUCTURES_PAR_PAGE = 25


@agent_requis
def caf_accueil(request: RequeteConnectee) -> HttpResponse:
    agent = agent_de(request.user)
    assert agent is not None
    # Le Rhône compte des centaines de structures : la liste est paginée.
    structures = Paginator(
        Structure.objects.filter(caf_id=agent.caf_id)
        .annotate(nb_membres=Count("membres"))
        .order_by("nom", "pk"),
        STRUCTURES_PAR_PAGE,
    ).get_page(request.GET.get("structures"))
    collegues = (
        AgentCaf.objects.filter(caf_id=agent.caf_id)
        .select_related("utilisateur")
        .order_by("utilisateur__email")
    )
    return render(
        request,
        "statistiques/caf_accueil.html",
        {
            "titre": f"Accueil — {agent.caf.nom}",
            "agent": agent,
            "groupes": groupes_de_travail(agent, request.user),
            "structures": structures,
            "collegues": collegues,
        },
    )
