"""Qui peut faire quoi sur un dossier : une seule réponse pour les vues, les gabarits et l'API."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from clas.comptes.models import Utilisateur
from clas.structures.models import MembreStructure, RoleMembre

from .models import Dossier, EtatDossier

ROLES_SIGNATAIRES = {RoleMembre.ADMINISTRATEUR, RoleMembre.SIGNATAIRE}


def role_dans_structure(dossier: Dossier, utilisateur: Utilisateur) -> str | None:
    if not utilisateur.is_authenticated:
        return None
    return (
        MembreStructure.objects.filter(structure_id=dossier.structure_id, utilisateur=utilisateur)
        .values_list("role", flat=True)
        .first()
    )


def capacites(dossier: Dossier, utilisateur: Utilisateur) -> dict[str, bool]:
    role = role_dans_structure(dossier, utilisateur)
    membre = role is not None
    modifiable = dossier.etat == EtatDossier.BROUILLON or (
        dossier.etat == EtatDossier.COMPLEMENTS_DEMANDES and bool(dossier.etapes_a_completer)
    )
    return {
        "voir": membre,
        "modifier": membre and modifiable,
        "signer_attestation": membre and modifiable and role in ROLES_SIGNATAIRES,
        "deposer": membre and modifiable and role in ROLES_SIGNATAIRES,
        # Un dossier clôturé est en lecture seule : plus de messages.
        "ecrire_message": membre
        and dossier.etat not in (EtatDossier.BROUILLON, EtatDossier.CLOTURE),
        "reprendre": membre,
    }


def etape_modifiable(dossier: Dossier, etape: str) -> bool:
    """En compléments demandés, seules les étapes demandées par la Caf se rouvrent."""
    if dossier.etat == EtatDossier.BROUILLON:
        return True
    return dossier.etat == EtatDossier.COMPLEMENTS_DEMANDES and etape in dossier.etapes_a_completer


def dossier_echange_ou_404(utilisateur: Utilisateur, pk: int) -> Dossier:
    """Un dossier dont la personne voit les documents échangés (membres de la structure,
    agents de la Caf du dossier) ; 404 sinon."""
    return get_object_or_404(
        Dossier.objects.echanges_par(utilisateur).select_related("campagne"), pk=pk
    )
