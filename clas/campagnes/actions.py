"""Les actions sur les campagnes : ouvrir et modifier un appel à projets."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from clas.comptes.models import AgentCaf, Utilisateur

from .models import Campagne


@transaction.atomic
def enregistrer_campagne(
    donnees: dict[str, Any],
    agent: AgentCaf,
    auteur: Utilisateur,
    campagne: Campagne | None = None,
) -> Campagne:
    """Crée (ou modifie) la campagne de la Caf de l'agent à partir d'un formulaire valide."""
    if campagne is None:
        campagne = Campagne(caf_id=agent.caf_id, cree_par=auteur)
    campagne.annee_scolaire = donnees["annee_scolaire"]
    campagne.titre = donnees["titre"].strip()
    campagne.ouverture = donnees["ouverture"]
    campagne.cloture = donnees["cloture"]
    campagne.enveloppe = donnees["enveloppe"]
    campagne.full_clean()
    campagne.save()
    return campagne
