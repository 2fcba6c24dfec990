"""Qui peut faire quoi côté Caf : une seule réponse pour les vues, les gabarits et les actions."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from clas.comptes.equipes import est_responsable_de
from clas.comptes.models import AgentCaf, Utilisateur
from clas.comptes.roles import agent_de

# Le refus commun à l'administration nationale, relu ici par les vues de l'instruction.
from clas.core.permissions import LECTURE_SEULE as LECTURE_SEULE
from clas.core.permissions import en_lecture_seule as en_lecture_seule
from clas.core.permissions import refuser_en_lecture_seule as refuser_en_lecture_seule
from clas.dossiers.models import Dossier, DossierQuerySet, EtatDossier

from .models import Proposition, StatutProposition

E = EtatDossier


def dossiers_de_la_caf(utilisateur: Utilisateur) -> DossierQuerySet:
    """Les dossiers qu'un agent instruit ou suit : ceux de sa Caf, hors brouillons."""
    agent = agent_de(utilisateur)
    if agent is None:
        return Dossier.objects.none()
    return Dossier.objects.filter(campagne__caf_id=agent.caf_id).exclude(etat=E.BROUILLON)


def peut_attribuer(utilisateur: Utilisateur, caf_id: int) -> bool:
    """Le responsable de la Caf attribue ses dossiers aux instructeurs (un ou plusieurs)."""
    return est_responsable_de(utilisateur, caf_id)


def dossiers_lisibles(utilisateur: Utilisateur) -> DossierQuerySet:
    """Ce que la file et la page du dossier montrent : les dossiers de la Caf de l'agent ;
    pour l'administration nationale, ceux de toutes les Caf (hors brouillons)."""
    if en_lecture_seule(utilisateur):
        return Dossier.objects.exclude(etat=E.BROUILLON)
    return dossiers_de_la_caf(utilisateur)


def dossier_de_la_caf_ou_404(utilisateur: Utilisateur, pk: int) -> Dossier:
    """Le dossier, s'il est de la Caf de l'agent ; 404 sinon (même pour un dossier qui existe)."""
    return get_object_or_404(
        dossiers_de_la_caf(utilisateur).select_related("campagne__caf", "structure"), pk=pk
    )


def capacites_agent(
    dossier: Dossier, utilisateur: Utilisateur, proposition: Proposition | None
) -> dict[str, bool]:
    """`proposition` : la proposition en attente du dossier, s'il y en a une."""
    agent: AgentCaf | None = agent_de(utilisateur)
    de_la_caf = agent is not None and agent.caf_id == dossier.campagne.caf_id
    instructeur = de_la_caf and agent is not None and agent.est_instructeur
    valideur = de_la_caf and agent is not None and agent.est_valideur
    attribue = dossier.instructeur_id == utilisateur.pk
    en_instruction = dossier.etat == E.EN_INSTRUCTION
    en_attente = proposition is not None and proposition.statut == StatutProposition.EN_ATTENTE
    return {
        "voir": (de_la_caf or en_lecture_seule(utilisateur)) and dossier.etat != E.BROUILLON,
        "lecture_seule": en_lecture_seule(utilisateur),
        "prendre": instructeur
        and dossier.etat in {E.DEPOSE, E.EN_INSTRUCTION, E.COMPLEMENTS_DEMANDES}
        and not attribue,
        "instruire": instructeur and attribue and en_instruction and not en_attente,
        # Un dossier clôturé est en lecture seule : plus d'annotation ni de message.
        "annoter": de_la_caf and dossier.etat != E.CLOTURE,
        "ecrire": de_la_caf and dossier.etat not in (E.BROUILLON, E.CLOTURE),
        "demander_complements": instructeur and attribue and en_instruction and not en_attente,
        "proposer": instructeur and attribue and en_instruction and not en_attente,
        # Jamais sa propre proposition : le bouton disparaît et le serveur refuse.
        "valider": valideur
        and dossier.etat != E.CLOTURE
        and en_attente
        and proposition is not None
        and proposition.auteur_id != utilisateur.pk,
    }
