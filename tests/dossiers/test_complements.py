"""Une demande de compléments : la Caf rouvre des étapes, la structure les complète et
dépose à nouveau ; le dossier revient en instruction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clas.dossiers import actions
from clas.dossiers.etats import appliquer
from clas.dossiers.models import DemandeComplements, Dossier, EtatDossier, Evenement, LigneBudget
from clas.dossiers.permissions import capacites, etape_modifiable
from tests.dossiers.suivi_fabrique import (
    campagne,
    dossier_complet,
    media_temporaire,  # noqa: F401
)
from tests.outils import texte

pytestmark = pytest.mark.usefixtures("media_temporaire")

ECHEANCE = timezone.localdate() + dt.timedelta(days=15)


@pytest.fixture
def en_instruction(structure_a, caf_rhone, utilisateurs):
    dossier = dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )
    actions.deposer(dossier, utilisateurs["porteur"])
    appliquer(dossier, "prendre_en_instruction", utilisateurs["instructeur"])
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def demande(en_instruction, utilisateurs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demande = actions.demander_complements(
            en_instruction,
            utilisateurs["instructeur"],
            ["budget", "documents"],
            "Détaillez les frais de personnel.",
            ECHEANCE,
        )
    en_instruction.refresh_from_db()
    return demande


def test_demander_des_complements_rouvre_seulement_les_etapes_demandees(
    demande, en_instruction, utilisateurs
) -> None:
    dossier = en_instruction
    assert dossier.etat == EtatDossier.COMPLEMENTS_DEMANDES
    assert dossier.etapes_a_completer == ["budget", "documents"]
    evenement = Evenement.objects.get(dossier=dossier, type="demander_complements")
    assert evenement.public
    assert "Détaillez les frais de personnel." in evenement.description
    assert ECHEANCE.strftime("%d/%m/%Y") in evenement.description

    droits = capacites(dossier, utilisateurs["porteur"])
    assert droits["modifier"] and droits["deposer"]
    assert etape_modifiable(dossier, "budget")
    assert etape_modifiable(dossier, "documents")
    assert not etape_modifiable(dossier, "projet")
    assert not etape_modifiable(dossier, "collectifs")

    (courriel,) = mail.outbox
    assert courriel.to == ["porteur.a@exemple.fr"]
    assert ECHEANCE.strftime("%d/%m/%Y") in courriel.subject
    assert "Détaillez les frais de personnel." in courriel.body
    assert "Le budget, Les documents" in courriel.body


def test_la_page_montre_la_demande_les_etapes_rouvertes_et_le_bouton_deposer_a_nouveau(
    demande, en_instruction, porteur
) -> None:
    page = texte(porteur.get(f"/dossiers/{en_instruction.pk}/"))

    assert "Compléments demandés" in page
    assert f"La Caf demande des compléments avant le {ECHEANCE:%d/%m/%Y}" in page
    assert "Détaillez les frais de personnel." in page
    assert f'<a href="/dossiers/{en_instruction.pk}/etapes/budget/">Le budget</a>' in page
    assert "Modifier le budget" in page
    assert "Consulter le projet" in page
    assert "Déposer à nouveau" in page


def test_l_aller_retour_des_complements_ramene_le_dossier_en_instruction(
    demande, en_instruction, utilisateurs, porteur, django_capture_on_commit_callbacks
) -> None:
    LigneBudget.objects.filter(dossier=en_instruction, compte="64").update(
        montant=Decimal("15000.00"), libelle="Deux animateurs à mi-temps"
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reponse = porteur.post(f"/dossiers/{en_instruction.pk}/deposer/", follow=True)

    assert "Compléments déposés : la Caf reprend l'instruction." in texte(reponse)
    dossier = Dossier.objects.get(pk=en_instruction.pk)
    assert dossier.etat == EtatDossier.EN_INSTRUCTION
    assert dossier.etapes_a_completer == []
    assert dossier.numero == en_instruction.numero
    demande.refresh_from_db()
    assert demande.repondue_le is not None
    evenement = Evenement.objects.get(dossier=dossier, type="deposer_complements")
    assert evenement.public and evenement.auteur == utilisateurs["porteur"]
    (courriel,) = mail.outbox
    assert courriel.to == ["instructeur@rhone.exemple.fr"]
    assert "compléments déposés" in courriel.subject
    assert not capacites(dossier, utilisateurs["porteur"])["modifier"]


def test_les_complements_se_deposent_meme_apres_la_cloture_de_la_campagne(
    demande, en_instruction, utilisateurs
) -> None:
    campagne_ = en_instruction.campagne
    campagne_.ouverture = timezone.now() - dt.timedelta(days=90)
    campagne_.cloture = timezone.now() - dt.timedelta(days=1)
    campagne_.save()

    actions.deposer_complements(en_instruction, utilisateurs["porteur"])

    assert Dossier.objects.get(pk=en_instruction.pk).etat == EtatDossier.EN_INSTRUCTION


def test_des_complements_incomplets_sont_refuses_avec_la_liste(
    demande, en_instruction, utilisateurs, porteur
) -> None:
    LigneBudget.objects.filter(dossier=en_instruction, nature="charge").delete()

    with pytest.raises(actions.DepotRefuse) as refus:
        actions.deposer_complements(en_instruction, utilisateurs["porteur"])

    assert [m.etape for m in refus.value.manques] == ["budget"]
    reponse = porteur.post(f"/dossiers/{en_instruction.pk}/deposer/")
    assert reponse.status_code == 400
    assert "Le budget n'a aucune charge" in texte(reponse)
    assert Dossier.objects.get(pk=en_instruction.pk).etat == EtatDossier.COMPLEMENTS_DEMANDES


@pytest.mark.parametrize("persona", ["porteur", "instructeur_autre_caf", "valideur", "comptable"])
def test_seul_un_instructeur_de_la_caf_demande_des_complements(
    en_instruction, utilisateurs, persona
) -> None:
    with pytest.raises(PermissionDenied):
        actions.demander_complements(
            en_instruction, utilisateurs[persona], ["budget"], "Précisez.", ECHEANCE
        )
    assert Dossier.objects.get(pk=en_instruction.pk).etat == EtatDossier.EN_INSTRUCTION


@pytest.mark.parametrize(
    ("etapes", "message", "echeance", "champ"),
    [
        ([], "Précisez.", ECHEANCE, "etapes"),
        (["inconnue"], "Précisez.", ECHEANCE, "etapes"),
        (["budget"], "  ", ECHEANCE, "message"),
        (["budget"], "Précisez.", timezone.localdate() - dt.timedelta(days=1), "echeance"),
    ],
)
def test_une_demande_de_complements_mal_formee_est_refusee(
    en_instruction, utilisateurs, etapes, message, echeance, champ
) -> None:
    with pytest.raises(ValidationError) as erreur:
        actions.demander_complements(
            en_instruction, utilisateurs["instructeur"], etapes, message, echeance
        )
    assert champ in erreur.value.message_dict
    assert not DemandeComplements.objects.exists()


def test_on_ne_demande_pas_de_complements_sur_un_dossier_depose_non_instruit(
    structure_a, caf_rhone, utilisateurs
) -> None:
    dossier = dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )
    actions.deposer(dossier, utilisateurs["porteur"])

    with pytest.raises(actions.TransitionImpossible):
        actions.demander_complements(
            dossier, utilisateurs["instructeur"], ["budget"], "Précisez.", ECHEANCE
        )
    assert not DemandeComplements.objects.exists()
