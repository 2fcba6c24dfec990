"""La table de transitions du versement (CLAS.md §2.3) : à valider → validé → mis en
paiement (→ accepté par la banque) → payé ou rejeté ; validé → à valider quand le compte
accepté de la structure change avant le lot. Un versement rejeté n'est jamais repris : sa
réémission est un nouveau versement « à valider ». Le mécanisme commun `clas.core.etats`
l'applique."""

from __future__ import annotations

from clas.core.etats import Table, Transition
from clas.dossiers.etats import journal_du_dossier, journaux_du_dossier
from clas.dossiers.evenements import TypeEvenement as T

from .models import EtatVersement, Versement

E = EtatVersement
# Chez la banque, pas encore réglé : la banque peut encore le payer ou le rejeter.
EN_BANQUE = frozenset({E.MIS_EN_PAIEMENT, E.ACCEPTE_BANQUE})

VERSEMENT: Table[Versement] = Table(
    "versement",
    Versement,
    "etat",
    EtatVersement,
    "le versement",
    (
        Transition("valider", frozenset({E.A_VALIDER}), E.VALIDE, T.VERSEMENT_VALIDE),
        # Les coordonnées bancaires de la structure ont changé après la validation : le
        # versement, pas encore dans un lot, est à valider de nouveau sur le nouveau compte.
        Transition("revalider", frozenset({E.VALIDE}), E.A_VALIDER, T.VERSEMENT_A_REVALIDER),
        Transition(
            "mettre_en_paiement",
            frozenset({E.VALIDE}),
            E.MIS_EN_PAIEMENT,
            T.VERSEMENT_MIS_EN_PAIEMENT,
        ),
        # La banque a accepté l'ordre (pain.002 ACTC, ACCP, ACSP) sans l'avoir encore réglé.
        Transition(
            "accepter_banque",
            frozenset({E.MIS_EN_PAIEMENT}),
            E.ACCEPTE_BANQUE,
            T.VERSEMENT_ACCEPTE_BANQUE,
        ),
        Transition("payer", EN_BANQUE, E.PAYE, T.VERSEMENT_PAYE),
        Transition("rejeter", EN_BANQUE, E.REJETE, T.VERSEMENT_REJETE),
    ),
    journal_du_dossier,
    journal_en_masse=journaux_du_dossier,
)
