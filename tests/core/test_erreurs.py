"""Les pages d'erreur : en français, dans la mise en page du site, avec un chemin de retour,
que DEBUG soit activé (make run) ou non (production). Jamais la page technique de Django."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings

from tests.outils import texte

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls_erreurs")]

DEBUG = pytest.mark.parametrize("debug", [False, True], ids=["sans-debug", "en-debug"])

ANGLAIS = (
    "Page not found",
    "Server Error",
    "Traceback",
    "Method Not Allowed",
    "Forbidden",
    "Bad Request",
    "Using the URLconf",
    "DEBUG = True",
)


def verifier_page_francaise(reponse, code: int, titre: str) -> str:
    page = texte(reponse)
    assert reponse.status_code == code
    assert reponse["Content-Type"].startswith("text/html")
    assert '<html lang="fr"' in page
    assert f"<h1>{titre}</h1>" in page
    assert f"Erreur {code}" in page
    assert 'id="pied-de-page"' in page  # la mise en page du site
    assert 'href="/">Retour à l\'accueil</a>' in page  # un chemin de retour
    for mot in ANGLAIS:
        assert mot not in page, mot
    return page


@DEBUG
def test_une_adresse_inconnue_donne_la_page_introuvable_en_francais(anonyme, debug) -> None:
    with override_settings(DEBUG=debug):
        reponse = anonyme.get("/cette-page-n-existe-pas/")

    verifier_page_francaise(reponse, 404, "Page introuvable")


@DEBUG
def test_un_objet_introuvable_donne_la_page_introuvable_en_francais(anonyme, debug) -> None:
    with override_settings(DEBUG=debug):
        reponse = anonyme.get("/essai/introuvable/")

    page = verifier_page_francaise(reponse, 404, "Page introuvable")
    assert "objet absent" not in page


@DEBUG
def test_un_acces_refuse_dit_pourquoi_en_francais(porteur, debug) -> None:
    with override_settings(DEBUG=debug):
        reponse = porteur.get("/essai/interdit/")

    page = verifier_page_francaise(reponse, 403, "Accès refusé")
    assert "Seuls les agents de la Caf du dossier ouvrent cette page." in page
    assert 'href="/mon-accueil/">Retour à mon espace</a>' in page


@DEBUG
def test_un_acces_refuse_sans_page_recoit_la_page_francaise(anonyme, debug) -> None:
    with override_settings(DEBUG=debug):
        reponse = anonyme.get("/essai/interdit-sans-page/")

    page = verifier_page_francaise(reponse, 403, "Accès refusé")
    assert 'href="/connexion/">Se connecter</a>' in page


@DEBUG
def test_une_adresse_d_envoi_ouverte_par_get_donne_une_page_405_en_francais(
    valideur, debug
) -> None:
    with override_settings(DEBUG=debug):
        reponse = valideur.get("/paiements/valider/")

    page = verifier_page_francaise(reponse, 405, "Action impossible depuis cette adresse")
    assert reponse["Allow"] == "POST"
    assert "Rien n'a été enregistré" in page


@DEBUG
def test_une_panne_donne_la_page_d_erreur_du_service_et_la_trace_reste_au_journal(
    debug, caplog
) -> None:
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR, logger="django.request"):
        reponse = client.get("/essai/boum/")

    page = verifier_page_francaise(reponse, 500, "Erreur du service")
    assert "panne simulée" not in page
    assert "RuntimeError" not in page
    traces = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert traces, "la trace de l'erreur doit rester dans le journal"
    assert "panne simulée" in str(traces[0].exc_info[1])


def test_en_debug_une_panne_est_encore_relevee_par_le_client_de_test(anonyme) -> None:
    """Les tests voient l'exception d'origine, comme sans la page française."""
    with override_settings(DEBUG=True), pytest.raises(RuntimeError, match="panne simulée"):
        anonyme.get("/essai/boum/")


@DEBUG
def test_une_requete_suspecte_donne_une_page_400_en_francais(anonyme, debug) -> None:
    with override_settings(DEBUG=debug):
        reponse = anonyme.get("/essai/suspect/")

    verifier_page_francaise(reponse, 400, "Requête incorrecte")


@DEBUG
def test_un_hote_refuse_donne_une_page_400_en_francais(debug) -> None:
    client = Client(raise_request_exception=False, HTTP_HOST="inconnu.example")
    with override_settings(DEBUG=debug, ALLOWED_HOSTS=["clas.example.fr"]):
        reponse = client.get("/")

    verifier_page_francaise(reponse, 400, "Requête incorrecte")


@DEBUG
def test_un_formulaire_sans_jeton_csrf_donne_une_page_403_en_francais(debug) -> None:
    client = Client(enforce_csrf_checks=True)
    with override_settings(DEBUG=debug):
        reponse = client.post("/connexion/", {"username": "a@b.fr", "password": "x"})

    page = verifier_page_francaise(reponse, 403, "Accès refusé")
    assert "Le formulaire a expiré" in page


@DEBUG
def test_les_machines_recoivent_leurs_erreurs_en_json_et_en_francais(anonyme, debug) -> None:
    with override_settings(DEBUG=debug):
        inconnue = anonyme.get("/api/v1/inconnue")
        methode = anonyme.get("/api/v1/simulations")
        sante = anonyme.post("/sante/")

    assert inconnue.status_code == 404
    assert inconnue.json() == {"erreurs": [{"champ": "", "message": "Cette adresse n'existe pas."}]}
    assert methode.status_code == 405
    assert methode["Allow"] == "POST"
    assert methode.json()["erreurs"][0]["message"].startswith("Méthode HTTP non autorisée")
    assert sante.status_code == 405
    assert sante.json()["erreurs"][0]["champ"] == ""


@DEBUG
def test_une_page_d_erreur_rendue_par_une_vue_n_est_pas_remplacee(anonyme, debug) -> None:
    """Un formulaire refusé (400) garde sa page : seul ce qui n'a pas de page est remplacé."""
    with override_settings(DEBUG=debug):
        reponse = anonyme.get("/essai/formulaire-refuse/")

    assert reponse.status_code == 400
    assert reponse.content == b"<p>Donnez un titre au projet.</p>"
