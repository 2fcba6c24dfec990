"""Passage du formulaire HTML du simulateur au contrat JSON du barème, et retour.

Le formulaire n'a pas de règles à lui : il traduit la saisie vers le contrat
(`clas.bareme.contrat`), qui valide, puis range chaque erreur à côté de son champ.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from clas.bareme import Erreur

ENTIERS = ("nb_enfants", "nb_intervenants", "semaines_de_fonctionnement")
BOOLEENS = (
    "milieu_rural",
    "enfant_en_situation_de_handicap",
    "bonus_projets_culturels",
    "bonus_accompagnement_parents",
)
MAX_LIGNES = 200
MOTIF_CHAMP = re.compile(r"collectifs-(\d+)-(\w+)")
MOTIF_ERREUR = re.compile(r"collectifs\[(\d+)\]\.(\w+)")
MOTIF_LIGNE = re.compile(r"collectifs\[(\d+)\]")


@dataclass
class LigneCollectif:
    """Une ligne du formulaire : ce que la personne a tapé, et les erreurs à afficher."""

    valeurs: dict[str, str] = field(default_factory=dict)
    coches: set[str] = field(default_factory=set)
    erreurs: dict[str, list[str]] = field(default_factory=dict)
    erreurs_ligne: list[str] = field(default_factory=list)


@dataclass
class Saisie:
    annee_scolaire: str = ""
    depenses_totales: str = ""
    cofinancements: str = ""
    lignes: list[LigneCollectif] = field(default_factory=list)
    erreurs: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def vide(cls, annee_scolaire: str) -> Saisie:
        return cls(annee_scolaire=annee_scolaire, lignes=[LigneCollectif()])

    @classmethod
    def depuis_post(cls, post: Mapping[str, str]) -> Saisie:
        indices = sorted({int(m[1]) for cle in post if (m := MOTIF_CHAMP.fullmatch(cle))})[
            :MAX_LIGNES
        ]
        lignes = []
        for indice in indices:
            prefixe = f"collectifs-{indice}-"
            lignes.append(
                LigneCollectif(
                    valeurs={
                        nom: str(post.get(prefixe + nom, "")).strip() for nom in ("nom", *ENTIERS)
                    },
                    coches={nom for nom in BOOLEENS if post.get(prefixe + nom)},
                )
            )
        return cls(
            annee_scolaire=str(post.get("annee_scolaire", "")).strip(),
            depenses_totales=str(post.get("depenses_totales", "")).strip(),
            cofinancements=str(post.get("cofinancements", "")).strip(),
            lignes=lignes,
        )

    def vers_contrat(self) -> dict[str, object]:
        """Un champ laissé vide est absent : le contrat dit alors qu'il est obligatoire
        (ou applique sa valeur par défaut)."""
        donnees: dict[str, object] = {"annee_scolaire": self.annee_scolaire}
        if self.depenses_totales:
            donnees["depenses_totales"] = self.depenses_totales
        if self.cofinancements:
            donnees["cofinancements"] = self.cofinancements
        collectifs = []
        for ligne in self.lignes:
            collectif: dict[str, object] = {
                nom: valeur for nom, valeur in ligne.valeurs.items() if valeur
            }
            collectif.update({nom: nom in ligne.coches for nom in BOOLEENS})
            collectifs.append(collectif)
        donnees["collectifs"] = collectifs
        return donnees

    def ranger_erreurs(self, erreurs: Iterable[Erreur]) -> None:
        for erreur in erreurs:
            correspondance = MOTIF_ERREUR.fullmatch(erreur.champ)
            if correspondance and int(correspondance[1]) < len(self.lignes):
                ligne = self.lignes[int(correspondance[1])]
                ligne.erreurs.setdefault(correspondance[2], []).append(erreur.message)
            elif (ligne_seule := MOTIF_LIGNE.fullmatch(erreur.champ)) and int(ligne_seule[1]) < len(
                self.lignes
            ):
                self.lignes[int(ligne_seule[1])].erreurs_ligne.append(erreur.message)
            else:
                self.erreurs.setdefault(erreur.champ or "formulaire", []).append(erreur.message)

    @property
    def nb_erreurs(self) -> int:
        return sum(len(v) for v in self.erreurs.values()) + sum(
            len(v) for ligne in self.lignes for v in ligne.erreurs.values()
        )


def annee_scolaire_en_cours(aujourd_hui: dt.date) -> str:
    """L'année scolaire commence à la rentrée : à partir d'août on passe à la suivante."""
    debut = aujourd_hui.year if aujourd_hui.month >= 8 else aujourd_hui.year - 1
    return f"{debut}-{debut + 1}"
