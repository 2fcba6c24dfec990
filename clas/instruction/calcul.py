"""Le barème de l'instruction : les chiffres déclarés par la structure, avec les
corrections de l'instructeur posées par-dessus. Même fonction `calculer` que partout."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clas.bareme import CollectifEntree, Entree, Parametres, Resultat, calculer
from clas.dossiers.bareme import entree_du_dossier
from clas.dossiers.models import Collectif, Dossier, LigneBudget
from clas.referentiel.models import ParametresBareme

from .models import CHAMPS_DU_DOSSIER, ChampCorrige, Correction

CHAMPS_BOOLEENS = {
    ChampCorrige.RETENU,
    ChampCorrige.MILIEU_RURAL,
    ChampCorrige.HANDICAP,
    ChampCorrige.BONUS_CULTUREL,
    ChampCorrige.BONUS_PARENTS,
}
CHAMPS_MONTANTS = {ChampCorrige.DEPENSES, ChampCorrige.COFINANCEMENTS}


def convertir(champ: str, valeur: str) -> Any:
    """La valeur d'une correction, du texte stocké vers le type du barème."""
    if champ in CHAMPS_BOOLEENS:
        return valeur == "true"
    if champ in CHAMPS_MONTANTS:
        return Decimal(valeur)
    return int(valeur)


def texte(valeur: Any) -> str:
    """L'inverse de `convertir`, pour stocker une correction."""
    if isinstance(valeur, bool):
        return "true" if valeur else "false"
    return str(valeur)


@dataclass
class Comparaison:
    """Pour l'affichage côte à côte : ce qu'a déclaré la structure, ce que retient la Caf."""

    declare: Entree
    retenu: Entree
    # {(rang du collectif ou None, champ): dernière correction}
    corrections: dict[tuple[int | None, str], Correction] = field(default_factory=dict)

    def est_corrige(self, rang: int | None, champ: str) -> bool:
        return (rang, champ) in self.corrections


def dernieres_corrections(
    collectifs: list[Collectif], corrections: list[Correction]
) -> dict[tuple[int | None, str], Correction]:
    """La plus récente par (collectif, champ) : les corrections arrivent triées par date."""
    rangs = {collectif.pk: rang for rang, collectif in enumerate(collectifs)}
    retenues: dict[tuple[int | None, str], Correction] = {}
    for correction in corrections:
        rang = rangs.get(correction.collectif_id) if correction.collectif_id else None
        if correction.collectif_id and rang is None:
            continue
        retenues[(rang, correction.champ)] = correction
    return retenues


def comparer(
    dossier: Dossier,
    collectifs: list[Collectif],
    lignes: list[LigneBudget],
    corrections: list[Correction],
) -> Comparaison:
    """Collectifs (avec intervenants) et corrections préchargés : aucune requête ici."""
    declare = entree_du_dossier(dossier, collectifs, lignes)
    dernieres = dernieres_corrections(collectifs, corrections)
    nouveaux: list[CollectifEntree] = []
    for rang, collectif in enumerate(declare.collectifs):
        changements = {
            champ: convertir(champ, c.valeur)
            for (r, champ), c in dernieres.items()
            if r == rang and champ not in CHAMPS_DU_DOSSIER
        }
        nouveaux.append(dataclasses.replace(collectif, **changements))
    changements_dossier = {
        champ: convertir(champ, c.valeur)
        for (r, champ), c in dernieres.items()
        if r is None and champ in CHAMPS_DU_DOSSIER
    }
    retenu = dataclasses.replace(declare, collectifs=tuple(nouveaux), **changements_dossier)
    return Comparaison(declare=declare, retenu=retenu, corrections=dernieres)


def parametres_de(dossier: Dossier) -> Parametres:
    return ParametresBareme.objects.get(
        annee_scolaire=dossier.campagne.annee_scolaire
    ).vers_bareme()


def calculer_instruction(comparaison: Comparaison, parametres: Parametres) -> Resultat:
    return calculer(comparaison.retenu, parametres)
