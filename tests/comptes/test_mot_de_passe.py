"""Mot de passe oublié : un courriel avec un lien à usage unique pour en choisir un nouveau."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from clas.comptes.models import Utilisateur
from tests.factories import MOT_DE_PASSE
from tests.outils import texte

pytestmark = pytest.mark.django_db

NOUVEAU = "un-nouveau-mot-de-passe-solide-2027"
LIEN = re.compile(r"https?://\S+/mot-de-passe/nouveau/\S+/")


def demander_le_lien(client: Client, email: str) -> str:
    reponse = client.post("/mot-de-passe/oublie/", {"email": email})
    assert reponse.status_code == 302
    assert reponse["Location"] == "/mot-de-passe/envoye/"
    assert len(mail.outbox) == 1
    lien = LIEN.search(mail.outbox[0].body)
    assert lien, mail.outbox[0].body
    return lien.group(0)


def test_la_page_mot_de_passe_oublie_demande_l_adresse(anonyme: Client) -> None:
    reponse = anonyme.get("/mot-de-passe/oublie/")

    assert reponse.status_code == 200
    assert "Adresse électronique" in texte(reponse)


def test_la_demande_envoie_un_courriel_en_francais_a_la_personne(
    anonyme: Client, utilisateurs: dict[str, Utilisateur]
) -> None:
    demander_le_lien(anonyme, "porteur.a@exemple.fr")

    courriel = mail.outbox[0]
    assert courriel.to == ["porteur.a@exemple.fr"]
    assert "Bonjour" in courriel.body
    assert "porteur.a@exemple.fr" in courriel.body
    assert "\n" not in courriel.subject
    assert anonyme.get("/mot-de-passe/envoye/").status_code == 200


def test_le_lien_du_courriel_permet_de_choisir_un_nouveau_mot_de_passe(
    anonyme: Client, utilisateurs: dict[str, Utilisateur]
) -> None:
    lien = demander_le_lien(anonyme, "porteur.a@exemple.fr")
    chemin = lien.split("://", 1)[1].split("/", 1)[1]

    formulaire = anonyme.get("/" + chemin, follow=True)
    assert formulaire.status_code == 200
    assert "Nouveau mot de passe" in texte(formulaire)
    adresse_du_formulaire = formulaire.redirect_chain[-1][0]

    reponse = anonyme.post(
        adresse_du_formulaire, {"new_password1": NOUVEAU, "new_password2": NOUVEAU}
    )

    assert reponse.status_code == 302
    assert reponse["Location"] == "/mot-de-passe/change/"
    assert anonyme.get("/mot-de-passe/change/").status_code == 200
    utilisateur = Utilisateur.objects.get(email="porteur.a@exemple.fr")
    assert utilisateur.check_password(NOUVEAU)
    assert not utilisateur.check_password(MOT_DE_PASSE)

    connexion = Client().post(
        "/connexion/", {"username": "porteur.a@exemple.fr", "password": NOUVEAU}
    )
    assert connexion.status_code == 302


def test_le_lien_ne_sert_qu_une_fois(anonyme: Client, utilisateurs: dict[str, Utilisateur]) -> None:
    lien = demander_le_lien(anonyme, "porteur.a@exemple.fr")
    chemin = "/" + lien.split("://", 1)[1].split("/", 1)[1]
    adresse = anonyme.get(chemin, follow=True).redirect_chain[-1][0]
    anonyme.post(adresse, {"new_password1": NOUVEAU, "new_password2": NOUVEAU})

    deuxieme_fois = Client().get(chemin, follow=True)

    assert deuxieme_fois.status_code == 200
    assert "new_password1" not in texte(deuxieme_fois)
    assert "Ce lien n'est plus valable" in texte(deuxieme_fois)


def test_un_nouveau_mot_de_passe_trop_faible_est_refuse_en_francais(
    anonyme: Client, utilisateurs: dict[str, Utilisateur]
) -> None:
    lien = demander_le_lien(anonyme, "porteur.a@exemple.fr")
    chemin = "/" + lien.split("://", 1)[1].split("/", 1)[1]
    adresse = anonyme.get(chemin, follow=True).redirect_chain[-1][0]

    reponse = anonyme.post(adresse, {"new_password1": "court", "new_password2": "court"})

    assert reponse.status_code == 200
    assert "12 caractères" in texte(reponse)
    assert Utilisateur.objects.get(email="porteur.a@exemple.fr").check_password(MOT_DE_PASSE)


def test_une_adresse_inconnue_ne_recoit_rien_mais_la_page_ne_le_revele_pas(
    anonyme: Client, utilisateurs: dict[str, Utilisateur]
) -> None:
    reponse = anonyme.post("/mot-de-passe/oublie/", {"email": "inconnu@exemple.fr"})

    assert reponse.status_code == 302
    assert reponse["Location"] == "/mot-de-passe/envoye/"
    assert mail.outbox == []


def test_la_demande_ne_tient_pas_compte_des_majuscules_de_l_adresse(
    anonyme: Client, utilisateurs: dict[str, Utilisateur]
) -> None:
    demander_le_lien(anonyme, "Porteur.A@EXEMPLE.fr")

    assert mail.outbox[0].to == ["porteur.a@exemple.fr"]


def test_un_lien_invalide_est_refuse_sans_formulaire(anonyme: Client) -> None:
    reponse = anonyme.get("/mot-de-passe/nouveau/MQ/lien-perime/")

    assert reponse.status_code == 200
    assert "new_password1" not in texte(reponse)
    assert "Ce lien n'est plus valable" in texte(reponse)
