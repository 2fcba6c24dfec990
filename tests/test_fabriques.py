"""Les fabriques du cycle de vie (`tests/factories.py`) : chaque trait donne l'objet dans
l'état que le reste des tests suppose (un dossier décidé, une convention signée, un
versement validé sur le compte de la structure, un versement payé inscrit au grand livre)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clas.bilans.models import EtatBilan
from clas.dossiers.models import EtatDossier
from clas.instruction.models import Decision, NatureDecision, StatutProposition
from clas.versements.grand_livre import situation
from clas.versements.models import EtatVersement
from tests.conventions.paiements_fabrique import donner_un_iban
from tests.factories import (
    BUDGET_SIMPLE,
    BilanFactory,
    ConventionFactory,
    DossierFactory,
    StructureFactory,
    VersementFactory,
)

pytestmark = pytest.mark.django_db


def test_un_dossier_accepte_a_sa_decision_et_sa_proposition_validee() -> None:
    dossier = DossierFactory(accepte=True, decision__montant=Decimal("2000.00"))

    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.ACCEPTE
    assert dossier.decision.montant == Decimal("2000.00")
    assert dossier.decision.proposition.statut == StatutProposition.VALIDEE
    assert dossier.numero.startswith(f"CLAS-{dossier.campagne.caf.code}-2025-2026-")


def test_un_dossier_refuse_n_a_pas_de_montant() -> None:
    dossier = DossierFactory(refuse=True)

    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.REFUSE
    assert dossier.decision.nature == NatureDecision.REFUS and dossier.decision.montant is None


def test_un_brouillon_n_a_ni_numero_ni_depot_et_garde_ses_collectifs() -> None:
    dossier = DossierFactory(brouillon=True, collectifs=[{}, {"nb_enfants": 7}])

    assert dossier.etat == EtatDossier.BROUILLON and dossier.numero is None
    assert [c.nb_enfants for c in dossier.collectifs.order_by("ordre")] == [10, 7]


def test_une_convention_signee_porte_le_montant_de_sa_decision() -> None:
    convention = ConventionFactory(signee=True, montant=Decimal("3000.00"))

    assert convention.montant_maximal == Decimal("3000.00") == convention.decision.montant
    assert convention.est_signee and convention.signee_par == convention.dossier.cree_par


def test_un_versement_valide_garde_le_compte_de_la_structure() -> None:
    structure = donner_un_iban(StructureFactory())
    convention = ConventionFactory(dossier__structure=structure, signee=True)

    versement = VersementFactory(convention=convention, valide=True)

    assert versement.etat == EtatVersement.VALIDE and versement.montant == Decimal("3150.00")
    assert versement.iban_beneficiaire == structure.iban


def test_un_versement_paye_l_est_par_le_circuit_et_au_grand_livre() -> None:
    structure = donner_un_iban(StructureFactory())
    convention = ConventionFactory(dossier__structure=structure, signee=True)

    versement = VersementFactory(convention=convention, paye=True)

    assert versement.etat == EtatVersement.PAYE and versement.lot is not None
    assert situation(convention).verse_net == versement.montant


def test_un_dossier_accepte_calcule_a_son_budget_et_son_bareme_fige() -> None:
    dossier = DossierFactory(accepte_calcule=True, collectifs=[{}, {"nb_enfants": 12}])

    decision = Decision.objects.get(dossier=dossier)
    assert dossier.lignes_budget.count() == len(BUDGET_SIMPLE)
    assert decision.entree_bareme["collectifs"]
    assert decision.parametres
    assert decision.resultat["explication"]


def test_un_bilan_depose_puis_accepte() -> None:
    depose = BilanFactory()
    accepte = BilanFactory(accepte=True)

    assert depose.etat == EtatBilan.DEPOSE and depose.depose_le is not None
    assert depose.convention.signee_le is not None
    assert accepte.etat == EtatBilan.ACCEPTE
    assert accepte.montant_definitif == accepte.convention.montant_maximal
