"""Connexion par adresse électronique, arrivée de chaque rôle sur sa page, déconnexion."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clas.comptes.models import Utilisateur
from tests.factories import MOT_DE_PASSE, UtilisateurFactory
from tests.outils import champs, texte

pytestmark = pytest.mark.django_db

MESSAGE_ERREUR = (
    "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie ou "
    "réinitialisez votre mot de passe."
)


def se_connecter(client: Client, email: str, mot_de_passe: str = MOT_DE_PASSE, **autres: str):
    return client.post(
        "/connexion/", {"username": email, "password": mot_de_passe, **autres}, follow=True
    )


def test_la_page_de_connexion_demande_adresse_et_mot_de_passe(anonyme: Client) -> None:
    reponse = anonyme.get("/connexion/")

    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Adresse électronique" in page
    assert "Mot de passe" in page
    assert 'type="email"' in page
    assert "/mot-de-passe/oublie/" in page


@pytest.mark.parametrize(
    ("persona", "page_d_arrivee"),
    [
        ("porteur", "/structure/"),
        ("porteur_autre", "/structure/"),
        ("instructeur", "/caf/"),
        ("instructeur_autre_caf", "/caf/"),
        ("valideur", "/caf/"),
        ("comptable", "/paiements/"),
        ("national", "/national/"),
    ],
)
def test_chaque_role_arrive_sur_sa_page_apres_la_connexion(
    utilisateurs: dict[str, Utilisateur], persona: str, page_d_arrivee: str
) -> None:
    client = Client()

    reponse = se_connecter(client, utilisateurs[persona].email)

    assert reponse.status_code == 200
    assert [url for url, _ in reponse.redirect_chain] == ["/mon-accueil/", page_d_arrivee]
    assert reponse.wsgi_request.user == utilisateurs[persona]


def test_la_connexion_ramene_a_la_page_demandee_avant(utilisateurs: dict[str, Utilisateur]) -> None:
    client = Client()
    assert client.get("/caf/")["Location"] == "/connexion/?next=/caf/"

    reponse = se_connecter(client, utilisateurs["instructeur"].email, next="/caf/")

    assert reponse.redirect_chain == [("/caf/", 302)]
    assert reponse.status_code == 200


def test_la_connexion_ignore_une_page_de_retour_sur_un_autre_site(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    reponse = se_connecter(
        Client(), utilisateurs["porteur"].email, next="https://pirate.example.com/"
    )

    assert [url for url, _ in reponse.redirect_chain] == ["/mon-accueil/", "/structure/"]


def test_un_mauvais_mot_de_passe_affiche_l_erreur_en_francais_et_garde_l_adresse(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    reponse = Client().post(
        "/connexion/",
        {"username": "porteur.a@exemple.fr", "password": "pas-le-bon-mot-de-passe"},
    )

    assert reponse.status_code == 200
    assert MESSAGE_ERREUR in texte(reponse)
    assert champs(reponse)["username"] == "porteur.a@exemple.fr"
    assert champs(reponse)["password"] == ""
    assert not reponse.wsgi_request.user.is_authenticated
    # L'adresse est gardée : le curseur est dans le mot de passe, à ressaisir.
    page = texte(reponse)
    champ_mot_de_passe = re.search(r'<input[^>]*name="password"[^>]*>', page)
    assert champ_mot_de_passe is not None and "autofocus" in champ_mot_de_passe.group(0)
    assert page.count("autofocus") == 1


def test_une_adresse_inconnue_donne_le_meme_message_qu_un_mauvais_mot_de_passe(
    db: None,
) -> None:
    reponse = Client().post(
        "/connexion/", {"username": "inconnu@exemple.fr", "password": MOT_DE_PASSE}
    )

    assert reponse.status_code == 200
    assert MESSAGE_ERREUR in texte(reponse)
    assert champs(reponse)["username"] == "inconnu@exemple.fr"


def test_un_formulaire_vide_signale_les_champs_obligatoires(db: None) -> None:
    reponse = Client().post("/connexion/", {"username": "", "password": ""})

    assert reponse.status_code == 200
    assert texte(reponse).count("Ce champ est obligatoire.") == 2


def test_un_compte_desactive_ne_peut_pas_se_connecter(db: None) -> None:
    UtilisateurFactory(email="parti@exemple.fr", is_active=False)

    reponse = Client().post(
        "/connexion/", {"username": "parti@exemple.fr", "password": MOT_DE_PASSE}
    )

    assert reponse.status_code == 200
    assert not reponse.wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    "adresse_tapee",
    ["Porteur.A@Exemple.FR", "PORTEUR.A@EXEMPLE.FR", "  porteur.a@exemple.fr  "],
)
def test_l_adresse_electronique_ne_tient_pas_compte_des_majuscules_a_la_connexion(
    utilisateurs: dict[str, Utilisateur], adresse_tapee: str
) -> None:
    reponse = se_connecter(Client(), adresse_tapee)

    assert reponse.wsgi_request.user == utilisateurs["porteur"]
    assert reponse.redirect_chain[-1][0] == "/structure/"


def test_un_compte_cree_avec_des_majuscules_est_enregistre_en_minuscules(db: None) -> None:
    utilisateur = get_user_model().objects.create_user("Claire.Dupont@Exemple.FR", MOT_DE_PASSE)

    assert utilisateur.email == "claire.dupont@exemple.fr"
    assert se_connecter(Client(), "CLAIRE.DUPONT@exemple.fr").wsgi_request.user == utilisateur


def test_une_personne_deja_connectee_qui_ouvre_la_connexion_va_sur_sa_page(
    porteur: Client,
) -> None:
    reponse = porteur.get("/connexion/", follow=True)

    assert [url for url, _ in reponse.redirect_chain] == ["/mon-accueil/", "/structure/"]


def test_la_deconnexion_se_fait_par_post_et_ramene_a_l_accueil(porteur: Client) -> None:
    reponse = porteur.post("/deconnexion/")

    assert reponse.status_code == 302
    assert reponse["Location"] == "/"
    assert porteur.get("/structure/")["Location"] == "/connexion/?next=/structure/"


def test_la_deconnexion_par_get_est_refusee_et_garde_la_session(porteur: Client) -> None:
    assert porteur.get("/deconnexion/").status_code == 405
    assert porteur.get("/structure/").status_code == 200


def test_la_deconnexion_exige_le_jeton_csrf(utilisateurs: dict[str, Utilisateur]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(utilisateurs["porteur"])

    assert client.post("/deconnexion/").status_code == 403
    assert client.get("/structure/").status_code == 200


def test_le_bandeau_d_une_personne_connectee_propose_la_deconnexion_en_post(
    porteur: Client,
) -> None:
    page = texte(porteur.get("/"))

    assert 'method="post" action="/deconnexion/"' in page
    assert "porteur.a@exemple.fr" in page
    assert "Se connecter" not in page
