"""Le mécanisme commun des machines à états : une table de transitions par flux (dossier,
proposition, avenant, versement, bilan, indu), déclarée dans le module `etats` de son
application.

Une transition a des sources explicites (pas de joker) et une cible. `Table.appliquer`
relit l'état sous verrou, vérifie la source, écrit l'état (et les champs qui vont avec)
et l'événement d'historique dans la même transaction ; les effets de bord (PDF,
courriels) restent à la charge de l'appelant, en `transaction.on_commit`. Aucun autre
code n'écrit un champ d'état : un test parcourt le code pour le vérifier.

Le registre `TABLES` permet d'afficher l'état d'un objet par son libellé (« Validé →
Payé ») sans importer l'application qui le déclare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

from .exceptions import ActionImpossible

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Transition:
    """`nom` → de l'un des états `sources` à `cible` ; l'événement `evenement` (catalogue
    des événements, `clas.dossiers.evenements`) est écrit dans l'historique."""

    nom: str
    sources: frozenset[str]
    cible: str
    evenement: str


class TransitionImpossible(ActionImpossible):
    """L'état de l'objet ne permet pas cette transition (souvent : quelqu'un d'autre vient
    d'agir)."""


# Écrit l'événement d'historique : (objet, transition, état avant, auteur, description).
Journal = Callable[[Any, Transition, str, Any, str], Any]
# Écrit en une fois les événements de plusieurs objets : [(objet, état avant, description)].
JournalEnMasse = Callable[[Sequence[tuple[Any, str, str]], Transition, Any], list[Any]]


def journal_dans(modele: type[models.Model], lien: str, proprietaire: str) -> Journal:
    """Le journal d'une table dont chaque transition ajoute une ligne à `modele` : l'objet
    sous `lien`, son propriétaire (`structure_id`, `caf_id`…) recopié de l'objet, et les
    champs communs (type, auteur, état avant et après, description)."""

    def ecrire(objet: Any, transition: Transition, avant: str, auteur: Any, texte: str) -> Any:
        return modele._default_manager.create(
            **{lien: objet, proprietaire: getattr(objet, proprietaire)},
            type=transition.evenement,
            auteur=auteur,
            etat_avant=avant,
            etat_apres=transition.cible,
            description=texte,
        )

    return ecrire


TABLES: dict[str, Table[Any]] = {}


class Table(Generic[M]):
    """La table de transitions d'un flux : le champ d'état `champ` du modèle `modele`, dont
    les valeurs sont celles de `etats`."""

    def __init__(
        self,
        objet: str,
        modele: type[M],
        champ: str,
        etats: type[models.TextChoices],
        designation: str,
        transitions: Iterable[Transition],
        journal: Journal,
        horodatage: str | None = None,
        journal_en_masse: JournalEnMasse | None = None,
    ) -> None:
        self.objet = objet
        self.horodatage = horodatage  # le champ `auto_now` que chaque transition met à jour
        self.modele = modele
        self.champ = champ
        self.etats = etats
        self.designation = designation  # « le versement » : pour les messages de refus
        self.journal = journal
        self.journal_en_masse = journal_en_masse
        self.transitions: dict[str, Transition] = {}
        for transition in transitions:
            self._verifier(transition)
            self.transitions[transition.nom] = transition
        TABLES[objet] = self

    def _verifier(self, transition: Transition) -> None:
        """Une table fausse échoue à l'import, pas en production."""
        valeurs = set(self.etats.values)
        if transition.nom in self.transitions:
            raise ValueError(f"{self.objet} : transition « {transition.nom} » en double.")
        if not transition.sources or not set(transition.sources) <= valeurs:
            raise ValueError(f"{self.objet}.{transition.nom} : sources inconnues ou vides.")
        if transition.cible not in valeurs:
            raise ValueError(f"{self.objet}.{transition.nom} : cible inconnue.")

    def libelle(self, code: str) -> str:
        try:
            return str(self.etats(code).label)
        except ValueError:
            return code

    def permise(self, instance: M, nom: str) -> bool:
        """La transition est-elle permise depuis l'état connu de l'objet (sans verrou : pour
        montrer ou cacher un bouton ; `appliquer` revérifie)."""
        return getattr(instance, self.champ) in self.transitions[nom].sources

    @transaction.atomic
    def appliquer(
        self,
        instance: M,
        nom: str,
        auteur: Any,
        description: str = "",
        champs: Mapping[str, Any] | None = None,
        verrouille: bool = False,
    ) -> Any:
        """Applique la transition `nom` à `instance` : vérifie l'état relu sous verrou, écrit
        l'état et `champs`, puis l'événement ; renvoie l'événement. Lève
        `TransitionImpossible` (message en français) si l'état ne le permet pas.

        `verrouille=True` : l'appelant a déjà relu `instance` sous verrou dans cette
        transaction (un lot de paiement, des centaines de versements) ; son état fait foi."""
        transition = self.transitions[nom]
        if verrouille:
            avant = getattr(instance, self.champ)
        else:
            avant = (
                self.modele._default_manager.select_for_update()
                .values_list(self.champ, flat=True)
                .get(pk=instance.pk)
            )
        if avant not in transition.sources:
            raise TransitionImpossible(
                f"Action impossible : {self.designation} est « {self.libelle(avant)} »."
            )
        champs = dict(champs or {})
        champs[self.champ] = transition.cible
        for nom_champ, valeur in champs.items():
            setattr(instance, nom_champ, valeur)
        horodatage = [self.horodatage] if self.horodatage else []
        instance.save(update_fields=[*champs, *horodatage])
        return self.journal(instance, transition, avant, auteur, description)

    @transaction.atomic
    def appliquer_en_masse(
        self,
        instances: Sequence[M],
        nom: str,
        auteur: Any,
        descriptions: Sequence[str],
        champs: Sequence[Mapping[str, Any]],
    ) -> list[Any]:
        """`appliquer` pour des centaines d'objets (un lot de paiement), en un nombre de
        requêtes qui ne dépend pas de leur nombre : les états sont relus sous verrou en une
        requête, tous vérifiés avant toute écriture (un seul refusé : rien n'est écrit),
        puis écrits en une mise à jour groupée, et les événements en une insertion groupée
        (`journal_en_masse` de la table). Chaque objet reçoit sa description et ses champs."""
        transition = self.transitions[nom]
        if not (len(instances) == len(descriptions) == len(champs)):
            raise ValueError("Une description et des champs par objet.")
        if not instances:
            return []
        etats = dict(
            self.modele._default_manager.select_for_update()
            .filter(pk__in=[instance.pk for instance in instances])
            .values_list("pk", self.champ)
        )
        for instance in instances:
            avant = etats.get(instance.pk)
            if avant not in transition.sources:
                raise TransitionImpossible(
                    f"Action impossible : {self.designation} est « {self.libelle(str(avant))} »."
                )
        communs = _champs_communs(champs)
        if self.horodatage:
            # Ni update() ni bulk_update n'appellent `pre_save` : l'horodatage `auto_now` à
            # la main, le même pour tous (une seule transaction).
            communs[self.horodatage] = timezone.now()
        communs[self.champ] = transition.cible
        variables = sorted({nom for valeurs in champs for nom in valeurs} - communs.keys())
        for instance, valeurs in zip(instances, champs, strict=True):
            for nom_champ, valeur in {**valeurs, **communs}.items():
                setattr(instance, nom_champ, valeur)
        # Ce qui est commun (l'état, le lot, l'horodatage) en un UPDATE ; bulk_update, qui
        # écrit un CASE par ligne et par champ (long à compiler pour 1 200 lignes), pour les
        # seuls champs propres à chaque objet (la référence du virement).
        self.modele._default_manager.filter(pk__in=list(etats)).update(**communs)
        if variables:
            self.modele._default_manager.bulk_update(instances, variables, batch_size=500)
        lignes = [
            (instance, etats[instance.pk], description)
            for instance, description in zip(instances, descriptions, strict=True)
        ]
        if self.journal_en_masse is not None:
            return self.journal_en_masse(lignes, transition, auteur)
        return [
            self.journal(objet, transition, avant, auteur, texte) for objet, avant, texte in lignes
        ]


def _champs_communs(champs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Les champs qui ont la même valeur pour chaque objet."""
    premier, *autres = champs
    return {
        nom: valeur
        for nom, valeur in premier.items()
        if all(nom in valeurs and valeurs[nom] == valeur for valeurs in autres)
    }


def libelle_etat(objet: str, code: str) -> str:
    """Le libellé français de l'état `code` d'un objet (« Payé »), ou le code tel quel si
    aucune table n'est déclarée pour cet objet."""
    table = TABLES.get(objet)
    return table.libelle(code) if table is not None else code
