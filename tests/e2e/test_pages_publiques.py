"""Parcours des pages publiques : chaque page du pied de page s'ouvre depuis le pied de page,
et une adresse d'envoi ouverte directement donne la page 405 en français."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e]

PAGES = [
    ("Plan du site", "Plan du site", "plan-du-site"),
    ("Accessibilité : non conforme", "Déclaration d'accessibilité", "accessibilite"),
    ("Mentions légales", "Mentions légales", "mentions-legales"),
    ("Données personnelles", "Données personnelles", "donnees-personnelles"),
    ("Aide", "Aide", "aide"),
    ("API", "Documentation de l'API", "api"),
    ("Chiffres du Clas", "Chiffres du Clas", "chiffres"),
]


def test_un_visiteur_ouvre_chaque_page_du_pied_de_page(
    live_server, page: Page, capture, donnees_demo
) -> None:
    for lien, titre, nom in PAGES:
        page.goto(f"{live_server.url}/")
        page.locator("#pied-de-page").get_by_role("link", name=lien, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(titre)
        expect(page).to_have_title(f"{titre} — Plateforme Clas")
        capture(f"pied-de-page-{nom}")


def test_une_adresse_inconnue_et_une_adresse_d_envoi_donnent_des_pages_francaises(
    live_server, page: Page, capture, donnees_demo
) -> None:
    reponse = page.goto(f"{live_server.url}/cette-page-n-existe-pas/")
    assert reponse is not None and reponse.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    capture("erreur-404")

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse électronique").fill("valideur@demo.clas.fr")
    page.get_by_label("Mot de passe").fill("demo-clas-2026")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    reponse = page.goto(f"{live_server.url}/paiements/valider/")
    assert reponse is not None and reponse.status == 405
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Action impossible depuis cette adresse"
    )
    capture("erreur-405")
    page.get_by_role("link", name="Retour à mon espace").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(
        "Action impossible depuis cette adresse"
    )
