"""Le recalcul de la prestation de service sur les chiffres réels du bilan (CLAS.md §2.2,
§2.3) : la MÊME fonction `clas.bareme.calculer`, avec les paramètres gardés par la décision
(jamais ceux d'aujourd'hui).

L'entrée réelle reprend, dans l'ordre de la décision, chaque collectif décidé :
- un collectif retenu par la décision prend les chiffres du bilan (enfants, intervenants,
  semaines, bonus menés) ; s'il n'a pas fonctionné, il est « non retenu » : 0 €, mais il
  compte toujours pour le prix de revient, comme dans l'instruction ;
- un collectif que la décision n'avait pas retenu reste tel qu'elle l'a gardé (non retenu) ;
- milieu rural et enfant en situation de handicap : tels que retenus à la décision ;
- dépenses (charges 60 à 65) et cofinancements (produits hors 87) : ceux du compte de
  résultat, avec les mêmes fonctions que le budget prévisionnel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clas.bareme import (
    CollectifEntree,
    Entree,
    Parametres,
    Resultat,
    calculer,
    lire_entree,
)
from clas.conventions.models import Avenant, Convention
from clas.dossiers.bareme import cofinancements, depenses_totales, entree_du_dossier
from clas.dossiers.models import Collectif

from .models import Bilan, BilanCollectif, LigneBilan

__all__ = [
    "CollectifDecide",
    "calculer_sur_les_reels",
    "collectifs_decides",
    "entree_decidee",
    "entree_reelle",
    "parametres_de_la_decision",
    "resultat_decide",
]


def _dernier_avenant(convention: Convention) -> Avenant | None:
    return (
        Avenant.objects.filter(convention=convention).exclude(entree_bareme={}).order_by("-numero")
    ).first()


def entree_decidee(convention: Convention, avenant: Avenant | None = None) -> dict[str, Any]:
    """L'entrée du barème qui fait foi : celle du dernier avenant, sinon de la décision."""
    avenant = avenant or _dernier_avenant(convention)
    if avenant is not None:
        return dict(avenant.entree_bareme)
    return dict(convention.decision.entree_bareme)


def resultat_decide(convention: Convention, avenant: Avenant | None = None) -> dict[str, Any]:
    """Le résultat du barème qui fait foi (dernier avenant, sinon décision)."""
    avenant = avenant or _dernier_avenant(convention)
    if avenant is not None and avenant.resultat:
        return dict(avenant.resultat)
    return dict(convention.decision.resultat)


def parametres_de_la_decision(convention: Convention) -> Parametres:
    """Les paramètres gardés par la décision (`Decision.parametres`, au format
    `Parametres.vers_dict`) : une modification ultérieure des paramètres n'y change rien."""
    decision = convention.decision
    gardes: dict[str, Any] = decision.parametres or {}
    annee = convention.dossier.campagne.annee_scolaire
    valeurs = {nom: donnees.get("valeur") for nom, donnees in gardes.items()}
    sources = {nom: donnees.get("source", "") for nom, donnees in gardes.items()}
    return Parametres.depuis_dict(annee, valeurs, sources)


@dataclass(frozen=True)
class CollectifDecide:
    """Un collectif du dossier et ce que la décision en a gardé (même rang)."""

    collectif: Collectif
    decide: CollectifEntree

    @property
    def retenu(self) -> bool:
        return self.decide.retenu


def collectifs_decides(
    convention: Convention, collectifs: list[Collectif], entree: dict[str, Any] | None = None
) -> list[CollectifDecide]:
    """Les collectifs du dossier (triés par ordre, id — l'ordre de l'entrée de la décision)
    face à ce que la décision a gardé. Aucune requête si `entree` est fourni."""
    if entree is None:
        entree = entree_decidee(convention)
    if entree.get("collectifs"):
        decidee = lire_entree(entree, [entree["annee_scolaire"]])
    else:  # décision sans entrée gardée (données anciennes) : les collectifs déclarés
        decidee = entree_du_dossier(convention.dossier, collectifs, [])
    return [
        CollectifDecide(collectif=collectif, decide=decide)
        for collectif, decide in zip(collectifs, decidee.collectifs, strict=False)
    ]


def entree_reelle(
    annee_scolaire: str,
    decides: list[CollectifDecide],
    reels: Iterable[BilanCollectif],
    lignes: Iterable[LigneBilan],
) -> Entree:
    """L'entrée du barème sur les réels (voir l'en-tête du module). Aucune requête."""
    par_collectif = {reel.collectif_id: reel for reel in reels}
    lignes = list(lignes)
    collectifs: list[CollectifEntree] = []
    for decide in decides:
        prevu = decide.decide
        reel = par_collectif.get(decide.collectif.pk)
        # Un collectif qui n'a pas fonctionné garde les chiffres de la décision : la seule
        # raison de ses 0 € est alors « non retenu », pas un effectif ou des semaines à 0.
        if not prevu.retenu or reel is None or not reel.a_fonctionne:
            collectifs.append(dataclasses.replace(prevu, retenu=False))
            continue
        collectifs.append(
            dataclasses.replace(
                prevu,
                nb_enfants=reel.nb_enfants,
                nb_intervenants=reel.nb_intervenants,
                semaines_de_fonctionnement=reel.semaines_de_fonctionnement,
                bonus_projets_culturels=reel.bonus_projets_culturels,
                bonus_accompagnement_parents=reel.bonus_accompagnement_parents,
            )
        )
    return Entree(
        annee_scolaire=annee_scolaire,
        depenses_totales=depenses_totales(lignes),
        cofinancements=cofinancements(lignes),
        collectifs=tuple(collectifs),
    )


def calculer_sur_les_reels(convention: Convention, bilan: Bilan) -> tuple[Entree, Resultat]:
    """Le barème sur les réels du bilan tel qu'il est enregistré, avec les paramètres de la
    décision. Rien n'est enregistré ici (aperçu, ou figé par `bilan.accepter`)."""
    collectifs = list(
        Collectif.objects.filter(dossier_id=convention.dossier_id).order_by("ordre", "id")
    )
    decides = collectifs_decides(convention, collectifs)
    entree = entree_reelle(
        convention.dossier.campagne.annee_scolaire,
        decides,
        BilanCollectif.objects.filter(bilan=bilan),
        LigneBilan.objects.filter(bilan=bilan),
    )
    return entree, calculer(entree, parametres_de_la_decision(convention))
