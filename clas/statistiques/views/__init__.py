"""Les pages de pilotage : l'accueil d'une Caf, page de travail de l'agent (ce qui
l'attend selon ses rôles), puis ses structures et son équipe."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render

from clas.comptes.models import AgentCaf
from clas.comptes.roles import agent_de
from clas.core.chiffres_en_cache import PaginateurCompteEnCache
from clas.core.permissions import RequeteConnectee, agent_requis
from clas.structures.models import MembreStructure, Structure

from ..travail import groupes_de_travail

STRUCTURES_PAR_PAGE = 25


def _nombre_de_membres() -> Coalesce:
    """Compté par une sous-requête, pour les seules structures de la page : une jointure
    groupée lirait les membres de tout le pays avant de paginer."""
    membres = (
        MembreStructure.objects.filter(structure=OuterRef("pk"))
        .order_by()
        .values("structure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(membres), 0)


@agent_requis
def caf_accueil(request: RequeteConnectee) -> HttpResponse:
    agent = agent_de(request.user)
    assert agent is not None
    # Le Rhône compte des centaines de structures : la liste est paginée.
    structures = PaginateurCompteEnCache(
        Structure.objects.filter(caf_id=agent.caf_id)
        .annotate(nb_membres=_nombre_de_membres())
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
