"""Chaque persona de la démo ouvre les pages de son menu (issue 10, point 13) : chacune a un
titre, passe axe-core (capture) et laisse une capture tests/e2e/captures/persona-*.png pour la
relecture. Les liens sont lus dans le menu affiché : un lien ajouté au menu est parcouru."""

from __future__ import annotations

import re

import pytest
from django.utils.text import slugify
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e]

MOT_DE_PASSE = "demo-clas-2026"

# (persona, compte, page d'arrivée, pages ouvertes depuis elle en plus du menu : un lien
# « principal » que la persona suit chaque jour)
PERSONAS = [
    ("porteur", "porteur@demo.clas.fr", "/structure/", ["Mes dossiers"]),
    ("contributeur", "contributeur@demo.clas.fr", "/structure/", ["Mes dossiers"]),
    ("instructeur", "instructeur@demo.clas.fr", "/caf/", ["Instruction"]),
    ("valideur", "valideur@demo.clas.fr", "/caf/", ["Instruction"]),
    ("comptable", "comptable@demo.clas.fr", "/paiements/", []),
    ("administrateur-national", "national@demo.clas.fr", "/national/", []),
    ("responsable", "responsable@demo.clas.fr", "/caf/", []),
]

# Des mots qu'un gabarit ou une bibliothèque laisserait en anglais (pas « Close » : une
# campagne est close).
ANGLAIS = re.compile(
    r"\b(This field|Page not found|Forbidden|Server Error|Submit|Next|Previous|Search|"
    r"Loading|Logout|Sign in|Log in|required|Home)\b"
)


def ouvrir_et_verifier(page: Page, capture, nom: str) -> None:  # type: ignore[no-untyped-def]
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    texte = page.locator("body").inner_text()
    anglais = ANGLAIS.search(texte)
    assert anglais is None, f"{page.url} : texte anglais « {anglais.group(0)} »"
    capture(nom)


@pytest.mark.parametrize(
    ("persona", "email", "arrivee", "suivis"), PERSONAS, ids=[p[0] for p in PERSONAS]
)
def test_chaque_persona_ouvre_les_pages_de_son_menu(
    live_server,
    page: Page,
    capture,
    donnees_demo,
    persona: str,
    email: str,
    arrivee: str,
    suivis: list[str],
) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(re.escape(arrivee) + "$"))
    ouvrir_et_verifier(page, capture, f"persona-{persona}-00-arrivee")

    menu = page.get_by_role("navigation", name="Menu principal")
    liens = [
        (lien.inner_text().strip(), lien.get_attribute("href") or "")
        for lien in menu.get_by_role("link").all()
    ]
    assert len(liens) >= 3, liens
    for rang, (libelle, adresse) in enumerate(liens, start=1):
        reponse = page.goto(f"{live_server.url}{adresse}")
        assert reponse is not None and reponse.ok, f"{libelle} ({adresse}) : {reponse}"
        lien = page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name=libelle, exact=True
        )
        expect(lien).to_have_attribute("aria-current", "page")
        ouvrir_et_verifier(page, capture, f"persona-{persona}-{rang:02d}-{slugify(libelle)}")

    # La première ligne d'une liste principale : le dossier qu'on ouvre en arrivant.
    for libelle in suivis:
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name=libelle, exact=True
        ).click()
        page.locator("main table tbody tr a").first.click()
        ouvrir_et_verifier(page, capture, f"persona-{persona}-{slugify(libelle)}-premier")
