"""Qui est qui : le profil d'un utilisateur, sa page d'accueil et sa navigation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse

from .models import AgentCaf, Utilisateur


@dataclass(frozen=True)
class Lien:
    libelle: str
    url: str
    actif: bool = False


@dataclass(frozen=True)
class EntreeMenu:
    """Un lien du menu des agents, inscrit par l'application qui porte la page : il est
    montré à qui la page s'ouvre (la même fonction de capacités que la vue)."""

    ordre: int
    libelle: str
    nom_url: str
    visible: Callable[[Utilisateur], bool]


MENU_AGENTS: list[EntreeMenu] = []


def inscrire_menu_agents(
    ordre: int, libelle: str, nom_url: str, visible: Callable[[Utilisateur], bool]
) -> None:
    """Appelé par `AppConfig.ready` : les applications plus hautes (bilans, versements)
    ajoutent leur page au menu sans que les comptes les importent."""
    if any(entree.nom_url == nom_url for entree in MENU_AGENTS):
        return
    MENU_AGENTS.append(EntreeMenu(ordre, libelle, nom_url, visible))
    MENU_AGENTS.sort(key=lambda entree: entree.ordre)


def agent_de(utilisateur: Utilisateur | AnonymousUser) -> AgentCaf | None:
    """L'agent de Caf rattaché à cet utilisateur, ou None (mis en cache sur l'objet)."""
    if not utilisateur.is_authenticated:
        return None
    if not hasattr(utilisateur, "_agent_caf"):
        utilisateur._agent_caf = (
            AgentCaf.objects.select_related("caf").filter(utilisateur_id=utilisateur.pk).first()
        )
    return utilisateur._agent_caf


def nom_page_accueil(utilisateur: Utilisateur | AnonymousUser) -> str:
    """Le nom d'URL de la page où chaque rôle arrive après la connexion."""
    if not utilisateur.is_authenticated:
        return "accueil"
    if utilisateur.est_admin_national:
        return "national_accueil"
    agent = agent_de(utilisateur)
    if agent is not None:
        # Le comptable travaille sur les paiements : il y arrive directement.
        if agent.est_comptable and not (agent.est_instructeur or agent.est_valideur):
            return "paiements_accueil"
        return "caf_accueil"
    return "structure_accueil"


def liens_navigation(request: HttpRequest) -> list[Lien]:
    utilisateur = request.user
    # Double authentification pas encore passée (middleware) : les liens publics seulement.
    if not utilisateur.is_authenticated or getattr(request, "double_facteur_en_attente", False):
        liens = [("Accueil", "accueil"), ("Simulateur", "simulateur")]
    elif utilisateur.est_admin_national:
        liens = [
            ("Tableau de bord national", "national_accueil"),
            ("Paramètres du barème", "parametres_liste"),
            ("Campagnes", "campagnes_liste"),
            ("Dossiers des Caf", "instruction_files"),
            ("Équipes des Caf", "equipes_accueil"),
            ("Simulateur", "simulateur"),
            ("Statistiques", "statistiques"),
        ]
        # Les pages des agents que le national lit aussi (bilans, paiements : la même
        # fonction de capacités que la vue), après les dossiers des Caf.
        deja = {nom for _libelle, nom in liens}
        liens[4:4] = [
            (entree.libelle, entree.nom_url)
            for entree in MENU_AGENTS
            if entree.nom_url not in deja and entree.visible(utilisateur)
        ]
    elif agent_de(utilisateur) is not None:
        liens = [
            ("Instruction", "instruction_files"),
            *(
                (entree.libelle, entree.nom_url)
                for entree in MENU_AGENTS
                if entree.visible(utilisateur)
            ),
            ("Accueil de la Caf", "caf_accueil"),
            ("Campagnes", "campagnes_liste"),
            ("Simulateur", "simulateur"),
        ]
    else:
        liens = [
            ("Ma structure", "structure_accueil"),
            ("Mes dossiers", "dossiers_liste"),
            ("Simulateur", "simulateur"),
        ]
    chemin = request.path
    adresses = [(libelle, reverse(nom)) for libelle, nom in liens]
    # Un seul lien actif : le plus précis (/instruction/bilans/ → « Bilans », pas aussi
    # « Instruction »).
    actif = max(
        (url for _l, url in adresses if (chemin == url if url == "/" else chemin.startswith(url))),
        key=len,
        default=None,
    )
    return [Lien(libelle, url, url == actif) for libelle, url in adresses]
