"""Les tables de transitions des structures, appliquées par le mécanisme commun
`clas.core.etats`. COORDONNEES : les coordonnées bancaires proposées par une structure, à
vérifier → acceptées / refusées par un valideur de la Caf, ou remplacées par une nouvelle
proposition avant d'être vérifiées (historique `EvenementCoordonnees`). TRANSFERT : le
passage d'une structure à une autre Caf, à confirmer → confirmé / refusé par un agent de la
Caf actuelle, ou annulé par une nouvelle saisie de la fiche (journal `EvenementTransfert`)."""

from __future__ import annotations

from typing import Any

from clas.core.etats import Table, Transition

from .models import (
    ChangementCoordonnees,
    EtatCoordonnees,
    EtatTransfert,
    EvenementCoordonnees,
    EvenementTransfert,
    TransfertStructure,
)
from .models import TypeEvenementCoordonnees as T
from .models import TypeEvenementTransfert as TT

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


def journal_des_transferts(
    transfert: TransfertStructure,
    transition: Transition,
    avant: str,
    auteur: Any,
    description: str,
) -> EvenementTransfert:
    return EvenementTransfert.objects.create(
        structure_id=transfert.structure_id,
        transfert=transfert,
        type=transition.evenement,
        auteur=auteur,
        etat_avant=avant,
        etat_apres=transition.cible,
        description=description,
    )


ET = EtatTransfert
TRANSFERT: Table[TransfertStructure] = Table(
    "transfert",
    TransfertStructure,
    "etat",
    EtatTransfert,
    "ce transfert",
    (
        Transition("confirmer", frozenset({ET.A_CONFIRMER}), ET.CONFIRME, TT.CONFIRME),
        Transition("refuser", frozenset({ET.A_CONFIRMER}), ET.REFUSE, TT.REFUSE),
        Transition("annuler", frozenset({ET.A_CONFIRMER}), ET.ANNULE, TT.ANNULE),
    ),
    journal_des_transferts,
)
