"""Déposer un dossier : tout est vérifié d'un coup, numéro, accusé de dépôt, courriel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clas.dossiers import actions
from clas.dossiers.models import Dossier, EtatDossier, Evenement, PieceDossier
from clas.dossiers.permissions import capacites
from clas.dossiers.recu import generer_recu
from clas.dossiers.verification import bloquants, url_etape, verifier_dossier
from clas.structures.models import RoleMembre, TypePiece
from tests.dossiers.suivi_fabrique import (
    campagne,
    contient_texte_pdf,
    dossier_complet,
    media_temporaire,  # noqa: F401
    piece,
)
from tests.factories import MembreStructureFactory, StructureFactory
from tests.outils import texte

pytestmark = pytest.mark.usefixtures("media_temporaire")


@pytest.fixture
def porteur_a(utilisateurs):
    return utilisateurs["porteur"]


@pytest.fixture
def campagne_ouverte(caf_rhone, utilisateurs):
    return campagne(caf_rhone, utilisateurs["valideur"])


@pytest.fixture
def dossier(structure_a, campagne_ouverte, porteur_a):
    structure_a.email = "contact@centre-a.exemple.fr"
    structure_a.save()
    return dossier_complet(structure_a, campagne_ouverte, porteur_a)


def test_deposer_un_dossier_complet_donne_un_numero_un_accuse_pdf_et_un_courriel(
    dossier, porteur_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.deposer(dossier, porteur_a)

    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.DEPOSE
    assert dossier.numero == "CLAS-069-2026-00001"
    assert dossier.depose_le is not None
    evenement = Evenement.objects.get(dossier=dossier, type="deposer")
    assert evenement.public
    assert evenement.auteur == porteur_a
    assert (evenement.etat_avant, evenement.etat_apres) == ("brouillon", "depose")
    assert "CLAS-069-2026-00001" in evenement.description

    contenu = dossier.recu.read()
    assert contenu.startswith(b"%PDF")
    assert len(contenu) > 5000
    assert contient_texte_pdf(contenu, "CLAS-069-2026-00001")

    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    assert "CLAS-069-2026-00001" in courriel.subject
    assert set(courriel.to) == {"porteur.a@exemple.fr", "contact@centre-a.exemple.fr"}
    assert "Réussir ensemble à Lyon" in courriel.body
    assert "4\u00a0500,00\u00a0€" in courriel.body
    ((nom, piece_jointe, type_mime),) = courriel.attachments
    assert nom == "accuse-depot-CLAS-069-2026-00001.pdf"
    assert type_mime == "application/pdf"
    assert piece_jointe.startswith(b"%PDF")


def test_les_numeros_se_suivent_par_caf_et_par_annee(
    dossier, porteur_a, caf_rhone, caf_somme, utilisateurs, django_capture_on_commit_callbacks
) -> None:
    autre = MembreStructureFactory(structure=StructureFactory(caf=caf_rhone)).utilisateur
    deuxieme = dossier_complet(autre.adhesions.get().structure, dossier.campagne, autre)
    somme = MembreStructureFactory(structure=StructureFactory(caf=caf_somme)).utilisateur
    campagne_somme = campagne(caf_somme, utilisateurs["instructeur_autre_caf"])
    troisieme = dossier_complet(somme.adhesions.get().structure, campagne_somme, somme)

    actions.deposer(dossier, porteur_a)
    actions.deposer(deuxieme, autre)
    actions.deposer(troisieme, somme)

    assert Dossier.objects.get(pk=dossier.pk).numero == "CLAS-069-2026-00001"
    assert Dossier.objects.get(pk=deuxieme.pk).numero == "CLAS-069-2026-00002"
    assert Dossier.objects.get(pk=troisieme.pk).numero == "CLAS-080-2026-00001"


def test_un_dossier_deja_depose_ne_se_depose_pas_une_seconde_fois(
    dossier, porteur_a, porteur
) -> None:
    actions.deposer(dossier, porteur_a)

    with pytest.raises(actions.TransitionImpossible, match="« Déposé »"):
        actions.deposer(dossier, porteur_a)

    reponse = porteur.post(f"/dossiers/{dossier.pk}/deposer/", follow=True)
    assert "Action impossible : le dossier est « Déposé »" in texte(reponse)
    dossier.refresh_from_db()
    assert dossier.numero == "CLAS-069-2026-00001"
    assert Evenement.objects.filter(dossier=dossier, type="deposer").count() == 1


def test_un_dossier_incomplet_liste_tous_ses_manques_avec_le_lien_de_chaque_etape(
    structure_a, campagne_ouverte, porteur_a, porteur
) -> None:
    dossier = Dossier.objects.create(
        structure=structure_a, campagne=campagne_ouverte, cree_par=porteur_a, titre="Projet"
    )

    with pytest.raises(actions.DepotRefuse) as refus:
        actions.deposer(dossier, porteur_a)

    manques = refus.value.manques
    assert {m.etape for m in manques} == {
        "projet",
        "collectifs",
        "budget",
        "documents",
        "attestation",
    }
    messages = [m.message for m in manques]
    assert "Renseignez le résumé du projet." in messages
    assert "Renseignez l'axe « parents »." in messages
    assert "Déclarez au moins un collectif d'enfants." in messages
    assert "Indiquez le montant de prestation de service Clas demandé." in messages
    assert "Joignez la pièce « Relevé d'identité bancaire »." in messages
    assert len(manques) == 8 + 1 + 3 + 4 + 1
    assert all(m.url == url_etape(dossier.pk, m.etape) for m in manques)

    reponse = porteur.post(f"/dossiers/{dossier.pk}/deposer/")
    assert reponse.status_code == 400
    page = texte(reponse)
    assert f"{len(manques)} points à corriger" in page
    for manque in manques:
        assert manque.message in page
        assert f'href="{manque.url}"' in page
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.BROUILLON
    assert dossier.numero is None


def test_chaque_collectif_incomplet_est_nomme_avec_ce_qui_lui_manque(dossier, porteur_a) -> None:
    collectif = dossier.collectifs.first()
    collectif.lieu = ""
    collectif.niveaux = []
    collectif.horaires = []
    collectif.premiere_semaine = None
    collectif.description_projets_culturels = ""
    collectif.save()
    collectif.intervenants.all().delete()

    manques = bloquants(verifier_dossier(dossier))

    assert [m.message for m in manques] == [
        "Le collectif « Collectif 1 » : indiquez le lieu d'accueil.",
        "Le collectif « Collectif 1 » : cochez au moins un niveau scolaire.",
        "Le collectif « Collectif 1 » : indiquez au moins un horaire hebdomadaire.",
        "Le collectif « Collectif 1 » : indiquez la première semaine de fonctionnement.",
        "Le collectif « Collectif 1 » : décrivez les actions culturelles ou éducatives prévues.",
        "Le collectif « Collectif 1 » : listez ses intervenants.",
    ]


def test_un_collectif_non_eligible_est_signale_mais_ne_bloque_pas_le_depot(
    dossier, porteur_a, porteur
) -> None:
    collectif = dossier.collectifs.first()
    collectif.nb_enfants = 3
    collectif.save()

    manques = verifier_dossier(dossier)
    assert bloquants(manques) == []
    avertissement = next(m for m in manques if "n'est pas éligible" in m.message)
    assert avertissement.etape == "collectifs"
    assert "Collectif 1" in avertissement.message
    assert "n'est pas éligible" in texte(porteur.get(f"/dossiers/{dossier.pk}/"))

    actions.deposer(dossier, porteur_a)
    assert Dossier.objects.get(pk=dossier.pk).etat == EtatDossier.DEPOSE


def test_une_piece_expiree_bloque_le_depot(dossier, structure_a, porteur_a) -> None:
    PieceDossier.objects.filter(dossier=dossier, piece__type_piece=TypePiece.ASSURANCE).delete()
    PieceDossier.objects.create(
        dossier=dossier,
        piece=piece(
            structure_a,
            porteur_a,
            TypePiece.ASSURANCE,
            date_validite=timezone.localdate() - dt.timedelta(days=1),
        ),
    )

    with pytest.raises(actions.DepotRefuse) as refus:
        actions.deposer(dossier, porteur_a)

    messages = [m.message for m in refus.value.manques]
    assert "Joignez la pièce « Attestation d'assurance »." in messages
    assert any("a expiré le" in message for message in messages)


def test_une_attestation_signee_par_un_contributeur_ne_vaut_pas(
    dossier, structure_a, porteur_a
) -> None:
    contributeur = MembreStructureFactory(
        structure=structure_a, role=RoleMembre.CONTRIBUTEUR
    ).utilisateur
    Dossier.objects.filter(pk=dossier.pk).update(attestation_par=contributeur)

    with pytest.raises(actions.DepotRefuse) as refus:
        actions.deposer(dossier, porteur_a)

    assert [m.etape for m in refus.value.manques] == ["attestation"]


def test_un_contributeur_ne_peut_pas_deposer(dossier, structure_a) -> None:
    contributeur = MembreStructureFactory(
        structure=structure_a, role=RoleMembre.CONTRIBUTEUR
    ).utilisateur
    assert not capacites(dossier, contributeur)["deposer"]

    with pytest.raises(PermissionDenied, match="signataire ou un administrateur"):
        actions.deposer(dossier, contributeur)

    from django.test import Client

    client = Client()
    client.force_login(contributeur)
    page = texte(client.get(f"/dossiers/{dossier.pk}/"))
    assert "Seul un signataire ou un administrateur de la structure peut déposer" in page
    assert client.post(f"/dossiers/{dossier.pk}/deposer/").status_code == 403


def test_hors_des_dates_de_la_campagne_le_depot_est_refuse_avec_le_message(
    dossier, porteur_a, porteur
) -> None:
    campagne_ = dossier.campagne
    campagne_.ouverture = timezone.now() - dt.timedelta(days=60)
    campagne_.cloture = timezone.now() - dt.timedelta(days=1)
    campagne_.save()

    with pytest.raises(actions.DepotRefuse) as refus:
        actions.deposer(dossier, porteur_a)

    (manque,) = refus.value.manques
    assert "sont clos depuis le" in manque.message
    reponse = porteur.post(f"/dossiers/{dossier.pk}/deposer/")
    assert reponse.status_code == 400
    assert "sont clos depuis le" in texte(reponse)
    assert Dossier.objects.get(pk=dossier.pk).etat == EtatDossier.BROUILLON


def test_avant_l_ouverture_le_depot_est_refuse(dossier, porteur_a) -> None:
    campagne_ = dossier.campagne
    campagne_.ouverture = timezone.now() + dt.timedelta(days=2)
    campagne_.cloture = timezone.now() + dt.timedelta(days=30)
    campagne_.save()

    with pytest.raises(actions.DepotRefuse, match="1 point"):
        actions.deposer(dossier, porteur_a)


def test_deposer_depuis_la_page_redirige_vers_le_dossier_avec_son_numero(
    dossier, porteur, django_capture_on_commit_callbacks
) -> None:
    page = texte(porteur.get(f"/dossiers/{dossier.pk}/"))
    assert f'action="/dossiers/{dossier.pk}/deposer/"' in page
    assert "Le dossier est complet." in page

    with django_capture_on_commit_callbacks(execute=True):
        reponse = porteur.post(f"/dossiers/{dossier.pk}/deposer/", follow=True)

    assert reponse.redirect_chain == [(f"/dossiers/{dossier.pk}/", 302)]
    page = texte(reponse)
    assert "Dossier déposé sous le numéro CLAS-069-2026-00001" in page
    assert f"/dossiers/{dossier.pk}/recu.pdf" in page
    assert f'action="/dossiers/{dossier.pk}/deposer/"' not in page
    assert len(mail.outbox) == 1


def test_un_dossier_depose_n_est_plus_modifiable_par_la_structure(dossier, porteur_a) -> None:
    actions.deposer(dossier, porteur_a)
    dossier.refresh_from_db()

    droits = capacites(dossier, porteur_a)
    assert not droits["modifier"]
    assert not droits["deposer"]
    assert droits["ecrire_message"]


def test_l_accuse_de_depot_n_est_produit_qu_une_fois(
    dossier, porteur_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.deposer(dossier, porteur_a)
    dossier.refresh_from_db()
    nom = dossier.recu.name

    assert generer_recu(dossier) is False
    dossier.refresh_from_db()
    assert dossier.recu.name == nom
