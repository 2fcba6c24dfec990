"""Séparation des tâches sur l'argent (issue 11, point 2) : l'agent qui a validé un
versement ne le met pas en paiement et ne marque pas son lot payé, même s'il est aussi
comptable ; il reçoit un refus clair, et un autre comptable peut, lui, payer."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clas.comptes.models import AgentCaf
from clas.versements import actions as paiements
from clas.versements import retour_banque
from clas.versements.models import EtatVersement, LotPaiement, Versement
from tests.factories import AgentCafFactory
from tests.instruction.outils import creer_campagne

from .paiements_fabrique import convention_signee, donner_un_compte

AUJOURD_HUI = timezone.localdate

E = EtatVersement
pytestmark = pytest.mark.django_db


@pytest.fixture
def cumulard(utilisateurs, caf_rhone):
    """Le valideur du Rhône est aussi comptable."""
    AgentCaf.objects.filter(utilisateur=utilisateurs["valideur"]).update(est_comptable=True)
    return utilisateurs["valideur"]


@pytest.fixture
def a_valider(caf_rhone, utilisateurs):
    donner_un_compte(caf_rhone)
    campagne = creer_campagne(caf_rhone, "2026-2027", cree_par=utilisateurs["valideur"])
    return [
        convention_signee(
            caf_rhone, utilisateurs["instructeur"], utilisateurs["valideur"], m, campagne=campagne
        )
        for m in ("4500.00", "1000.00")
    ]


def test_qui_a_valide_ne_met_pas_en_paiement(cumulard, a_valider, caf_rhone):
    paiements.valider_versements(a_valider, cumulard)
    with pytest.raises(paiements.ActionImpossible, match="séparation des tâches") as refus:
        paiements.creer_lot(caf_rhone, cumulard, AUJOURD_HUI())
    assert "un autre comptable" in str(refus.value)
    assert len(refus.value.details) == 2
    assert not LotPaiement.objects.exists()
    assert set(Versement.objects.values_list("etat", flat=True)) == {E.VALIDE}


def test_un_autre_comptable_met_en_paiement(cumulard, a_valider, caf_rhone, utilisateurs):
    paiements.valider_versements(a_valider, cumulard)
    resultat = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())
    assert len(resultat.versements) == 2


def test_seuls_les_versements_qu_il_a_valides_sont_ecartes(
    cumulard, a_valider, caf_rhone, utilisateurs
):
    """Le cumulard valide le premier ; un valideur collègue valide le second : le lot du
    cumulard ne prend que le second, et dit pourquoi il laisse le premier."""
    collegue = AgentCafFactory(caf=caf_rhone, est_valideur=True).utilisateur
    paiements.valider_versements([a_valider[0]], cumulard)
    paiements.valider_versements([a_valider[1]], collegue)
    resultat = paiements.creer_lot(caf_rhone, cumulard, AUJOURD_HUI())
    assert [v.pk for v in resultat.versements] == [a_valider[1].pk]
    assert [e.versement.pk for e in resultat.ecartes] == [a_valider[0].pk]
    assert resultat.ecartes[0].raison == paiements.SEPARATION_LOT


def test_qui_a_valide_ne_marque_pas_le_lot_paye(cumulard, a_valider, caf_rhone, utilisateurs):
    paiements.valider_versements(a_valider, cumulard)
    lot = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    with pytest.raises(paiements.ActionImpossible, match="un autre comptable doit le marquer"):
        paiements.marquer_lot_paye(lot, cumulard, AUJOURD_HUI(), "VIR-1")
    assert set(Versement.objects.values_list("etat", flat=True)) == {E.MIS_EN_PAIEMENT}
    payes = paiements.marquer_lot_paye(lot, utilisateurs["comptable"], AUJOURD_HUI(), "VIR-1")
    assert len(payes) == 2


def test_ni_par_le_retour_de_la_banque(cumulard, a_valider, caf_rhone, utilisateurs):
    paiements.valider_versements(a_valider, cumulard)
    lot = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    sortie = io.StringIO()
    sortie.write(";".join(retour_banque.COLONNES) + "\n")
    for versement in lot.versements.all():
        sortie.write(f"{versement.reference};paye;{AUJOURD_HUI():%d/%m/%Y};VIR-2;\n")
    fichier = SimpleUploadedFile("retour.csv", sortie.getvalue().encode("utf-8"))
    rapport = retour_banque.importer_retour(lot, fichier, cumulard)
    assert rapport.inchange and len(rapport.refusees) == 2
    assert all("séparation des tâches" in r.texte for r in rapport.refusees)
    assert set(Versement.objects.values_list("etat", flat=True)) == {E.MIS_EN_PAIEMENT}
