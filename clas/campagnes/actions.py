"""Les actions sur les campagnes : ouvrir et modifier un appel à projets. L'une et l'autre
sont journalisées (`clas.journal`) : l'enveloppe et les dates décident de qui dépose et
de combien la Caf engage."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from clas.comptes.models import AgentCaf, Utilisateur
from clas.journal.chaine import ajouter, champs_de, noter_changements

from .models import Campagne


@transaction.atomic
def enregistrer_campagne(
    donnees: dict[str, Any],
    agent: AgentCaf,
    auteur: Utilisateur,
    campagne: Campagne | None = None,
) -> Campagne:
    """Crée (ou modifie) la campagne de la Caf de l'agent à partir d'un formulaire valide."""
    creation = campagne is None
    if campagne is None:
        campagne = Campagne(caf_id=agent.caf_id, cree_par=auteur)
    else:  # l'état d'avant est celui de la base, relu sous verrou
        campagne = Campagne.objects.select_for_update().get(pk=campagne.pk)
    avant = champs_de(campagne)
    campagne.annee_scolaire = donnees["annee_scolaire"]
    campagne.titre = donnees["titre"].strip()
    campagne.ouverture = donnees["ouverture"]
    campagne.cloture = donnees["cloture"]
    campagne.enveloppe = donnees["enveloppe"]
    campagne.full_clean()
    campagne.save()
    if creation:
        ajouter(
            "campagnes.campagne",
            "campagne_creee",
            champs_de(campagne),
            source_id=campagne.pk,
            acteur_id=auteur.pk,
        )
    else:
        noter_changements(campagne, avant, "campagne_modifiee", auteur.pk)
    return campagne
