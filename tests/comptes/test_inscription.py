"""Création de compte : un compte inactif, un courriel avec un lien signé valable 3 jours,
puis l'inscription d'une structure ou l'acceptation d'une invitation."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail, signing
from django.test import Client

from clas.comptes.models import Utilisateur
from clas.comptes.views import jeton_confirmation
from clas.structures.models import Invitation, RoleMembre, Structure
from tests.factories import MOT_DE_PASSE, UtilisateurFactory
from tests.outils import champs, texte

pytestmark = pytest.mark.django_db

LIEN = re.compile(r"https?://\S+/inscription/confirmer/\S+/")
MOT = "un-mot-de-passe-bien-long-2026"


def saisie(**changements: str) -> dict[str, str]:
    donnees = {
        "email": "Camille.Martin@Centre-Social.fr",
        "prenom": "Camille",
        "nom": "Martin",
        "password1": MOT,
        "password2": MOT,
    }
    donnees.update(changements)
    return donnees


def lien_recu() -> str:
    assert len(mail.outbox) == 1
    trouve = LIEN.search(mail.outbox[0].body)
    assert trouve, mail.outbox[0].body
    return trouve.group(0)


def test_la_page_d_inscription_montre_un_libelle_par_champ(anonyme: Client) -> None:
    page = texte(anonyme.get("/inscription/"))

    for libelle in ["Adresse électronique", "Prénom", "Nom", "Mot de passe", "Confirmation"]:
        assert libelle in page


def test_l_inscription_cree_un_compte_inactif_et_envoie_un_lien(anonyme: Client) -> None:
    reponse = anonyme.post("/inscription/", saisie())

    assert reponse.status_code == 302
    assert reponse["Location"] == "/inscription/envoyee/"
    compte = Utilisateur.objects.get(email="camille.martin@centre-social.fr")
    assert not compte.is_active
    assert compte.check_password(MOT)
    assert mail.outbox[0].to == ["camille.martin@centre-social.fr"]
    assert "Confirmez votre adresse" in mail.outbox[0].subject
    assert "3 jours" in mail.outbox[0].body
    lien_recu()
    assert "camille.martin@centre-social.fr" in texte(anonyme.get(reponse["Location"]))


def test_un_compte_non_confirme_ne_peut_pas_se_connecter_et_sait_pourquoi(
    anonyme: Client,
) -> None:
    anonyme.post("/inscription/", saisie())

    reponse = anonyme.post(
        "/connexion/", {"username": "camille.martin@centre-social.fr", "password": MOT}
    )

    assert reponse.status_code == 200
    assert "pas encore confirmée" in texte(reponse)


def test_le_lien_active_le_compte_connecte_et_propose_d_inscrire_la_structure(
    anonyme: Client,
) -> None:
    anonyme.post("/inscription/", saisie())

    reponse = anonyme.get(lien_recu(), follow=True)

    assert [url for url, _statut in reponse.redirect_chain][-1] == "/structures/inscrire/"
    compte = Utilisateur.objects.get(email="camille.martin@centre-social.fr")
    assert compte.is_active
    page = anonyme.get("/structures/inscrire/")
    assert page.status_code == 200
    assert page.context["user"] == compte


def test_apres_confirmation_les_invitations_en_attente_sont_proposees(
    anonyme: Client, structure_a: Structure, utilisateurs
) -> None:
    Invitation.objects.create(
        structure=structure_a,
        email="camille.martin@centre-social.fr",
        role=RoleMembre.SIGNATAIRE,
        invitee_par=utilisateurs["porteur"],
    )
    anonyme.post("/inscription/", saisie())

    reponse = anonyme.get(lien_recu(), follow=True)

    assert [url for url, _statut in reponse.redirect_chain][-1] == "/structure/"
    page = texte(anonyme.get("/structure/"))
    assert "Invitations en attente" in page
    assert "Rejoindre Centre social A" in page


def test_un_lien_deja_utilise_renvoie_vers_la_connexion(anonyme: Client) -> None:
    anonyme.post("/inscription/", saisie())
    lien = lien_recu()
    anonyme.get(lien)
    autre = Client()

    reponse = autre.get(lien, follow=True)

    assert reponse.redirect_chain[-1][0].startswith("/connexion/")
    assert "déjà confirmée" in texte(reponse)
    assert not reponse.context["user"].is_authenticated


def test_un_lien_expire_montre_une_page_claire_pour_en_obtenir_un_autre(
    anonyme: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    anonyme.post("/inscription/", saisie())
    compte = Utilisateur.objects.get(email="camille.martin@centre-social.fr")
    maintenant = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: maintenant - 3 * 86400 - 60)
    jeton = jeton_confirmation(compte)
    monkeypatch.undo()

    reponse = anonyme.get(f"/inscription/confirmer/{jeton}/")

    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Ce lien de confirmation a expiré" in page
    assert "Recevoir un nouveau lien" in page
    compte.refresh_from_db()
    assert not compte.is_active


def test_un_lien_de_moins_de_3_jours_est_encore_valable(
    anonyme: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    anonyme.post("/inscription/", saisie())
    compte = Utilisateur.objects.get(email="camille.martin@centre-social.fr")
    maintenant = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: maintenant - 3 * 86400 + 60)
    jeton = jeton_confirmation(compte)
    monkeypatch.undo()

    assert anonyme.get(f"/inscription/confirmer/{jeton}/").status_code == 302
    compte.refresh_from_db()
    assert compte.is_active


def test_un_lien_modifie_est_refuse(anonyme: Client) -> None:
    anonyme.post("/inscription/", saisie())
    lien = lien_recu()

    reponse = anonyme.get(lien[:-5] + "XXXX/")

    assert reponse.status_code == 400
    assert "n'est pas valable" in texte(reponse)


def test_un_nouveau_lien_est_envoye_a_un_compte_non_confirme(anonyme: Client) -> None:
    anonyme.post("/inscription/", saisie())
    mail.outbox.clear()

    reponse = anonyme.post(
        "/inscription/nouveau-lien/", {"email": "camille.martin@centre-social.fr"}
    )

    assert reponse.status_code == 302
    assert anonyme.get(lien_recu()).status_code == 302
    assert Utilisateur.objects.get(email="camille.martin@centre-social.fr").is_active


def test_la_demande_de_nouveau_lien_ne_revele_pas_si_l_adresse_existe(
    anonyme: Client, utilisateurs
) -> None:
    inconnue = anonyme.post("/inscription/nouveau-lien/", {"email": "inconnu@exemple.fr"})
    active = anonyme.post("/inscription/nouveau-lien/", {"email": "porteur.a@exemple.fr"})

    assert inconnue["Location"] == active["Location"] == "/inscription/envoyee/"
    assert mail.outbox == []


def test_une_adresse_deja_utilisee_recoit_un_courriel_qui_propose_connexion_et_mot_de_passe(
    anonyme: Client,
) -> None:
    """La page ne dit pas que l'adresse a un compte (tests/comptes/test_force_brute.py) :
    le courriel, lui, le dit à la personne qui tient la boîte."""
    UtilisateurFactory(email="camille.martin@centre-social.fr")

    reponse = anonyme.post("/inscription/", saisie())

    assert reponse["Location"] == "/inscription/envoyee/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille.martin@centre-social.fr"]
    assert "Vous avez déjà un compte" in mail.outbox[0].body
    assert "/connexion/" in mail.outbox[0].body
    assert "/mot-de-passe/oublie/" in mail.outbox[0].body
    assert Utilisateur.objects.filter(email="camille.martin@centre-social.fr").count() == 1


@pytest.mark.parametrize(
    ("changements", "champ", "message"),
    [
        ({"email": "pas-une-adresse"}, "email", "adresse électronique valide"),
        ({"prenom": ""}, "prenom", "obligatoire"),
        ({"password1": "court", "password2": "court"}, "password1", "12 caractères"),
        ({"password2": "autre-mot-de-passe-2026"}, "password2", "différents"),
        (
            {"password1": "482915736201", "password2": "482915736201"},
            "password1",
            "entièrement numérique",
        ),
    ],
)
def test_une_saisie_invalide_est_signalee_sur_son_champ_sans_perdre_le_reste(
    anonyme: Client, changements: dict[str, str], champ: str, message: str
) -> None:
    reponse = anonyme.post("/inscription/", saisie(**changements))

    assert reponse.status_code == 200
    erreurs = reponse.context["formulaire"].errors
    assert list(erreurs) == [champ]
    assert message in " ".join(erreurs[champ])
    valeurs = champs(reponse)
    if champ != "prenom":
        assert valeurs["prenom"] == "Camille"
    assert valeurs["nom"] == "Martin"
    assert not Utilisateur.objects.filter(nom="Martin").exists()


def test_une_personne_connectee_n_a_pas_a_creer_de_compte(porteur: Client) -> None:
    assert porteur.get("/inscription/")["Location"] == "/mon-accueil/"


def test_l_adresse_d_une_invitation_pre_remplit_le_formulaire(anonyme: Client) -> None:
    reponse = anonyme.get("/inscription/?email=invitee@exemple.fr")

    assert champs(reponse)["email"] == "invitee@exemple.fr"


def test_un_compte_existant_connecte_avec_son_mot_de_passe_n_est_pas_concerne(
    anonyme: Client, utilisateurs
) -> None:
    reponse = anonyme.post(
        "/connexion/", {"username": "porteur.a@exemple.fr", "password": MOT_DE_PASSE}
    )

    assert reponse.status_code == 302
