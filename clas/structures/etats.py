"""La table de transitions des coordonnées bancaires proposées par une structure : à
vérifier → acceptées / refusées par un valideur de la Caf, ou remplacées par une nouvelle
proposition avant d'être vérifiées. Le mécanisme commun `clas.core.etats` l'applique ;
l'historique est celui des coordonnées de la structure (`EvenementCoordonnees`)."""

from __future__ import annotations

from typing import Any

from clas.core.etats import Table, Transition

from .models import (
    ChangementCoordonnees,
    EtatCoordonnees,
    EvenementCoordonnees,
)
from .models import TypeEvenementCoordonnees as T

E = EtatCoordonnees


def journal_des_coordonnees(
    changement: ChangementCoordonnees,
    transition: Transition,
    avant: str,
    auteur: Any,
    description: str,
) -> EvenementCoordonnees:
    return EvenementCoordonnees.objects.create(
        structure_id=changement.structure_id,
        changement=changement,
        type=transition.evenement,
        auteur=auteur,
        etat_avant=avant,
        etat_apres=transition.cible,
        description=description,
    )


COORDONNEES: Table[ChangementCoordonnees] = Table(
    "coordonnees",
    ChangementCoordonnees,
    "etat",
    EtatCoordonnees,
    "ce changement de coordonnées bancaires",
    (
        Transition("accepter", frozenset({E.A_VERIFIER}), E.ACCEPTEES, T.ACCEPTEES),
        Transition("refuser", frozenset({E.A_VERIFIER}), E.REFUSEES, T.REFUSEES),
        Transition("remplacer", frozenset({E.A_VERIFIER}), E.REMPLACEES, T.REMPLACEES),
    ),
    journal_des_coordonnees,
)
