"""Fabriquer des dossiers côté Caf pour les tests de l'instruction, par les fabriques de
`tests/factories.py` (une seule façon de faire) : dossiers dans un état donné, collectifs,
propositions et décisions créés directement (sans passer par les vues)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.models import Decision, NatureDecision, Proposition, StatutProposition
from clas.structures.models import Structure
from tests.factories import (
    CampagneFactory,
    DecisionFactory,
    DossierFactory,
    PropositionFactory,
    StructureFactory,
)


def creer_campagne(
    caf: Any,
    annee: str = "2025-2026",
    *,
    enveloppe: str = "100000.00",
    ouverte: bool = False,
    cree_par: Utilisateur,
) -> Campagne:
    """Une campagne de la Caf ; `ouverte` : dépôts ouverts aujourd'hui, sinon clos."""
    campagne: Campagne = CampagneFactory(
        caf=caf,
        annee_scolaire=annee,
        enveloppe=Decimal(enveloppe),
        cree_par=cree_par,
        ouverte=ouverte,
    )
    return campagne


def creer_dossier(
    campagne: Campagne,
    *,
    etat: str = EtatDossier.DEPOSE,
    structure: Structure | None = None,
    ps_demandee: str | Decimal | None = "1000.00",
    instructeur: Utilisateur | None = None,
    depose_le: dt.datetime | None = None,
    numero: str | None = None,
    collectifs: list[dict[str, Any]] | None = None,
    **champs_structure: Any,
) -> Dossier:
    """Un dossier déposé (numéroté) de la campagne (`DossierFactory`) ; une structure neuve de
    la Caf si `structure` n'est pas donnée (`champs_structure` : nom, commune, siret…)."""
    if structure is None:
        structure = StructureFactory(caf=campagne.caf, **champs_structure)
    champs: dict[str, Any] = {"depose_le": depose_le} if depose_le else {}
    if numero:
        champs["numero"] = numero
    dossier: Dossier = DossierFactory(
        campagne=campagne,
        structure=structure,
        etat=etat,
        ps_demandee=None if ps_demandee is None else Decimal(str(ps_demandee)),
        instructeur=instructeur,
        collectifs=collectifs,
        **champs,
    )
    return dossier


def creer_proposition(
    dossier: Dossier,
    auteur: Utilisateur,
    montant: str | Decimal | None = "1000.00",
    *,
    nature: str = NatureDecision.ACCORD,
    statut: str = StatutProposition.EN_ATTENTE,
) -> Proposition:
    proposition: Proposition = PropositionFactory(
        dossier=dossier,
        auteur=auteur,
        montant=None if montant is None else Decimal(str(montant)),
        nature=nature,
        statut=statut,
    )
    return proposition


def creer_decision(
    dossier: Dossier,
    instructeur: Utilisateur,
    valideur: Utilisateur,
    montant: str | Decimal | None = "1000.00",
    *,
    nature: str = NatureDecision.ACCORD,
) -> Decision:
    """Une décision prise (`DecisionFactory`, sa proposition validée) ; le dossier passe dans
    l'état final."""
    decision: Decision = DecisionFactory(
        dossier=dossier,
        instructeur=instructeur,
        valideur=valideur,
        montant=None if montant is None else Decimal(str(montant)),
        nature=nature,
    )
    return decision
