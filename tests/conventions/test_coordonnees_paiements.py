"""La fraude au changement de RIB, de bout en bout : un IBAN tapé une minute avant un lot
n'est pas payé ; le lot paie exactement le compte enregistré à la validation ; un compte
accepté après la validation renvoie le versement à la validation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clas.core.validators import iban_fr, masquer_iban
from clas.dossiers.models import Evenement
from clas.structures import coordonnees
from clas.versements import actions as paiements
from clas.versements.models import EtatVersement
from tests.factories import MembreStructureFactory
from tests.instruction.outils import creer_campagne
from tests.outils import texte

from .paiements_fabrique import IBAN_STRUCTURE, convention_signee, donner_un_compte

pytestmark = pytest.mark.django_db

E = EtatVersement
NOUVEAU = iban_fr("102780730000023456789")


def _rib() -> SimpleUploadedFile:
    return SimpleUploadedFile("rib.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")


@pytest.fixture
def acompte(caf_rhone, utilisateurs):
    donner_un_compte(caf_rhone)
    campagne = creer_campagne(caf_rhone, "2026-2027", cree_par=utilisateurs["valideur"])
    return convention_signee(
        caf_rhone, utilisateurs["instructeur"], utilisateurs["valideur"], campagne=campagne
    )


def _administrateur(structure):
    """Un administrateur de la structure (celui qui, ou dont le compte, tape le nouvel IBAN)."""
    return MembreStructureFactory(structure=structure).utilisateur


def _xml(lot) -> str:
    with lot.fichier_sepa.open("rb") as fichier:
        return fichier.read().decode()


def test_un_iban_tape_une_minute_avant_le_lot_n_est_pas_paye(acompte, caf_rhone, utilisateurs):
    structure = acompte.convention.dossier.structure
    paiements.valider_versements([acompte], utilisateurs["valideur"])
    acompte.refresh_from_db()
    assert acompte.iban_beneficiaire == IBAN_STRUCTURE

    coordonnees.proposer_coordonnees(
        structure, _administrateur(structure), NOUVEAU, "CMCIFR2A", _rib()
    )
    resultat = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], timezone.localdate())

    acompte.refresh_from_db()
    assert resultat.versements == [acompte]
    assert acompte.iban_beneficiaire == IBAN_STRUCTURE
    sepa = _xml(resultat.lot)
    assert IBAN_STRUCTURE in sepa and NOUVEAU not in sepa


def test_un_compte_accepte_apres_la_validation_renvoie_le_versement_a_la_validation(
    acompte, caf_rhone, utilisateurs
):
    structure = acompte.convention.dossier.structure
    paiements.valider_versements([acompte], utilisateurs["valideur"])
    changement = coordonnees.proposer_coordonnees(
        structure, _administrateur(structure), NOUVEAU, "CMCIFR2A", _rib()
    )

    coordonnees.accepter_coordonnees(changement, utilisateurs["valideur"])

    acompte.refresh_from_db()
    assert acompte.etat == E.A_VALIDER
    assert (acompte.valide_par, acompte.iban_beneficiaire) == (None, "")
    evenement = Evenement.objects.get(type="versement_a_revalider")
    assert evenement.changement == "Validé → À valider"
    assert masquer_iban(NOUVEAU) in evenement.description
    assert IBAN_STRUCTURE not in evenement.description
    with pytest.raises(paiements.ActionImpossible, match="Rien à payer"):
        paiements.creer_lot(caf_rhone, utilisateurs["comptable"], timezone.localdate())

    paiements.valider_versements([acompte], utilisateurs["valideur"])
    resultat = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], timezone.localdate())

    acompte.refresh_from_db()
    assert acompte.iban_beneficiaire == NOUVEAU and acompte.bic_beneficiaire == "CMCIFR2A"
    sepa = _xml(resultat.lot)
    assert NOUVEAU in sepa and IBAN_STRUCTURE not in sepa


def test_un_versement_deja_dans_un_lot_n_est_pas_renvoye_a_la_validation(
    acompte, caf_rhone, utilisateurs
):
    structure = acompte.convention.dossier.structure
    paiements.valider_versements([acompte], utilisateurs["valideur"])
    paiements.creer_lot(caf_rhone, utilisateurs["comptable"], timezone.localdate())
    changement = coordonnees.proposer_coordonnees(
        structure, _administrateur(structure), NOUVEAU, "CMCIFR2A", _rib()
    )

    coordonnees.accepter_coordonnees(changement, utilisateurs["valideur"])

    acompte.refresh_from_db()
    assert acompte.etat == E.MIS_EN_PAIEMENT and acompte.iban_beneficiaire == IBAN_STRUCTURE


def test_un_compte_change_hors_de_la_verification_est_laisse_de_cote(
    acompte, caf_rhone, utilisateurs
):
    """Le filet du lot : même écrit en base sans passer par la Caf, un autre compte que
    celui de la validation n'est pas payé."""
    structure = acompte.convention.dossier.structure
    paiements.valider_versements([acompte], utilisateurs["valideur"])
    structure.iban = NOUVEAU
    structure.save(update_fields=["iban"])

    with pytest.raises(paiements.ActionImpossible) as refus:
        paiements.creer_lot(caf_rhone, utilisateurs["comptable"], timezone.localdate())

    assert "changées depuis la validation : à valider de nouveau" in refus.value.details[0]
    acompte.refresh_from_db()
    assert acompte.etat == E.VALIDE and acompte.lot is None


def test_le_comptable_voit_qu_un_compte_attend_et_que_le_lot_paie_le_compte_accepte(
    acompte, comptable, valideur, utilisateurs
):
    structure = acompte.convention.dossier.structure
    paiements.valider_versements([acompte], utilisateurs["valideur"])
    coordonnees.proposer_coordonnees(
        structure, _administrateur(structure), NOUVEAU, "CMCIFR2A", _rib()
    )

    page = texte(comptable.get("/paiements/?onglet=a-payer"))
    assert "1 structure a proposé un nouveau compte bancaire" in page
    assert "Nouveau compte à vérifier" in page
    assert "part sur le compte accepté" in page
    assert masquer_iban(IBAN_STRUCTURE) in page
    assert 'id="lien-coordonnees"' not in page  # le comptable n'examine pas les comptes

    page_valideur = texte(valideur.get("/paiements/"))
    assert "Vérifier les comptes (1)" in page_valideur
