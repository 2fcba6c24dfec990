"""La machine à états du dossier (CLAS.md §2.3) : une table de transitions explicites.

Chaque transition vérifie l'état de départ, change l'état et écrit l'événement
d'historique dans la même transaction. Les effets de bord (courriels…) se font dans les
actions, après validation de la transaction (`transaction.on_commit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from clas.comptes.models import Utilisateur

from .models import Dossier, EtatDossier, Evenement

E = EtatDossier


@dataclass(frozen=True)
class Transition:
    nom: str
    sources: frozenset[str]
    cible: str
    libelle: str


TRANSITIONS = {
    t.nom: t
    for t in (
        Transition("deposer", frozenset({E.BROUILLON}), E.DEPOSE, "Dossier déposé"),
        Transition(
            "prendre_en_instruction",
            frozenset({E.DEPOSE}),
            E.EN_INSTRUCTION,
            "Dossier pris en instruction",
        ),
        Transition(
            "demander_complements",
            frozenset({E.EN_INSTRUCTION}),
            E.COMPLEMENTS_DEMANDES,
            "Compléments demandés",
        ),
        Transition(
            "deposer_complements",
            frozenset({E.COMPLEMENTS_DEMANDES}),
            E.EN_INSTRUCTION,
            "Compléments déposés",
        ),
        Transition("accepter", frozenset({E.EN_INSTRUCTION}), E.ACCEPTE, "Dossier accepté"),
        Transition("refuser", frozenset({E.EN_INSTRUCTION}), E.REFUSE, "Dossier refusé"),
        Transition(
            "classer_sans_suite",
            frozenset({E.DEPOSE, E.EN_INSTRUCTION, E.COMPLEMENTS_DEMANDES}),
            E.SANS_SUITE,
            "Dossier classé sans suite",
        ),
        # Bilan accepté, et solde payé ou indu remboursé (conventions.regularisation).
        Transition("cloturer", frozenset({E.ACCEPTE}), E.CLOTURE, "Dossier clôturé"),
    )
}


class TransitionImpossible(Exception):
    """L'état du dossier ne permet pas cette transition (souvent : quelqu'un d'autre
    vient d'agir sur le dossier)."""


@transaction.atomic
def appliquer(
    dossier: Dossier,
    nom: str,
    auteur: Utilisateur | None,
    description: str = "",
    public: bool = True,
) -> Evenement:
    transition = TRANSITIONS[nom]
    # Relire l'état sous verrou : deux actions simultanées ne passent pas toutes les deux.
    etat_actuel = (
        Dossier.objects.select_for_update().values_list("etat", flat=True).get(pk=dossier.pk)
    )
    if etat_actuel not in transition.sources:
        raise TransitionImpossible(
            f"Action impossible : le dossier est « {E(etat_actuel).label} »."
        )
    dossier.etat = transition.cible
    Dossier.objects.filter(pk=dossier.pk).update(etat=transition.cible)
    return Evenement.objects.create(
        dossier=dossier,
        auteur=auteur,
        type=nom,
        etat_avant=etat_actuel,
        etat_apres=transition.cible,
        description=description or transition.libelle,
        public=public,
    )
