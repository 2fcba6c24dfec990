"""Les schémas des réponses de lecture (OpenAPI). Montants en chaînes à deux décimales
(« 2563.00 »), dates et heures ISO 8601 ; les états ont leur code et leur libellé français."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel
from pydantic_core import PydanticCustomError

from clas.core.saisie import nettoyer


def _sans_invisibles(valeur: str) -> str:
    propre = nettoyer(valeur)
    if valeur and not propre:
        raise PydanticCustomError(
            "texte_invisible",
            "Ce texte ne contient que des caractères invisibles : écrivez un texte lisible.",
        )
    return propre


# Comme les formulaires du site (clas.core.saisie) : octet nul (refusé par PostgreSQL),
# caractères de contrôle et de direction retirés de ce qui est écrit par l'API. Le retrait
# vient après les bornes du schéma (minLength, maxLength), qui portent donc sur le texte
# envoyé, comme l'annonce l'OpenAPI.
TexteSaisi = Annotated[str, AfterValidator(_sans_invisibles)]


class CafSchema(Schema):
    code: str = Field(..., examples=["069"])
    departement: str = Field(..., examples=["69"])
    nom: str = Field(..., examples=["Caf du Rhône"])


class ListeCafSchema(Schema):
    resultats: list[CafSchema]


class ParametresAnneeSchema(Schema):
    annee_scolaire: str = Field(..., examples=["2025-2026"])
    parametres: dict[str, Any] = Field(
        ..., description="Pour chaque paramètre : libellé, valeur (chaîne) et source."
    )


class ListeParametresSchema(Schema):
    resultats: list[ParametresAnneeSchema]


class CampagneSchema(Schema):
    id: int
    titre: str
    annee_scolaire: str
    caf: CafSchema
    ouverture: dt.datetime
    cloture: dt.datetime
    ouverte: bool = Field(..., description="Les dépôts sont ouverts en ce moment.")
    enveloppe: str = Field(..., examples=["120000.00"])
    date_limite_bilan: dt.date | None


class PageCampagnesSchema(Schema):
    resultats: list[CampagneSchema]
    suivant: str | None = Field(None, description="Curseur de la page suivante (null : fin).")


class EtatSchema(Schema):
    code: str = Field(..., examples=["en_instruction"])
    libelle: str = Field(..., examples=["En instruction"])


class StructureResumeSchema(Schema):
    id: int
    nom: str
    siret: str
    commune: str


class DossierResumeSchema(Schema):
    id: int
    numero: str | None = Field(..., examples=["CLAS-069-2025-00001"])
    titre: str
    etat: EtatSchema
    structure: StructureResumeSchema
    campagne_id: int
    annee_scolaire: str
    caf: str = Field(..., description="Code de la Caf", examples=["069"])
    ps_demandee: str | None
    montant_decide: str | None = Field(None, description="Montant de la décision, s'il y en a une.")
    depose_le: dt.datetime | None
    modifie_le: dt.datetime


class PageDossiersSchema(Schema):
    resultats: list[DossierResumeSchema]
    suivant: str | None = Field(None, description="Curseur de la page suivante (null : fin).")


class CollectifSchema(Schema):
    id: int
    nom: str
    lieu: str
    niveaux: list[str]
    nb_enfants: int | None
    milieu_rural: bool
    enfant_en_situation_de_handicap: bool
    semaines_de_fonctionnement: int | None
    bonus_projets_culturels: bool
    bonus_accompagnement_parents: bool
    nb_intervenants: int


class LigneBudgetSchema(Schema):
    nature: str = Field(..., examples=["charge"])
    compte: str = Field(..., examples=["64"])
    financeur: str
    libelle: str
    montant: str


class DecisionSchema(Schema):
    nature: str = Field(..., examples=["accord"])
    montant: str | None = Field(..., description="Montant accordé ; null pour un refus.")
    decidee_le: dt.datetime
    entree_bareme: dict[str, Any] = Field(..., description="L'entrée du barème figée.")
    parametres: dict[str, Any] = Field(..., description="Les paramètres appliqués, figés.")
    explication: list[Any] = Field(..., description="Les étapes du calcul, figées.")


class ConventionSchema(Schema):
    id: int
    montant_maximal: str
    taux_acompte: str
    date_limite_bilan: dt.date
    signee_le: dt.datetime | None
    montant_definitif: str | None


class VersementSchema(Schema):
    id: int
    dossier_id: int
    nature: str = Field(..., examples=["acompte"])
    montant: str
    etat: EtatSchema
    lot_id: int | None
    reference: str
    paye_le: dt.date | None
    cree_le: dt.datetime


class BilanSchema(Schema):
    etat: EtatSchema
    depose_le: dt.datetime | None
    accepte_le: dt.datetime | None
    montant_recalcule: str | None
    montant_definitif: str | None


class DossierDetailSchema(DossierResumeSchema):
    resume: str
    collectifs: list[CollectifSchema]
    budget: list[LigneBudgetSchema]
    decision: DecisionSchema | None
    convention: ConventionSchema | None
    versements: list[VersementSchema]
    bilan: BilanSchema | None


class PageVersementsSchema(Schema):
    resultats: list[VersementSchema]
    suivant: str | None = Field(None, description="Curseur de la page suivante (null : fin).")


class LotSchema(Schema):
    id: int
    numero: str
    caf: str
    date_execution: dt.date
    nb_versements: int
    montant_total: str
    traite_le: dt.datetime | None = Field(
        ..., description="Quand le retour de la banque a été traité (null : en attente)."
    )
    cree_le: dt.datetime


class PageLotsSchema(Schema):
    resultats: list[LotSchema]
    suivant: str | None = Field(None, description="Curseur de la page suivante (null : fin).")


class DelaisSchema(Schema):
    nombre: int = Field(..., description="Combien de durées comptées.")
    mediane: float | None = Field(..., description="Médiane, en jours du calendrier.")
    decile_9: float | None = Field(..., description="9e décile, en jours du calendrier.")


class NombreParEtatSchema(Schema):
    code: str = Field(..., examples=["accepte"])
    libelle: str = Field(..., examples=["Accepté"])
    nombre: int


PART = "En %, à un chiffre après la virgule (« 42.5 ») ; null si rien à rapporter."


class AnneeStatistiquesSchema(Schema):
    """Les chiffres d'une année scolaire, sous les noms du tableau de bord (docs/api.md)."""

    annee_scolaire: str = Field(..., examples=["2025-2026"])
    dossiers: int = Field(..., description="Dossiers déposés (brouillons exclus).")
    dossiers_par_etat: list[NombreParEtatSchema]
    projets_finances: int = Field(..., description="Dossiers dont la décision est un accord.")
    collectifs: int = Field(..., description="Collectifs des dossiers déposés.")
    enfants: int = Field(..., description="Enfants des dossiers déposés.")
    collectifs_finances: int
    enfants_finances: int
    collectifs_culturels: int = Field(..., description="Avec le bonus projets culturels.")
    collectifs_parents: int = Field(..., description="Avec le bonus accompagnement des parents.")
    collectifs_ruraux: int = Field(..., description="En milieu rural.")
    part_culturels: str | None = Field(..., description=PART)
    part_parents: str | None = Field(..., description=PART)
    part_rurale: str | None = Field(..., description=PART)
    enveloppe: str = Field(..., description="Enveloppes des campagnes.", examples=["120000.00"])
    montant_demande: str
    montant_propose: str = Field(..., description="Propositions d'accord à valider.")
    montant_decide: str = Field(..., description="Accords décidés.")
    montant_verse: str = Field(..., description="Versements payés (grand livre).")
    montant_recupere: str = Field(..., description="Remboursements d'indus reçus.")
    part_engagee: str | None = Field(..., description="Décidé et proposé sur l'enveloppe. " + PART)
    part_decidee: str | None = Field(..., description="Décidé sur l'enveloppe. " + PART)
    delai_decision: DelaisSchema = Field(..., description="Du dépôt à la décision.")
    delai_premier_versement: DelaisSchema = Field(
        ..., description="De la décision au premier versement payé."
    )
    conventions_signees: int
    bilans_a_temps: int
    bilans_deposes_en_retard: int
    bilans_en_retard: int = Field(..., description="Date limite passée, bilan pas déposé.")
    bilans_attendus: int = Field(..., description="Pas encore attendus.")
    indus_ouverts: int
    montant_indus_ouverts: str
    indus_en_retard: int


class RepartitionSchema(Schema):
    cle: str = Field(..., examples=["association"])
    libelle: str
    dossiers: int
    projets_finances: int
    montant_decide: str


class PerimetreSchema(Schema):
    caf: CafSchema | None = Field(..., description="null : toutes les Caf.")
    libelle: str = Field(..., examples=["Caf du Rhône"])


class StatistiquesSchema(Schema):
    perimetre: PerimetreSchema
    annee_scolaire: str = Field(..., description="L'année choisie.", examples=["2025-2026"])
    annees_disponibles: list[str] = Field(
        ..., description="Les années des campagnes du périmètre, la plus récente d'abord."
    )
    chiffres: AnneeStatistiquesSchema = Field(..., description="L'année choisie.")
    annees_precedentes: list[AnneeStatistiquesSchema] = Field(
        ..., description="Les quatre années d'avant au plus, de la plus ancienne à la plus récente."
    )
    par_type_de_structure: list[RepartitionSchema]
    par_departement: list[RepartitionSchema] = Field(
        ..., description="Pour toutes les Caf seulement (vide pour une Caf)."
    )


class CorpsObjetSchema(BaseModel):
    """Le corps d'une écriture : un objet JSON. Un modèle pydantic simple, pas un `Schema`
    de ninja : celui-ci lirait les champs d'une liste (`[null]`) comme des attributs
    absents, et accepterait la requête avec les valeurs par défaut."""


class MessageEntreeSchema(CorpsObjetSchema):
    texte: TexteSaisi = Field(..., min_length=1, max_length=10_000)


class MessageSchema(Schema):
    id: int
    dossier_id: int
    texte: str
    de_la_caf: bool
    envoye_le: dt.datetime


class AnnotationEntreeSchema(CorpsObjetSchema):
    texte: TexteSaisi = Field(..., min_length=1, max_length=10_000)


class AnnotationSchema(Schema):
    id: int
    dossier_id: int
    texte: str
    cree_le: dt.datetime


class PriseEntreeSchema(CorpsObjetSchema):
    motif: TexteSaisi = Field(
        "",
        max_length=10_000,
        description="Obligatoire pour reprendre un dossier instruit par un autre agent.",
    )
