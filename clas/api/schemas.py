"""Schémas OpenAPI du contrat de simulation. La validation elle-même est faite par
`clas.bareme.contrat`, la même pour l'API, la ligne de commande et le simulateur web."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict

from clas.bareme.contrat import (
    COLLECTIFS_MAX,
    ENTIER_MAX,
    MONTANT_LIMITE,
    NOM_LONGUEUR_MAX,
    SEMAINES_MAX,
)

# Le contrat accepte plus que des nombres JSON (« 24 000,50 », « 10 ») : le schéma le dit, en
# décrivant au moins tout ce qui est accepté (une chaîne de montant contient un chiffre…).
# Ce que le schéma ne peut pas dire (année sans paramètres, centimes de trop) est un 422.
Entier = Annotated[int, Field(ge=0, le=ENTIER_MAX)]
EntierTexte = Annotated[str, Field(pattern=r"^[^.,eE]*[0-9][^.,eE]*$")]
Montant = (
    Annotated[float, Field(ge=0, lt=float(MONTANT_LIMITE))]
    | Annotated[str, Field(pattern=r"[0-9]")]
)
SANS_CHAMP_INCONNU = ConfigDict(extra="forbid")


class CollectifEntreeSchema(Schema):
    model_config = SANS_CHAMP_INCONNU

    nom: str | None = Field(
        None,
        description="Facultatif ; par défaut « Collectif 1 », « Collectif 2 »… Au plus "
        f"{NOM_LONGUEUR_MAX} caractères, espaces autour retirés.",
    )
    nb_enfants: Entier | EntierTexte = Field(..., description="Nombre d'enfants du collectif")
    nb_intervenants: Entier | EntierTexte = Field(
        ..., description="Intervenants salariés ou bénévoles"
    )
    semaines_de_fonctionnement: Annotated[int, Field(ge=0, le=SEMAINES_MAX)] | EntierTexte
    milieu_rural: bool | None = Field(
        False,
        description="En milieu rural : l'effectif minimal dérogatoire s'applique ; null vaut false",
    )
    enfant_en_situation_de_handicap: bool | None = Field(
        False, description="Le collectif accueille un enfant en situation de handicap"
    )
    bonus_projets_culturels: bool | None = False
    bonus_accompagnement_parents: bool | None = False
    retenu: bool | None = Field(
        True, description="Faux quand la Caf écarte le collectif à l'instruction (0 €)."
    )


class SimulationEntreeSchema(Schema):
    model_config = SANS_CHAMP_INCONNU

    annee_scolaire: str = Field(
        ...,
        pattern=r"[0-9]{4}-[0-9]{4}",
        examples=["2025-2026"],
        description="Une année dont les paramètres du barème sont en base.",
    )
    depenses_totales: Montant = Field(
        ..., description="Dépenses de fonctionnement, nombre ou chaîne (« 24000.00 »)"
    )
    cofinancements: Montant | None = Field(
        "0", description="Autres financements que la prestation Clas ; 0 par défaut"
    )
    collectifs: list[CollectifEntreeSchema] = Field(..., min_length=1, max_length=COLLECTIFS_MAX)


class MotifSchema(Schema):
    code: str = Field(
        ...,
        description=(
            "intervenants_insuffisants, effectif_insuffisant, effectif_trop_eleve ou aucune_semaine"
        ),
    )
    message: str


class CollectifSortieSchema(Schema):
    nom: str
    eligible: bool
    montant: str = Field(..., examples=["2863.00"])
    motifs_ineligibilite: list[MotifSchema]


class ParametreUtiliseSchema(Schema):
    nom: str
    libelle: str
    valeur: str
    source: str


class EtapeSchema(Schema):
    code: str
    libelle: str
    valeur: str
    formule: str
    collectif: int | None = Field(None, description="Rang du collectif (0 pour le premier)")
    parametres: list[ParametreUtiliseSchema]


class ParametreSchema(Schema):
    libelle: str
    valeur: str
    source: str


class SimulationSortieSchema(Schema):
    annee_scolaire: str
    montant_total: str = Field(..., examples=["8889.00"])
    montant_avant_plafonnement: str
    plafond_reste_a_charge: str
    plafonnement_reste_a_charge: bool
    reduction_plafonnement: str
    collectifs: list[CollectifSortieSchema]
    explication: list[EtapeSchema]
    parametres: dict[str, ParametreSchema]


class ErreurSchema(Schema):
    champ: str = Field(..., examples=["collectifs[0].nb_enfants"])
    message: str


class RefusSchema(Schema):
    erreurs: list[ErreurSchema]
