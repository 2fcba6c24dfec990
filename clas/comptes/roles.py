"""Qui est qui : le profil d'un utilisateur, sa page d'accueil et sa navigation."""

from __future__ import annotations

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


def agent_de(utilisateur: Utilisateur | AnonymousUser) -> AgentCaf | None:
    """L'agent de Caf rattaché à cet utilisateur, ou None (mis en cache sur l'objet)."""
    if not utilisateur.is_authenticated:
        return None
    if not hasattr(utilisateur, "_agent_caf"):
        utilisateur._agent_caf = (  # type: ignore[union-attr]
            AgentCaf.objects.select_related("caf").filter(utilisateur_id=utilisateur.pk).first()
        )
    return utilisateur._agent_caf  # type: ignore[union-attr]


def nom_page_accueil(utilisateur: Utilisateur | AnonymousUser) -> str:
    """Le nom d'URL de la page où chaque rôle arrive après la connexion."""
    if not utilisateur.is_authenticated:
        return "accueil"
    if utilisateur.est_admin_national:  # type: ignore[union-attr]
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
    if not utilisateur.is_authenticated:
        liens = [("Accueil", "accueil"), ("Simulateur", "simulateur")]
    elif utilisateur.est_admin_national:  # type: ignore[union-attr]
        liens = [
            ("Tableau de bord national", "national_accueil"),
            ("Paramètres du barème", "parametres_liste"),
            ("Campagnes", "campagnes_liste"),
            ("Simulateur", "simulateur"),
        ]
    elif (agent := agent_de(utilisateur)) is not None:
        liens = [
            ("Instruction", "instruction_files"),
            ("Accueil de la Caf", "caf_accueil"),
            ("Campagnes", "campagnes_liste"),
            ("Simulateur", "simulateur"),
        ]
        if agent.est_valideur or agent.est_comptable:
            liens.insert(1, ("Paiements", "paiements_accueil"))
        if agent.est_instructeur or agent.est_valideur:
            liens.insert(1, ("Bilans", "bilans_caf"))
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
