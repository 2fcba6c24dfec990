from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clas.comptes.models import AgentCaf
from clas.comptes.roles import agent_de
from clas.core.permissions import RequeteConnectee, connexion_requise, lecture_seule_refusee
from clas.structures.models import MembreStructure, Structure

from .actions import enregistrer_campagne
from .forms import FormulaireCampagne
from .models import Campagne


@dataclass(frozen=True)
class DossierDeLaCampagne:
    pk: int
    numero: str
    structure: Structure


@dataclass
class LigneCampagne:
    campagne: Campagne
    statut: str  # "ouverte", "a_venir" ou "close"
    structures_sans_dossier: list[Structure] = field(default_factory=list)
    dossiers: list[DossierDeLaCampagne] = field(default_factory=list)


def _statut(campagne: Campagne, maintenant: dt.datetime) -> str:
    if maintenant < campagne.ouverture:
        return "a_venir"
    if maintenant >= campagne.cloture:
        return "close"
    return "ouverte"


CAMPAGNES_PAR_PAGE = 50


@connexion_requise
def campagnes_liste(request: RequeteConnectee) -> HttpResponse:
    """Les campagnes que chacun voit : le national toutes, un agent celles de sa Caf, un
    membre de structure celles de la Caf de ses structures, avec le bouton de création."""
    utilisateur = request.user
    agent = agent_de(utilisateur)
    maintenant = timezone.now()
    # Le national voit les campagnes des 101 Caf : la liste est paginée.
    page = Paginator(
        Campagne.objects.visibles_par(utilisateur)
        .select_related("caf")
        .order_by("-annee_scolaire", "caf__code", "pk"),
        CAMPAGNES_PAR_PAGE,
    ).get_page(request.GET.get("page"))
    campagnes = list(page.object_list)
    lignes = [LigneCampagne(c, _statut(c, maintenant)) for c in campagnes]

    est_membre = agent is None and not utilisateur.est_admin_national
    if est_membre and lignes:
        structures = [
            adhesion.structure
            for adhesion in MembreStructure.objects.filter(utilisateur=utilisateur)
            .select_related("structure")
            .order_by("structure__nom")
        ]
        # Par la relation inverse : les campagnes n'importent pas les dossiers (couches).
        par_structure = {s.pk: s for s in structures}
        par_cle = {
            (ligne["pk"], ligne["dossiers__campagne_id"]): DossierDeLaCampagne(
                ligne["dossiers__pk"],
                ligne["dossiers__numero"],  # type: ignore[arg-type]  # jointure filtrée : un dossier
                par_structure[ligne["pk"]],
            )
            for ligne in Structure.objects.filter(
                pk__in=par_structure, dossiers__campagne__in=campagnes
            ).values("pk", "dossiers__campagne_id", "dossiers__pk", "dossiers__numero")
        }
        for ligne in lignes:
            for structure in structures:
                if structure.caf_id != ligne.campagne.caf_id:
                    continue
                dossier = par_cle.get((structure.pk, ligne.campagne.pk))
                if dossier is not None:
                    ligne.dossiers.append(dossier)
                elif ligne.statut == "ouverte":
                    ligne.structures_sans_dossier.append(structure)

    return render(
        request,
        "campagnes/liste.html",
        {
            "titre": "Campagnes d'appel à projets",
            "lignes": lignes,
            "page": page,
            "agent": agent,
            "est_membre": est_membre,
            "voir_caf": utilisateur.est_admin_national,
            "peut_creer": agent is not None and agent.est_valideur,
        },
    )


def _valideur(request: RequeteConnectee) -> AgentCaf:
    """Seul un valideur de Caf ouvre ou modifie une campagne (pour sa propre Caf)."""
    agent = agent_de(request.user)
    if agent is None or not agent.est_valideur:
        raise PermissionDenied(
            "Seul un valideur de la Caf peut ouvrir ou modifier une campagne d'appel à projets."
        )
    return agent


@lecture_seule_refusee()
@connexion_requise
def campagne_nouvelle(request: RequeteConnectee) -> HttpResponse:
    agent = _valideur(request)
    return _formulaire(request, agent, None)


@lecture_seule_refusee()
@connexion_requise
def campagne_modifier(request: RequeteConnectee, pk: int) -> HttpResponse:
    agent = _valideur(request)
    campagne = get_object_or_404(Campagne, pk=pk, caf_id=agent.caf_id)
    return _formulaire(request, agent, campagne)


def _formulaire(
    request: RequeteConnectee, agent: AgentCaf, campagne: Campagne | None
) -> HttpResponse:
    statut = 200
    if request.method == "POST":
        formulaire = FormulaireCampagne(request.POST, caf=agent.caf, instance=campagne)
        if formulaire.is_valid():
            nouvelle = campagne is None
            campagne = enregistrer_campagne(formulaire.cleaned_data, agent, request.user, campagne)
            messages.success(
                request,
                f"Campagne « {campagne.titre} » {'ouverte' if nouvelle else 'modifiée'}.",
            )
            return redirect("campagnes_liste")
        statut = 400
    else:
        formulaire = FormulaireCampagne(caf=agent.caf, instance=campagne)
    titre = "Modifier la campagne" if campagne else "Ouvrir une campagne d'appel à projets"
    return render(
        request,
        "campagnes/formulaire.html",
        {"titre": titre, "formulaire": formulaire, "campagne": campagne, "agent": agent},
        status=statut,
    )
