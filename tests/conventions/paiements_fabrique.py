"""Fabriques des tests des paiements : compte de la Caf, conventions signées avec leur
acompte (par `ConventionFactory` et `VersementFactory`, sans passer par tout le parcours)."""

from __future__ import annotations

from decimal import Decimal

from clas.comptes.models import Utilisateur
from clas.core.validators import iban_fr
from clas.referentiel.models import Caf
from clas.structures.models import Structure
from clas.versements.models import EtatVersement, Versement
from tests.factories import ConventionFactory, VersementFactory
from tests.instruction.outils import creer_campagne, creer_decision, creer_dossier

IBAN_CAF = iban_fr("300010006400000000001")
BIC_CAF = "BDFEFRPPCCT"
IBAN_STRUCTURE = iban_fr("300060000112345678901")
BIC_STRUCTURE = "AGRIFRPP"


def donner_un_compte(caf: Caf) -> Caf:
    caf.titulaire_compte = f"Agent comptable {caf.nom}"
    caf.iban = IBAN_CAF
    caf.bic = BIC_CAF
    caf.save(update_fields=["titulaire_compte", "iban", "bic"])
    return caf


def donner_un_iban(structure: Structure, iban: str = IBAN_STRUCTURE, bic: str = BIC_STRUCTURE):
    structure.iban = iban
    structure.bic = bic
    structure.save(update_fields=["iban", "bic"])
    return structure


def convention_signee(
    caf: Caf,
    instructeur: Utilisateur,
    valideur: Utilisateur,
    montant: str = "4500.00",
    *,
    etat: str = EtatVersement.A_VALIDER,
    campagne=None,
    avec_iban: bool = True,
    **champs_structure,
) -> Versement:
    """Une convention signée et son acompte (70 %), dans l'état demandé (sans lot)."""
    campagne = campagne or creer_campagne(caf, "2026-2027", cree_par=valideur)
    dossier = creer_dossier(campagne, instructeur=instructeur, **champs_structure)
    if avec_iban:
        donner_un_iban(dossier.structure)
    creer_decision(dossier, instructeur, valideur, montant)
    convention = ConventionFactory(dossier=dossier, montant=Decimal(montant), signee=True)
    versement: Versement = VersementFactory(
        convention=convention, valide=etat == EtatVersement.VALIDE, valideur=valideur
    )
    return versement
