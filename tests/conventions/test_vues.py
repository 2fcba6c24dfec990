"""La convention sur la page de la structure : téléchargement, signature (mot de passe
saisi à nouveau), droits de chaque persona, second envoi sans second acompte."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clas.dossiers.models import Evenement
from clas.versements.models import Versement
from tests.factories import MOT_DE_PASSE
from tests.outils import texte


def _client(utilisateur) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


def _signer(client: Client, convention, mot_de_passe: str = MOT_DE_PASSE, **extra):
    return client.post(
        reverse("convention_signer", args=[convention.dossier_id]),
        {"mot_de_passe": mot_de_passe},
        **extra,
    )


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("porteur", 200),
        ("instructeur", 200),
        ("valideur", 200),
        ("comptable", 200),
        ("porteur_autre", 404),
        ("instructeur_autre_caf", 404),
        ("national", 200),
    ],
)
def test_qui_telecharge_la_convention(client_de, convention, persona, statut):
    reponse = client_de(persona).get(reverse("convention_pdf", args=[convention.dossier_id]))
    assert reponse.status_code == statut
    if statut == 200:
        assert reponse["Content-Type"] == "application/pdf"
        assert b"".join(reponse.streaming_content).startswith(b"%PDF")


def test_un_anonyme_est_envoye_vers_la_connexion(anonyme, convention):
    for reponse in (
        anonyme.get(reverse("convention_pdf", args=[convention.dossier_id])),
        _signer(anonyme, convention),
    ):
        assert reponse.status_code == 302
        assert "connexion" in reponse["Location"] or "login" in reponse["Location"]
    assert not Versement.objects.exists()


def test_la_page_du_dossier_propose_de_signer(porteur, convention):
    page = texte(porteur.get(reverse("dossier_detail", args=[convention.dossier_id])))
    assert "Convention à signer" in page
    assert reverse("convention_pdf", args=[convention.dossier_id]) in page
    assert "Signer la convention" in page


def test_un_contributeur_voit_la_convention_sans_pouvoir_signer(
    convention, convention_contributeur
):
    client = _client(convention_contributeur)
    page = texte(client.get(reverse("dossier_detail", args=[convention.dossier_id])))
    assert "Convention à signer" in page
    assert "Signer la convention" not in page
    assert _signer(client, convention).status_code == 403
    convention.refresh_from_db()
    assert not convention.est_signee
    assert not Versement.objects.exists()


def test_signer_avec_le_bon_mot_de_passe(porteur, convention, utilisateurs):
    reponse = _signer(porteur, convention, HTTP_USER_AGENT="Navigateur de test/1.0")
    assert reponse.status_code == 302
    assert reponse["Location"].endswith("#convention")
    convention.refresh_from_db()
    assert convention.signee_par == utilisateurs["porteur"]
    assert convention.signee_depuis == "127.0.0.1"
    assert convention.signee_navigateur == "Navigateur de test/1.0"
    acompte = Versement.objects.get(convention=convention)
    assert acompte.etat == "a_valider"
    page = texte(porteur.get(reponse["Location"]))
    assert "Convention signée" in page
    assert "Signée par" in page
    assert "3\xa0150,00\xa0€" in page
    assert "À valider" in page
    assert "Signer la convention" not in page


def test_un_signataire_peut_signer(convention, convention_signataire):
    assert _signer(_client(convention_signataire), convention).status_code == 302
    convention.refresh_from_db()
    assert convention.signee_par == convention_signataire


def test_un_mauvais_mot_de_passe_est_refuse(porteur, convention):
    reponse = _signer(porteur, convention, "pas-le-bon")
    assert reponse.status_code == 400
    assert "Mot de passe incorrect" in texte(reponse)
    assert "pas-le-bon" not in texte(reponse)
    reponse = _signer(porteur, convention, "")
    assert reponse.status_code == 400
    assert "Saisissez votre mot de passe" in texte(reponse)
    convention.refresh_from_db()
    assert not convention.est_signee
    assert not Versement.objects.exists()


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("porteur_autre", 404),
        ("instructeur_autre_caf", 404),
        ("national", 403),
        ("instructeur", 403),
        ("valideur", 403),
        ("comptable", 403),
    ],
)
def test_les_autres_ne_signent_pas(client_de, convention, persona, statut):
    assert _signer(client_de(persona), convention).status_code == statut
    convention.refresh_from_db()
    assert not convention.est_signee


def test_la_signature_se_fait_en_post(porteur, convention):
    reponse = porteur.get(reverse("convention_signer", args=[convention.dossier_id]))
    assert reponse.status_code == 405


def test_un_second_envoi_ne_cree_pas_de_second_acompte(porteur, convention):
    assert _signer(porteur, convention).status_code == 302
    reponse = _signer(porteur, convention)
    assert reponse.status_code == 302
    assert "déjà signée" in texte(porteur.get(reponse["Location"]))
    assert Versement.objects.filter(convention=convention).count() == 1
    assert Evenement.objects.filter(type="convention_signee").count() == 1
    assert Evenement.objects.filter(type="acompte_cree").count() == 1


def test_l_historique_de_la_structure_montre_signature_et_acompte(porteur, convention):
    _signer(porteur, convention)
    page = texte(porteur.get(reverse("dossier_detail", args=[convention.dossier_id])))
    assert "Convention signée par" in page
    assert "Acompte de 3\xa0150,00\xa0€" in page


def test_pas_de_convention_pas_de_telechargement(porteur, decision_instruit):
    assert porteur.get(reverse("convention_pdf", args=[decision_instruit.pk])).status_code == 404
    assert _signer_dossier(porteur, decision_instruit.pk).status_code == 404


def _signer_dossier(client: Client, dossier_id: int):
    return client.post(
        reverse("convention_signer", args=[dossier_id]), {"mot_de_passe": MOT_DE_PASSE}
    )
