"""La convention et l'acompte, côté cas d'usage : établie après un accord seulement, avec
le taux d'acompte gardé par la décision ; signée une fois ; un seul acompte."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from clas.conventions import actions
from clas.conventions.models import Convention
from clas.conventions.pdf import charger, contexte_convention
from clas.dossiers.models import Evenement
from clas.instruction import decisions
from clas.instruction.models import MotifRefus
from clas.referentiel.models import ParametresBareme
from clas.versements import actions as versements
from clas.versements.models import EtatVersement, NatureVersement, Versement
from tests.dossiers.suivi_fabrique import contient_texte_pdf
from tests.factories import MOT_DE_PASSE


def test_la_convention_est_etablie_apres_un_accord(convention_decision, convention):
    assert convention.decision == convention_decision
    assert convention.montant_maximal == Decimal("4500.00")
    assert convention.taux_acompte == Decimal(
        convention_decision.parametres["taux_acompte"]["valeur"]
    )
    assert convention.date_limite_bilan == dt.date(2027, 9, 30)
    assert not convention.est_signee
    contenu = convention.pdf.read()
    assert contenu.startswith(b"%PDF")
    assert contient_texte_pdf(contenu, convention.dossier.numero)


def test_pas_de_convention_apres_un_refus(
    decision_instruit, utilisateurs, django_capture_on_commit_callbacks
):
    proposition = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "refus",
        motif_refus=MotifRefus.ENVELOPPE_EPUISEE,
        texte="Les crédits sont engagés.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.valider(proposition, utilisateurs["valideur"])
    assert not Convention.objects.exists()
    assert actions.etablir_convention(decision) is None


def test_le_taux_vient_de_la_decision_meme_apres_modification_des_parametres(
    decision_proposition, utilisateurs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        decision = decisions.valider(decision_proposition, utilisateurs["valideur"])
    taux_decision = Decimal(decision.parametres["taux_acompte"]["valeur"])
    ParametresBareme.objects.filter(annee_scolaire="2026-2027").update(taux_acompte=Decimal("0.5"))
    convention = actions.etablir_convention(decision)
    assert convention is not None
    assert convention.taux_acompte == taux_decision != Decimal("0.5")


def test_la_date_limite_du_bilan_est_celle_de_la_campagne(
    decision_proposition, utilisateurs, django_capture_on_commit_callbacks
):
    campagne = decision_proposition.dossier.campagne
    campagne.date_limite_bilan = dt.date(2027, 7, 15)
    campagne.save(update_fields=["date_limite_bilan"])
    with django_capture_on_commit_callbacks(execute=True):
        decisions.valider(decision_proposition, utilisateurs["valideur"])
    assert Convention.objects.get().date_limite_bilan == dt.date(2027, 7, 15)


def test_etablir_deux_fois_ne_cree_qu_une_convention(convention_decision, convention):
    nom_pdf = convention.pdf.name
    assert actions.etablir_convention(convention_decision) == convention
    assert Convention.objects.count() == 1
    convention.refresh_from_db()
    assert convention.pdf.name == nom_pdf


def test_le_contenu_de_la_convention(convention):
    contenu = html.unescape(
        render_to_string("conventions/convention.html", contexte_convention(charger(convention)))
    )
    structure = convention.dossier.structure
    for mot in (
        convention.dossier.numero,
        "Caf du Rhône",
        "Centre social A",
        structure.siret[:3],
        "2026-2027",
        "Collectif 1",
        "4\xa0500,00\xa0€",
        "acompte de 70\xa0%",
        "3\xa0150,00\xa0€",
        "bilan",
        "avant le 30/09/2027",
        "charte nationale de l'accompagnement à la scolarité",
        "associer les parents",
        "régularité tout au long de l'année scolaire",
        "soutien de la Caf",
    ):
        assert mot in contenu, mot


def test_signer_avec_le_bon_mot_de_passe(convention, utilisateurs):
    porteur = utilisateurs["porteur"]
    signature = actions.signer(
        convention, porteur, MOT_DE_PASSE, adresse_ip="203.0.113.5", navigateur="Firefox"
    )
    assert not signature.deja_signee
    convention.refresh_from_db()
    assert convention.signee_par == porteur
    assert convention.signee_le is not None
    assert convention.signee_depuis == "203.0.113.5"
    assert convention.signee_navigateur == "Firefox"
    acompte = Versement.objects.get(convention=convention)  # créé dans la même transaction
    assert acompte.nature == NatureVersement.ACOMPTE
    assert acompte.etat == EtatVersement.A_VALIDER
    assert acompte.montant == Decimal("3150.00")


def test_signer_avec_un_mauvais_mot_de_passe_ne_signe_rien(convention, utilisateurs):
    with pytest.raises(actions.MotDePasseIncorrect, match="Mot de passe incorrect"):
        actions.signer(convention, utilisateurs["porteur"], "pas-le-bon")
    convention.refresh_from_db()
    assert not convention.est_signee
    assert not Versement.objects.exists()


def test_apres_cinq_mots_de_passe_errones_la_signature_est_suspendue(convention, utilisateurs):

    porteur = utilisateurs["porteur"]
    for _essai in range(actions.ESSAIS_MAXIMUM):
        with pytest.raises(actions.MotDePasseIncorrect):
            actions.signer(convention, porteur, "pas-le-bon")
    with pytest.raises(actions.MotDePasseIncorrect, match="suspendue"):
        actions.signer(convention, porteur, MOT_DE_PASSE)
    convention.refresh_from_db()
    assert not convention.est_signee
    essais = Evenement.objects.filter(dossier=convention.dossier, type="signature_refusee")
    assert essais.count() == actions.ESSAIS_MAXIMUM
    assert not essais.filter(public=True).exists()


def test_les_essais_refuses_anciens_ne_bloquent_plus(convention, utilisateurs):

    porteur = utilisateurs["porteur"]
    for _essai in range(actions.ESSAIS_MAXIMUM):
        with pytest.raises(actions.MotDePasseIncorrect):
            actions.signer(convention, porteur, "pas-le-bon")
    Evenement.objects.filter(type="signature_refusee").update(
        created_at=timezone.now() - actions.FENETRE_ESSAIS
    )
    assert not actions.signer(convention, porteur, MOT_DE_PASSE).deja_signee


def test_un_contributeur_ne_signe_pas(convention, convention_contributeur):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.signer(convention, convention_contributeur, MOT_DE_PASSE)
    assert not Versement.objects.exists()


def test_une_seconde_signature_ne_cree_pas_de_second_acompte(
    convention, utilisateurs, convention_signataire
):
    premiere = actions.signer(convention, utilisateurs["porteur"], MOT_DE_PASSE)
    seconde = actions.signer(convention, convention_signataire, MOT_DE_PASSE)
    assert seconde.deja_signee
    assert seconde.convention == premiere.convention
    convention.refresh_from_db()
    assert convention.signee_par == utilisateurs["porteur"]
    assert Versement.objects.filter(convention=convention).count() == 1
    assert Evenement.objects.filter(type="convention_signee").count() == 1
    assert Evenement.objects.filter(type="acompte_cree").count() == 1
    _versement, cree = versements.creer_acompte(convention, utilisateurs["porteur"])
    assert not cree
    assert Versement.objects.filter(convention=convention).count() == 1


def test_la_base_refuse_un_second_acompte(convention, utilisateurs):
    actions.signer(convention, utilisateurs["porteur"], MOT_DE_PASSE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Versement.objects.create(
            convention=convention, nature=NatureVersement.ACOMPTE, montant=Decimal("1")
        )


@pytest.mark.parametrize(
    ("taux", "montant", "attendu"),
    [
        ("0.70", "4294.50", "3006.15"),
        ("0.70", "4294.55", "3006.19"),  # 3 006,185 : le demi-centime vers le haut
        ("0.70", "4500.00", "3150.00"),
        ("0.3333", "100.00", "33.33"),
    ],
)
def test_le_montant_de_l_acompte_est_arrondi_au_centime(taux, montant, attendu):
    convention = Convention(taux_acompte=Decimal(taux), montant_maximal=Decimal(montant))
    assert actions.montant_acompte(convention) == Decimal(attendu)


def test_l_acompte_d_un_accord_inferieur_au_bareme(
    decision_instruit, utilisateurs, django_capture_on_commit_callbacks
):
    proposition = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "accord",
        montant=Decimal("4294.50"),
        justification_montant="Un collectif commence plus tard.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        decisions.valider(proposition, utilisateurs["valideur"])
    convention = Convention.objects.get()
    convention.taux_acompte = Decimal("0.70")
    convention.save(update_fields=["taux_acompte"])
    actions.signer(convention, utilisateurs["porteur"], MOT_DE_PASSE)
    assert Versement.objects.get(convention=convention).montant == Decimal("3006.15")


def test_l_historique_garde_la_signature_et_l_acompte(convention, utilisateurs):
    actions.signer(convention, utilisateurs["porteur"], MOT_DE_PASSE)
    signee = Evenement.objects.get(type="convention_signee")
    acompte = Evenement.objects.get(type="acompte_cree")
    for evenement in (signee, acompte):
        assert evenement.public
        assert evenement.auteur == utilisateurs["porteur"]
        assert evenement.dossier == convention.dossier
    assert "Convention signée par" in signee.description
    assert "3\xa0150,00\xa0€" in acompte.description
    assert "70\xa0%" in acompte.description
