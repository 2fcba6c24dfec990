"""Les tables de transitions des structures, appliquées par le mécanisme commun
`clas.core.etats`. COORDONNEES : les coordonnées bancaires proposées par une structure, à
vérifier → acceptées / refusées par un valideur de la Caf, ou remplacées par une nouvelle
proposition avant d'être vérifiées (historique `EvenementCoordonnees`). TRANSFERT : le
passage d'une structure à une autre Caf, à confirmer → confirmé / refusé par un agent de la
Caf actuelle, ou annulé par une nouvelle saisie de la fiche (journal `EvenementTransfert`)."""

from __future__ import annotations

from clas.core.etats import Table, Transition, journal_dans

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


journal_des_coordonnees = journal_dans(EvenementCoordonnees, "changement", "structure_id")


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


journal_des_transferts = journal_dans(EvenementTransfert, "transfert", "structure_id")


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
