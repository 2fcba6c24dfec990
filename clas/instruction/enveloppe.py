"""L'enveloppe budgétaire d'une campagne : ce qui est décidé, ce qui est proposé, ce qui reste.

- décidé : la somme des montants des décisions d'accord de la campagne ;
- proposé : la somme des montants des propositions d'accord en attente de validation ;
- reste : enveloppe − décidé − proposé (négatif si l'enveloppe est dépassée).

Les montants sont calculés en base (sous-requêtes), jamais dossier par dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from clas.campagnes.models import Campagne
from clas.core.chiffres_en_cache import en_cache_selon_requetes

from .models import Decision, NatureDecision, Proposition, StatutProposition


class Enveloppe(TypedDict):
    """Ce que `avec_enveloppe` annote sur une campagne."""

    montant_propose: Decimal
    montant_decide: Decimal


if TYPE_CHECKING:
    from collections.abc import Iterable

    # django-stubs-ext n'est installé qu'avec les outils : ces types restent pour mypy.
    from django_stubs_ext import WithAnnotations

    # Une campagne lue par `avec_enveloppe`.
    CampagneAvecEnveloppe = WithAnnotations[Campagne, Enveloppe]

ZERO = Decimal("0.00")
_MONTANT = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Situation:
    """La situation de l'enveloppe d'une campagne. C'est la variable `situation` du
    gabarit `instruction/_enveloppe.html`."""

    enveloppe: Decimal
    propose: Decimal
    decide: Decimal
    reste: Decimal
    campagne: Campagne | None = None

    @property
    def engage(self) -> Decimal:
        """Décidé + proposé."""
        return self.decide + self.propose

    @property
    def depassee(self) -> bool:
        return self.reste < 0

    @property
    def depassement(self) -> Decimal:
        return -self.reste if self.reste < 0 else ZERO

    def _part(self, montant: Decimal) -> int:
        if self.enveloppe <= 0:
            return 100 if montant > 0 else 0
        return max(0, min(100, int(montant * 100 / self.enveloppe)))

    @property
    def part_decidee(self) -> int:
        """Largeur (en %) de la barre « décidé », entre 0 et 100."""
        return self._part(self.decide)

    @property
    def part_proposee(self) -> int:
        """Largeur (en %) de la barre « proposé », la barre entière ne dépassant pas 100."""
        return max(0, min(100 - self.part_decidee, self._part(self.propose)))

    @property
    def part_engagee(self) -> int:
        """Part de l'enveloppe engagée (décidé + proposé), en % arrondi, plafonnée à 999."""
        if self.enveloppe <= 0:
            return 100 if self.engage > 0 else 0
        return min(999, int(self.engage * 100 / self.enveloppe))


def _somme_proposee(exclure: int | None = None) -> Coalesce:
    propositions = Proposition.objects.filter(
        dossier__campagne_id=OuterRef("pk"),
        statut=StatutProposition.EN_ATTENTE,
        nature=NatureDecision.ACCORD,
    )
    if exclure is not None:
        propositions = propositions.exclude(pk=exclure)
    somme = (
        propositions.order_by()
        .values("dossier__campagne_id")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    return Coalesce(Subquery(somme, output_field=_MONTANT), Value(ZERO), output_field=_MONTANT)


def _somme_decidee() -> Coalesce:
    somme = (
        Decision.objects.filter(dossier__campagne_id=OuterRef("pk"), nature=NatureDecision.ACCORD)
        .order_by()
        .values("dossier__campagne_id")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    return Coalesce(Subquery(somme, output_field=_MONTANT), Value(ZERO), output_field=_MONTANT)


def avec_enveloppe(
    campagnes: QuerySet[Campagne], exclure_proposition: int | None = None
) -> QuerySet[CampagneAvecEnveloppe]:
    """Annote `montant_propose` et `montant_decide` sur des campagnes, en une seule requête."""
    return campagnes.annotate(
        montant_propose=_somme_proposee(exclure_proposition), montant_decide=_somme_decidee()
    )


def situation_de(campagne: CampagneAvecEnveloppe) -> Situation:
    """La situation d'une campagne annotée par `avec_enveloppe` (aucune requête)."""
    enveloppe = Decimal(campagne.enveloppe)
    propose = Decimal(campagne.montant_propose or ZERO)
    decide = Decimal(campagne.montant_decide or ZERO)
    return Situation(
        enveloppe=enveloppe,
        propose=propose,
        decide=decide,
        reste=enveloppe - decide - propose,
        campagne=campagne,
    )


def situations(campagnes: Iterable[CampagneAvecEnveloppe]) -> list[Situation]:
    return [situation_de(campagne) for campagne in campagnes]


def situation_enveloppe(campagne: Campagne) -> Situation:
    """La situation de l'enveloppe d'une campagne (une requête, qui somme les décisions et
    propositions de toute la campagne), en cache tant que les données ne changent pas ;
    toujours lue en base dans une transaction (une décision la vérifie sous verrou :
    `depasse_enveloppe`)."""
    annotee = avec_enveloppe(Campagne.objects.filter(pk=campagne.pk))
    return en_cache_selon_requetes(
        "enveloppe", [annotee], lambda: situation_de(annotee.get()), Situation
    )


def depasse_enveloppe(
    campagne: Campagne,
    montant: Decimal | int | str | None,
    proposition_exclue: Proposition | int | None = None,
) -> bool:
    """Vrai si proposer `montant` en accord ferait dépasser l'enveloppe de la campagne,
    compte tenu de ce qui est déjà décidé et proposé. `proposition_exclue` (une proposition
    ou son id) n'est pas comptée : celle que l'on remplace ou que l'on valide."""
    exclue = proposition_exclue.pk if isinstance(proposition_exclue, Proposition) else None
    if isinstance(proposition_exclue, int):
        exclue = proposition_exclue
    annotee = avec_enveloppe(Campagne.objects.filter(pk=campagne.pk), exclue).get()
    situation = situation_de(annotee)
    return Decimal(str(montant or 0)) > situation.reste
