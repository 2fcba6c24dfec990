"""Les tables de transitions du bilan (brouillon → déposé → corrections demandées ↺ →
accepté) et de l'indu (à rembourser → remboursé), appliquées par le mécanisme commun
`clas.core.etats`."""

from __future__ import annotations

from clas.core.etats import Table, Transition
from clas.dossiers.etats import journal_du_dossier
from clas.dossiers.evenements import TypeEvenement as T

from .models import Bilan, EtatBilan, EtatIndu, Indu

B = EtatBilan

BILAN: Table[Bilan] = Table(
    "bilan",
    Bilan,
    "etat",
    EtatBilan,
    "le bilan",
    (
        Transition("deposer", frozenset({B.BROUILLON, B.A_CORRIGER}), B.DEPOSE, T.BILAN_DEPOSE),
        Transition("demander_corrections", frozenset({B.DEPOSE}), B.A_CORRIGER, T.BILAN_A_CORRIGER),
        Transition("accepter", frozenset({B.DEPOSE}), B.ACCEPTE, T.BILAN_ACCEPTE),
    ),
    journal_du_dossier,
    horodatage="updated_at",
)

INDU: Table[Indu] = Table(
    "indu",
    Indu,
    "etat",
    EtatIndu,
    "l'indu",
    (Transition("rembourser", frozenset({EtatIndu.OUVERT}), EtatIndu.REMBOURSE, T.INDU_REMBOURSE),),
    journal_du_dossier,
)
