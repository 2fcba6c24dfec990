"""La clôture : bilan accepté, tous les versements payés et l'indu éventuel remboursé ;
un dossier clôturé est en lecture seule partout (messages, annotations, corrections,
avenant, bilan, remboursement), avec un bandeau sur les deux pages."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from clas.bilans import regularisation
from clas.bilans.models import Bilan, Indu, Remboursement
from clas.bilans.permissions import capacites_bilan, capacites_indu
from clas.conventions.permissions import capacites_avenant
from clas.dossiers.models import EtatDossier, Message
from clas.dossiers.permissions import capacites
from clas.instruction.models import Annotation, Proposition
from clas.instruction.permissions import capacites_agent
from clas.versements.models import EtatVersement, NatureVersement, Versement
from tests.outils import texte

from .regularisation_fabrique import (
    ACOMPTE,
    INDU,
    accepter_bilan,
    aujourd_hui,
    payer,
)


def _etat(convention) -> str:
    convention.dossier.refresh_from_db()
    return convention.dossier.etat


@pytest.fixture
def cloture(regul_acompte_paye, utilisateurs):
    """Écart nul : bilan accepté au montant de l'acompte payé, le dossier se clôture."""
    resultat = accepter_bilan(regul_acompte_paye, utilisateurs["instructeur"], str(ACOMPTE))
    assert resultat.ecart == 0 and resultat.solde is None and resultat.indu is None
    assert _etat(regul_acompte_paye) == EtatDossier.CLOTURE
    return regul_acompte_paye


# --- Quand le dossier se clôture ----------------------------------------------------------------


def test_un_solde_positif_cree_un_seul_versement_a_valider_et_le_dossier_reste_ouvert(
    regul_acompte_paye, utilisateurs
):
    resultat = accepter_bilan(regul_acompte_paye, utilisateurs["instructeur"], "4000.00")
    assert resultat.ecart == Decimal("850.00")
    solde = resultat.solde
    assert solde is not None and solde.montant == Decimal("850.00")
    assert solde.etat == EtatVersement.A_VALIDER and solde.nature == NatureVersement.SOLDE
    # Un second appel (acceptation rejouée) ne crée rien de plus.
    encore = regularisation.regulariser(regul_acompte_paye.bilan, utilisateurs["instructeur"])
    assert encore.solde == solde
    assert Versement.objects.filter(nature=NatureVersement.SOLDE).count() == 1
    assert not Indu.objects.exists()
    assert _etat(regul_acompte_paye) == EtatDossier.ACCEPTE


def test_le_solde_paye_clot_le_dossier(regul_acompte_paye, utilisateurs):
    resultat = accepter_bilan(regul_acompte_paye, utilisateurs["instructeur"], "4000.00")
    assert regularisation.cloturer_si_termine(regul_acompte_paye, None) is False
    payer(resultat.solde, utilisateurs["comptable"])
    assert regularisation.cloturer_si_termine(regul_acompte_paye, utilisateurs["comptable"])
    assert _etat(regul_acompte_paye) == EtatDossier.CLOTURE
    # Idempotent : une seconde fois ne fait rien.
    assert regularisation.cloturer_si_termine(regul_acompte_paye, None) is False
    assert regul_acompte_paye.dossier.evenements.filter(type="cloturer").count() == 1


def test_un_solde_rejete_non_reemis_empeche_la_cloture(regul_acompte_paye, utilisateurs):
    resultat = accepter_bilan(regul_acompte_paye, utilisateurs["instructeur"], "4000.00")
    Versement.objects.filter(pk=resultat.solde.pk).update(etat=EtatVersement.REJETE)
    assert regularisation.cloturer_si_termine(regul_acompte_paye, None) is False
    assert _etat(regul_acompte_paye) == EtatDossier.ACCEPTE


def test_un_ecart_nul_clot_le_dossier_sans_rien_a_payer(cloture):
    assert not Versement.objects.filter(nature=NatureVersement.SOLDE).exists()
    assert cloture.dossier.evenements.filter(type="rien_a_payer", public=True).exists()


def test_un_ecart_nul_avec_un_acompte_pas_encore_paye_attend_le_paiement(
    regul_signee, utilisateurs
):
    resultat = accepter_bilan(regul_signee, utilisateurs["instructeur"], str(ACOMPTE))
    assert resultat.ecart == 0
    assert _etat(regul_signee) == EtatDossier.ACCEPTE
    payer(Versement.objects.get(nature=NatureVersement.ACOMPTE), utilisateurs["comptable"])
    assert regularisation.cloturer_si_termine(regul_signee, None)
    assert _etat(regul_signee) == EtatDossier.CLOTURE


def test_sans_bilan_accepte_le_dossier_ne_se_clot_pas(regul_acompte_paye):
    assert regularisation.cloturer_si_termine(regul_acompte_paye, None) is False
    Bilan.objects.create(convention=regul_acompte_paye)  # brouillon
    assert regularisation.cloturer_si_termine(regul_acompte_paye, None) is False
    assert _etat(regul_acompte_paye) == EtatDossier.ACCEPTE


def test_un_indu_ouvert_empeche_la_cloture_jusqu_au_dernier_euro(regul_indu, utilisateurs):
    convention = regul_indu.convention
    assert regularisation.cloturer_si_termine(convention, None) is False
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], INDU - Decimal("0.01"), aujourd_hui()
    )
    assert _etat(convention) == EtatDossier.ACCEPTE
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("0.01"), aujourd_hui()
    )
    assert _etat(convention) == EtatDossier.CLOTURE


# --- Lecture seule --------------------------------------------------------------------------------


ECRITURE_STRUCTURE = ("modifier", "signer_attestation", "deposer", "ecrire_message")
ECRITURE_CAF = (
    "prendre",
    "instruire",
    "annoter",
    "ecrire",
    "demander_complements",
    "proposer",
    "valider",
)


@pytest.mark.parametrize(
    "persona",
    [
        "porteur",
        "porteur_autre",
        "instructeur",
        "instructeur_autre_caf",
        "valideur",
        "comptable",
        "national",
    ],
)
def test_un_dossier_cloture_n_ouvre_aucune_capacite_d_ecriture(cloture, utilisateurs, persona):
    utilisateur = utilisateurs[persona]
    dossier = cloture.dossier
    dossier.refresh_from_db()
    structure = capacites(dossier, utilisateur)
    assert not any(structure[c] for c in ECRITURE_STRUCTURE), structure
    caf = capacites_agent(dossier, utilisateur, None)
    assert not any(caf[c] for c in ECRITURE_CAF), caf
    assert not capacites_indu(dossier, utilisateur)["enregistrer_remboursement"]
    assert not any(capacites_avenant(dossier, utilisateur, cloture, None).values())
    bilan = capacites_bilan(dossier, cloture, cloture.bilan, utilisateur)
    assert not (bilan["saisir"] or bilan["deposer"] or bilan["examiner"])
    # Ce qui se lit reste lisible.
    assert structure["voir"] is (persona == "porteur")


def test_avant_la_cloture_les_messages_etaient_ouverts(regul_acompte_paye, utilisateurs):
    dossier = regul_acompte_paye.dossier
    assert capacites(dossier, utilisateurs["porteur"])["ecrire_message"]
    assert capacites_agent(dossier, utilisateurs["instructeur"], None)["ecrire"]


def test_l_action_d_envoi_refuse_elle_aussi_un_message_sur_un_dossier_cloture(
    cloture, utilisateurs
):
    from django.core.exceptions import PermissionDenied

    from clas.dossiers.actions import envoyer_message

    cloture.dossier.refresh_from_db()
    with pytest.raises(PermissionDenied, match="clôturé"):
        envoyer_message(cloture.dossier, utilisateurs["porteur"], "Encore un mot")
    assert not Message.objects.filter(texte="Encore un mot").exists()


def test_les_actions_de_la_caf_refusent_elles_aussi_d_ecrire_sur_un_dossier_cloture(
    cloture, utilisateurs
):
    from clas.instruction import actions as instruction

    cloture.dossier.refresh_from_db()
    instructeur = utilisateurs["instructeur"]
    with pytest.raises(instruction.ActionImpossible, match="clôturé"):
        instruction.annoter(cloture.dossier, instructeur, "Une note")
    with pytest.raises(instruction.ActionImpossible, match="clôturé"):
        instruction.ecrire_a_la_structure(cloture.dossier, instructeur, "Encore un mot")
    assert not Annotation.objects.filter(dossier_id=cloture.dossier_id).exists()


def test_sur_un_dossier_cloture_les_messages_et_annotations_sont_refuses(
    cloture, porteur, instructeur
):
    dossier_id = cloture.dossier_id
    assert (
        porteur.post(
            reverse("dossier_message", args=[dossier_id]), {"texte": "Encore un mot"}
        ).status_code
        == 403
    )
    assert (
        instructeur.post(
            reverse("instruction_message", args=[dossier_id]), {"texte": "Encore un mot"}
        ).status_code
        == 403
    )
    assert (
        instructeur.post(
            reverse("instruction_annoter", args=[dossier_id]), {"texte": "Une note"}
        ).status_code
        == 403
    )
    assert not Message.objects.filter(dossier_id=dossier_id, texte="Encore un mot").exists()
    assert not Annotation.objects.filter(dossier_id=dossier_id).exists()


def test_sur_un_dossier_cloture_l_avenant_est_refuse(cloture, instructeur):
    reponse = instructeur.post(
        reverse("avenant_proposer", args=[cloture.dossier_id]),
        {"collectifs": [], "montant": "100,00", "motif": "Trop tard"},
        follow=True,
    )
    assert "clôturé" in texte(reponse)
    assert not Proposition.objects.filter(objet="avenant").exists()


def test_sur_un_dossier_cloture_un_remboursement_est_refuse(regul_indu, comptable, utilisateurs):
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], INDU, aujourd_hui()
    )
    assert _etat(regul_indu.convention) == EtatDossier.CLOTURE
    reponse = comptable.post(
        reverse("indu_remboursement", args=[regul_indu.convention.dossier_id]),
        {"montant": "1,00", "recu_le": aujourd_hui().isoformat(), "jeton": str(uuid.uuid4())},
        follow=True,
    )
    assert "lecture seule" in texte(reponse)
    assert Remboursement.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("porteur", "dossier_detail"),
        ("instructeur", "instruction_dossier"),
        ("comptable", "instruction_dossier"),
    ],
)
def test_un_bandeau_dit_que_le_dossier_est_clos_et_en_lecture_seule(
    client_de, cloture, persona, url
):
    page = texte(client_de(persona).get(reverse(url, args=[cloture.dossier_id])))
    date = cloture.dossier.evenements.get(type="cloturer").created_at
    from django.utils import timezone

    assert f"Dossier clôturé le {timezone.localtime(date):%d/%m/%Y} — lecture seule" in page
    assert "Proposer un avenant" not in page
    for formulaire in ("dossier_message", "instruction_message", "instruction_annoter"):
        assert f'action="{reverse(formulaire, args=[cloture.dossier_id])}"' not in page


def test_un_dossier_non_cloture_n_a_pas_de_bandeau(regul_acompte_paye, porteur):
    page = texte(porteur.get(reverse("dossier_detail", args=[regul_acompte_paye.dossier_id])))
    assert "lecture seule" not in page
