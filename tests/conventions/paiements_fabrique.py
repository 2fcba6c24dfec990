"""Fabriques des tests des paiements : compte de la Caf, conventions signées avec leur
acompte (créées directement, sans passer par tout le parcours), lots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from clas.comptes.models import Utilisateur
from clas.conventions.models import Convention
from clas.core.validators import iban_fr
from clas.referentiel.models import Caf
from clas.structures.models import Structure
from clas.versements.models import EtatVersement, NatureVersement, Versement
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
    decision = creer_decision(dossier, instructeur, valideur, montant)
    dossier.refresh_from_db()
    convention = Convention.objects.create(
        dossier=dossier,
        decision=decision,
        montant_maximal=Decimal(montant),
        taux_acompte=Decimal("0.70"),
        date_limite_bilan=dt.date(2027, 9, 30),
        signee_par=dossier.cree_par,
        signee_le=timezone.now(),
        signee_depuis="192.0.2.10",
    )
    versement = Versement.objects.create(
        convention=convention,
        nature=NatureVersement.ACOMPTE,
        montant=(Decimal(montant) * Decimal("0.70")).quantize(Decimal("0.01")),
    )
    if etat == EtatVersement.VALIDE:
        # Validé comme le ferait `valider_versements` : sur le compte accepté à cet instant.
        structure = dossier.structure
        Versement.objects.filter(pk=versement.pk).update(
            etat=EtatVersement.VALIDE,
            valide_par=valideur,
            valide_le=timezone.now(),
            iban_beneficiaire=structure.iban,
            bic_beneficiaire=structure.bic,
        )
        versement.refresh_from_db()
    return versement
