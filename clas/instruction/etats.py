"""Les tables de transitions de la proposition (décision proposée par un instructeur,
validée ou renvoyée par un second agent) et de l'avenant (la même proposition, d'objet
« avenant ») : le mécanisme commun `clas.core.etats` les applique. Pour un avenant,
l'objet de l'historique est sa proposition (l'avenant n'existe qu'une fois validé)."""

from __future__ import annotations

from clas.core.etats import Table, Transition
from clas.dossiers.etats import journal_du_dossier
from clas.dossiers.evenements import TypeEvenement as T

from .models import ObjetProposition, Proposition, StatutProposition

S = StatutProposition

PROPOSITION: Table[Proposition] = Table(
    "proposition",
    Proposition,
    "statut",
    StatutProposition,
    "la proposition",
    (
        Transition("valider", frozenset({S.EN_ATTENTE}), S.VALIDEE, T.PROPOSITION_VALIDEE),
        Transition("renvoyer", frozenset({S.EN_ATTENTE}), S.RENVOYEE, T.RENVOI),
    ),
    journal_du_dossier,
)

AVENANT: Table[Proposition] = Table(
    "avenant",
    Proposition,
    "statut",
    StatutProposition,
    "la proposition d'avenant",
    (
        Transition("valider", frozenset({S.EN_ATTENTE}), S.VALIDEE, T.AVENANT),
        Transition("renvoyer", frozenset({S.EN_ATTENTE}), S.RENVOYEE, T.AVENANT_RENVOYE),
    ),
    journal_du_dossier,
)


def table_de(proposition: Proposition) -> Table[Proposition]:
    """La table qui s'applique à cette proposition : une décision ou un avenant."""
    return AVENANT if proposition.objet == ObjetProposition.AVENANT else PROPOSITION
