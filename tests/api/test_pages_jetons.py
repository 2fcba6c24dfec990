"""« Mes jetons d'API » (Mon compte) : créer (erreur, correction, enregistrement,
rechargement), voir, révoquer ; chacun ne voit et ne révoque que les siens."""

from __future__ import annotations

import pytest

from clas.api import jetons
from clas.api.models import JetonApi
from tests.conftest import PERSONAS
from tests.outils import texte

from .conftest import client_api

# Marqué ici (pas seulement par les fixtures) : pytest-django lance ces tests avec ceux qui
# ont la base, avant les tests transactionnels qui la vident.
pytestmark = pytest.mark.django_db

URL = "/mon-compte/jetons-api/"


@pytest.mark.parametrize("persona", PERSONAS)
def test_chaque_personne_connectee_a_sa_page_de_jetons(client_de, persona):
    reponse = client_de(persona).get(URL)
    if persona == "anonyme":
        assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]
    else:
        assert reponse.status_code == 200
        assert "Créer un jeton" in texte(reponse)


def test_creer_un_jeton_erreur_correction_enregistrement_rechargement(porteur, jeu):
    saisie = {
        "nom": "Tableur de suivi",
        "jours": "400",
        "droits": "lecture",
        "reseaux": "10.0.0.0/8, faux",
    }
    reponse = porteur.post(URL, saisie)
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Le jeton n'a pas été créé" in page
    assert "Un jeton vaut au plus 365 jours (un an)." in page
    assert "« faux » n'est pas un réseau" in page
    assert "Tableur de suivi" in reponse.content.decode()  # rien de perdu
    assert not JetonApi.objects.exists()

    reponse = porteur.post(URL, saisie | {"jours": "90", "reseaux": "10.0.0.0/8\n192.0.2.1"})
    assert reponse.status_code == 200
    en_clair = reponse.context["en_clair"]
    assert en_clair in reponse.content.decode()
    assert "il ne sera plus jamais montré" in texte(reponse)
    assert reponse["Cache-Control"].startswith("max-age=0")
    jeton = JetonApi.objects.get()
    assert jeton.nom == "Tableur de suivi" and jeton.lecture_seule
    assert jeton.reseaux == ["10.0.0.0/8", "192.0.2.1/32"]

    rechargee = porteur.get(URL)
    page = rechargee.content.decode()
    assert "Tableur de suivi" in page and "10.0.0.0/8, 192.0.2.1/32" in page
    assert en_clair not in page  # montré une seule fois
    assert jeton.prefixe in page
    assert "Jamais" in texte(rechargee)
    client_api(en_clair).get("/api/v1/dossiers", REMOTE_ADDR="10.1.2.3")
    assert "depuis 10.1.2.3" in texte(porteur.get(URL))


def test_le_nom_est_obligatoire(porteur):
    reponse = porteur.post(URL, {"nom": "", "jours": "30", "droits": "ecriture"})
    assert reponse.status_code == 400
    assert "Donnez un nom au jeton." in texte(reponse)


def test_revoquer_un_jeton(porteur, utilisateurs):
    cree = jetons.creer(utilisateurs["porteur"], "Ancien outil", 30)
    reponse = porteur.post(f"{URL}{cree.jeton.pk}/revoquer/", follow=True)
    assert "Le jeton « Ancien outil » est révoqué" in texte(reponse)
    assert "Révoqué le" in texte(reponse)
    assert client_api(cree.en_clair).get("/api/v1/dossiers").status_code == 401
    # Deux fois : rien ne casse.
    reponse = porteur.post(f"{URL}{cree.jeton.pk}/revoquer/", follow=True)
    assert "était déjà révoqué" in texte(reponse)


@pytest.mark.parametrize("persona", ["anonyme", "porteur_autre", "instructeur", "national"])
def test_personne_ne_voit_ni_ne_revoque_le_jeton_d_un_autre(client_de, utilisateurs, persona):
    cree = jetons.creer(utilisateurs["porteur"], "Outil du porteur", 30)
    client = client_de(persona)
    assert "Outil du porteur" not in client.get(URL).content.decode()
    reponse = client.post(f"{URL}{cree.jeton.pk}/revoquer/")
    assert reponse.status_code == (302 if persona == "anonyme" else 404)
    cree.jeton.refresh_from_db()
    assert not cree.jeton.est_revoque


def _sans_le_detour_de_la_double_authentification(settings) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "DoubleFacteurObligatoire" not in m]


def test_la_page_previent_l_agent_sans_double_authentification(settings, utilisateurs):
    """Le site l'exige : l'agent qui ne l'a pas est d'abord envoyé l'activer (middleware des
    pages) ; la page, atteinte quand même, le prévient que ses jetons seront refusés (ils le
    sont : `jetons.manque_double_facteur`, même règle)."""
    from django.test import Client

    settings.CLAS_2FA_OBLIGATOIRE = True
    client = Client()
    client.force_login(utilisateurs["instructeur"])
    detour = client.get(URL)
    assert detour.status_code == 302
    assert detour["Location"].startswith("/double-authentification/activer/")
    _sans_le_detour_de_la_double_authentification(settings)
    client = Client()  # un client neuf : il charge les middlewares à sa première requête
    client.force_login(utilisateurs["instructeur"])
    reponse = client.get(URL)
    assert reponse.status_code == 200, reponse.get("Location")
    page = texte(reponse)
    assert "Le site exige la double authentification pour votre compte" in page
    assert "vos jetons seront refusés" in page


def test_la_page_ne_previent_pas_l_agent_qui_a_la_double_authentification(settings, utilisateurs):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.CLAS_2FA_OBLIGATOIRE = True
    _sans_le_detour_de_la_double_authentification(settings)
    TOTPDevice.objects.create(user=utilisateurs["instructeur"], name="Téléphone", confirmed=True)
    client = Client()
    client.force_login(utilisateurs["instructeur"])
    reponse = client.get(URL)
    assert reponse.status_code == 200
    assert "vos jetons seront refusés" not in texte(reponse)


def test_la_page_ne_previent_pas_le_porteur_que_la_double_authentification_ne_concerne_pas(
    settings, utilisateurs
):
    from django.test import Client

    settings.CLAS_2FA_OBLIGATOIRE = True
    client = Client()
    client.force_login(utilisateurs["porteur"])
    reponse = client.get(URL)
    assert reponse.status_code == 200
    assert "vos jetons seront refusés" not in texte(reponse)


def test_la_liste_des_jetons_garde_un_nombre_de_requetes_constant(
    porteur, utilisateurs, django_assert_max_num_queries
):
    for rang in range(3):
        jetons.creer(utilisateurs["porteur"], f"Outil {rang}", 30)
    with django_assert_max_num_queries(20) as avant:
        porteur.get(URL)
    for rang in range(15):
        jetons.creer(utilisateurs["porteur"], f"Autre {rang}", 30)
    with django_assert_max_num_queries(len(avant.captured_queries)):
        porteur.get(URL)
