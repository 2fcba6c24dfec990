"""Le grand livre d'une convention : chaque mouvement d'argent réel (versement payé, indu
notifié, remboursement reçu) s'inscrit ici, avec qui, quand, combien et pourquoi ; la
transition ou l'action qui le cause écrit l'événement de l'historique. Rien n'y est
jamais modifié ni effacé.

`situation` dit où en est l'argent d'une convention ; les tests vérifient que la somme des
versements payés est toujours celle des mouvements « versement payé ».
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from clas.comptes.models import Utilisateur
from clas.conventions.models import Convention

from .models import EtatVersement, Mouvement, TypeMouvement, Versement

__all__ = ["Situation", "inscrire", "situation"]

ZERO = Decimal("0.00")
# Un versement « en cours » n'est ni payé ni rejeté.
HORS_EN_COURS = (EtatVersement.PAYE, EtatVersement.REJETE)


def inscrire(
    convention: Convention,
    type_mouvement: str,
    montant: Decimal,
    motif: str,
    auteur: Utilisateur | None,
    versement: Versement | None = None,
) -> Mouvement:
    """Inscrit le mouvement. À appeler dans la transaction qui change l'état de l'argent
    (versement payé, remboursement…), qui écrit aussi l'événement de l'historique."""
    mouvement = Mouvement.objects.create(
        convention=convention,
        type=type_mouvement,
        montant=montant,
        motif=motif,
        auteur=auteur,
        versement=versement,
    )
    return mouvement


@dataclass(frozen=True)
class Situation:
    """Où en est l'argent d'une convention (tout en euros, Decimal au centime)."""

    montant_decide: Decimal  # montant maximal de la convention, avenants compris
    verse: Decimal  # versements payés (mouvements « versement payé »)
    en_cours: Decimal  # versements non rejetés pas encore payés
    indu: Decimal  # indu notifié
    rembourse: Decimal  # remboursements reçus

    @property
    def verse_net(self) -> Decimal:
        """Ce que la structure a reçu et gardé."""
        return self.verse - self.rembourse

    @property
    def reste_a_rembourser(self) -> Decimal:
        return self.indu - self.rembourse


def situation(convention: Convention, versements: Iterable[Versement] | None = None) -> Situation:
    """Deux requêtes agrégées, quel que soit le nombre de versements : une seule quand la
    page a déjà lu les versements de la convention (`versements`)."""
    if versements is None:
        en_cours = (
            (
                Versement.objects.filter(convention=convention)
                .exclude(etat__in=HORS_EN_COURS)
                .aggregate(total=Sum("montant"))["total"]
            )
            or ZERO
        )
    else:
        en_cours = sum(
            (v.montant for v in versements if v.etat not in HORS_EN_COURS),
            start=ZERO,
        )
    totaux = Mouvement.objects.filter(convention=convention).aggregate(
        **{
            str(type_mouvement): Sum("montant", filter=Q(type=type_mouvement))
            for type_mouvement in TypeMouvement
        }
    )
    return Situation(
        montant_decide=convention.montant_maximal,
        verse=totaux[TypeMouvement.VERSEMENT_PAYE] or ZERO,
        en_cours=en_cours,
        indu=totaux[TypeMouvement.INDU_NOTIFIE] or ZERO,
        rembourse=totaux[TypeMouvement.REMBOURSEMENT] or ZERO,
    )
