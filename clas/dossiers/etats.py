"""La machine à états du dossier (CLAS.md §2.3) : sa table de transitions, appliquée par
le mécanisme commun (`clas.core.etats`) qui vérifie l'état de départ sous verrou, change
l'état et écrit l'événement d'historique dans la même transaction. Les effets de bord
(courriels…) se font dans les actions, après validation (`transaction.on_commit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clas.comptes.models import Utilisateur
from clas.core.etats import Table, Transition, TransitionImpossible
from clas.journal.chaine import recopier_en_masse

from .evenements import TypeEvenement as T
from .evenements import fiche
from .models import Dossier, EtatDossier, Evenement

__all__ = [
    "DOSSIER",
    "TransitionImpossible",
    "appliquer",
    "journal_du_dossier",
    "journaux_du_dossier",
]

E = EtatDossier


def journal_du_dossier(
    objet: Any, transition: Transition, avant: str, auteur: Any, description: str
) -> Evenement:
    """L'événement d'une transition d'un objet du dossier (le dossier lui-même, un
    versement, le bilan…) : son type, l'objet et son état avant et après."""
    dossier = objet if isinstance(objet, Dossier) else _dossier_de(objet)
    return Evenement.objects.create(
        dossier=dossier,
        auteur=auteur,
        type=transition.evenement,
        objet_id=objet.pk,
        etat_avant=avant,
        etat_apres=transition.cible,
        description=description,
    )


def journaux_du_dossier(
    lignes: Sequence[tuple[Any, str, str]], transition: Transition, auteur: Any
) -> list[Evenement]:
    """`journal_du_dossier` pour plusieurs objets, en une insertion : l'objet et la
    visibilité viennent du catalogue, comme dans `Evenement.save` (que bulk_create
    n'appelle pas) ; le journal les recopie en une fois (bulk_create n'envoie pas le
    post_save auquel il est abonné)."""
    fiche_ = fiche(transition.evenement)
    evenements = [
        Evenement(
            dossier=objet if isinstance(objet, Dossier) else _dossier_de(objet),
            auteur=auteur,
            type=transition.evenement,
            objet=fiche_.objet,
            public=fiche_.public,
            objet_id=objet.pk,
            etat_avant=avant,
            etat_apres=transition.cible,
            description=description,
        )
        for objet, avant, description in lignes
    ]
    crees = Evenement.objects.bulk_create(evenements, batch_size=500)
    recopier_en_masse(crees)
    return crees


def _dossier_de(objet: Any) -> Dossier:
    """Le dossier d'un objet d'un flux : directement (proposition) ou par sa convention
    (versement, bilan, indu)."""
    dossier: Dossier = objet.dossier if hasattr(objet, "dossier") else objet.convention.dossier
    return dossier


DOSSIER: Table[Dossier] = Table(
    "dossier",
    Dossier,
    "etat",
    EtatDossier,
    "le dossier",
    (
        Transition("deposer", frozenset({E.BROUILLON}), E.DEPOSE, T.DEPOSER),
        Transition(
            "prendre_en_instruction",
            frozenset({E.DEPOSE}),
            E.EN_INSTRUCTION,
            T.PRENDRE_EN_INSTRUCTION,
        ),
        Transition(
            "demander_complements",
            frozenset({E.EN_INSTRUCTION}),
            E.COMPLEMENTS_DEMANDES,
            T.DEMANDER_COMPLEMENTS,
        ),
        Transition(
            "deposer_complements",
            frozenset({E.COMPLEMENTS_DEMANDES}),
            E.EN_INSTRUCTION,
            T.DEPOSER_COMPLEMENTS,
        ),
        Transition("accepter", frozenset({E.EN_INSTRUCTION}), E.ACCEPTE, T.ACCEPTER),
        Transition("refuser", frozenset({E.EN_INSTRUCTION}), E.REFUSE, T.REFUSER),
        Transition(
            "classer_sans_suite",
            frozenset({E.DEPOSE, E.EN_INSTRUCTION, E.COMPLEMENTS_DEMANDES}),
            E.SANS_SUITE,
            T.CLASSER_SANS_SUITE,
        ),
        # Bilan accepté, et solde payé ou indu remboursé (bilans.regularisation).
        Transition("cloturer", frozenset({E.ACCEPTE}), E.CLOTURE, T.CLOTURER),
    ),
    journal_du_dossier,
)

TRANSITIONS = DOSSIER.transitions


def appliquer(
    dossier: Dossier, nom: str, auteur: Utilisateur | None, description: str = ""
) -> Evenement:
    """Applique la transition `nom` au dossier (voir `clas.core.etats.Table.appliquer`)."""
    evenement: Evenement = DOSSIER.appliquer(dossier, nom, auteur, description)
    return evenement
