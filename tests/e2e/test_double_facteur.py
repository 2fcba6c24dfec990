"""Parcours de la double authentification dans un vrai navigateur : un agent de démonstration
s'enrôle (clé recopiée dans son « application »), note ses codes de secours, se reconnecte
avec un code de secours en faisant confiance au navigateur, puis n'a plus de code à saisir."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e]

MOT_DE_PASSE_DEMO = "demo-clas-2026"
AGENT = "valideur@demo.clas.fr"


@pytest.fixture
def obligatoire(settings) -> None:
    settings.CLAS_2FA_OBLIGATOIRE = True


def code_de_l_application(cle: str) -> str:
    """Ce qu'afficherait une application d'authentification avec cette clé."""
    totp = TOTP(b32decode(cle.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


def se_connecter(page: Page, url: str) -> None:
    page.goto(f"{url}/connexion/")
    page.get_by_label("Adresse électronique").fill(AGENT)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.usefixtures("obligatoire")
def test_un_agent_s_enrole_puis_se_reconnecte_avec_un_code_de_secours_et_la_confiance(
    live_server, page: Page, capture, donnees_demo
) -> None:
    se_connecter(page, live_server.url)
    expect(page).to_have_url(re.compile(r"/double-authentification/activer/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    capture("double-facteur-activer")
    cle = page.get_by_test_id("cle-secrete").inner_text()

    # Une erreur d'abord : le message le dit, le champ est vidé pour le code suivant.
    champ = page.get_by_label("Code à 6 chiffres affiché par l'application")
    champ.fill("12")
    page.get_by_role("button", name="Confirmer et activer").click()
    expect(page.get_by_text("Le code se compose de 6 chiffres")).to_be_visible()
    expect(champ).to_have_value("")
    capture("double-facteur-activer-erreur")

    champ.fill(code_de_l_application(cle))
    page.get_by_role("button", name="Confirmer et activer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
    codes = page.get_by_test_id("codes-de-secours").locator("li").all_inner_texts()
    assert len(codes) == 10
    capture("double-facteur-codes")
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page).to_have_url(re.compile(r"/caf/$"))

    # Reconnexion sans téléphone : un code de secours, et ce navigateur devient de confiance.
    page.get_by_role("button", name="Se déconnecter").click()
    se_connecter(page, live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Double authentification")
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(codes[0].upper())
    page.get_by_label("Faire confiance à ce navigateur pendant 30 jours").check(force=True)
    capture("double-facteur-verifier")
    page.get_by_role("button", name="Vérifier").click()
    expect(page).to_have_url(re.compile(r"/caf/$"))
    expect(page.get_by_text("Il vous en reste 9")).to_be_visible()

    # Navigateur de confiance : plus de code demandé.
    page.get_by_role("button", name="Se déconnecter").click()
    se_connecter(page, live_server.url)
    expect(page).to_have_url(re.compile(r"/caf/$"))

    page.get_by_role("link", name="Sécurité").click()
    expect(page.get_by_test_id("codes-restants")).to_have_text("9")
    capture("double-facteur-securite")
