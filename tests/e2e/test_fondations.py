"""Parcours des fondations : le simulateur sur l'exemple de CLAS.md §2.2, et l'arrivée de
chaque rôle de démonstration sur sa page d'accueil."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e]

MOT_DE_PASSE = "demo-clas-2026"


def remplir_collectif(page: Page, rang: int, nom: str, parents: bool) -> None:
    # force=True : la case du DSFR est masquée sous son libellé, qui reçoit le clic.
    page.get_by_label("Nom du collectif (facultatif)").nth(rang).fill(nom)
    page.get_by_label("Nombre d'enfants").nth(rang).fill("10")
    page.get_by_label("Nombre d'intervenants").nth(rang).fill("2")
    page.get_by_label("Semaines de fonctionnement").nth(rang).fill("36")
    page.get_by_label("Projets culturels ou éducatifs (bonus)").nth(rang).check(force=True)
    if parents:
        page.get_by_label("Accompagnement des parents (bonus)").nth(rang).check(force=True)


def test_un_visiteur_simule_l_exemple_du_bareme_et_lit_8_889_euros(
    live_server, page: Page, capture, donnees_demo
) -> None:
    page.goto(f"{live_server.url}/simulateur/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Simulateur de la prestation de service Clas"
    )
    capture("simulateur-vide")
    page.get_by_label("Année scolaire", exact=True).select_option("2025-2026")
    page.get_by_label("Dépenses de fonctionnement du projet (en euros)").fill("24 000")
    page.get_by_label("Autres financements (en euros)").fill("10000")
    remplir_collectif(page, 0, "CP-CE1", parents=True)
    for rang in (1, 2):
        page.get_by_role("button", name="Ajouter un collectif").click()
        expect(page.locator("fieldset.clas-collectif")).to_have_count(rang + 1)
        remplir_collectif(page, rang, f"Groupe {rang + 1}", parents=False)
    page.get_by_role("button", name="Calculer la prestation").click()

    expect(page.get_by_test_id("montant-total")).to_have_text("8 889,00 €")
    resume = page.locator("#resume")
    expect(resume).to_contain_text("3 163,00 €")
    expect(resume.get_by_text("Éligible", exact=True)).to_have_count(3)
    explication = page.locator("#explication")
    expect(explication).to_contain_text("Le calcul pas à pas")
    expect(explication).to_contain_text("24 000,00 € ÷ 3 = 8 000,00 €")
    # Rien de ce qui a été saisi n'est perdu après le calcul.
    expect(page.get_by_label("Dépenses de fonctionnement du projet (en euros)")).to_have_value(
        "24 000"
    )
    capture("simulateur-exemple-8889")


def test_une_saisie_invalide_est_signalee_a_cote_du_champ_sans_rien_perdre(
    live_server, page: Page, capture, donnees_demo
) -> None:
    page.goto(f"{live_server.url}/simulateur/")
    page.get_by_label("Dépenses de fonctionnement du projet (en euros)").fill("douze mille")
    page.get_by_label("Nombre d'enfants").fill("4")
    page.get_by_label("Nombre d'intervenants").fill("2")
    page.get_by_label("Semaines de fonctionnement").fill("36")
    page.get_by_role("button", name="Calculer la prestation").click()
    champ = page.get_by_label("Dépenses de fonctionnement du projet (en euros)")
    expect(champ).to_have_value("douze mille")
    expect(champ).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#depenses_totales-erreur")).to_contain_text("Montant invalide")
    capture("simulateur-erreur")
    # Corrigé, le calcul se fait avec le reste de la saisie, gardé.
    champ.fill("12 000")
    page.get_by_role("button", name="Calculer la prestation").click()
    expect(page.get_by_test_id("montant-total")).to_be_visible()
    expect(page.locator("#depenses_totales-erreur")).to_have_count(0)
    expect(page.get_by_label("Nombre d'enfants")).to_have_value("4")
    capture("simulateur-erreur-corrigee")


ROLES = [
    ("porteur@demo.clas.fr", "/structure/", "Centre social des Pentes"),
    ("porteur2@demo.clas.fr", "/structure/", "Association Réussir ensemble"),
    ("instructeur@demo.clas.fr", "/caf/", "Caf du Rhône"),
    ("valideur@demo.clas.fr", "/caf/", "Caf du Rhône"),
    ("comptable@demo.clas.fr", "/paiements/", "Paiements — Caf du Rhône"),
    ("instructeur.somme@demo.clas.fr", "/caf/", "Caf de la Somme"),
    ("national@demo.clas.fr", "/national/", "Tableau de bord national"),
]


@pytest.mark.parametrize(("email", "chemin", "titre"), ROLES, ids=[r[0] for r in ROLES])
def test_chaque_role_de_demo_arrive_sur_sa_page_d_accueil(
    live_server, page: Page, capture, donnees_demo, email: str, chemin: str, titre: str
) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Se connecter").first.click()
    capture("connexion")
    # Un mot de passe mal tapé d'abord : refusé en français, l'adresse reste saisie.
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE + "x")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse électronique ou mot de passe incorrect.")).to_be_visible()
    expect(page.get_by_label("Adresse électronique")).to_have_value(email)
    capture("connexion-erreur")
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(re.escape(chemin) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(titre)
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    capture("accueil-" + email.split("@")[0])
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter").first).to_be_visible()
