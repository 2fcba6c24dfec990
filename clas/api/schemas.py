"""Schémas OpenAPI du contrat de simulation. La validation elle-même est faite par
`clas.bareme.contrat`, la même pour l'API, la ligne de commande et le simulateur web."""

from __future__ import annotations

from ninja import Field, Schema


class CollectifEntreeSchema(Schema):
    nom: str | None = Field(
        None, description="Facultatif ; par défaut « Collectif 1 », « Collectif 2 »…"
    )
    nb_enfants: int = Field(..., ge=0, description="Nombre d'enfants du collectif")
    nb_intervenants: int = Field(..., ge=0, description="Intervenants salariés ou bénévoles")
    semaines_de_fonctionnement: int = Field(..., ge=0, le=52)
    milieu_rural: bool = False
    enfant_en_situation_de_handicap: bool = Field(
        False, description="Le collectif accueille un enfant en situation de handicap"
    )
    bonus_projets_culturels: bool = False
    bonus_accompagnement_parents: bool = False


class SimulationEntreeSchema(Schema):
    annee_scolaire: str = Field(..., examples=["2025-2026"])
    depenses_totales: str | float = Field(
        ..., description="Dépenses de fonctionnement, nombre ou chaîne (« 24000.00 »)"
    )
    cofinancements: str | float = Field(
        "0", description="Autres financements que la prestation Clas ; 0 par défaut"
    )
    collectifs: list[CollectifEntreeSchema] = Field(..., min_length=1, max_length=200)


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
