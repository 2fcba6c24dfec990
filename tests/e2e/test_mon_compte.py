"""Parcours « Mon compte » (issue 15, point 3) : une personne télécharge ses données, puis
ferme son compte — un mot de passe faux d'abord (le compte reste ouvert, la page le dit),
puis le bon ; elle est déconnectée, et recharger « Mon compte » demande une connexion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from clas.comptes.models import Utilisateur

pytestmark = [pytest.mark.e2e]

EMAIL = "lea.durand@exemple.fr"
MOT_DE_PASSE = "Fermer-mon-compte-2026!"


def test_une_personne_telecharge_ses_donnees_puis_ferme_son_compte(
    live_server, page: Page, capture, transactional_db
) -> None:
    Utilisateur.objects.create_user(EMAIL, MOT_DE_PASSE, prenom="Léa", nom="Durand")
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(page.get_by_test_id("mon-adresse")).to_have_text(EMAIL)
    capture("mon-compte")
    with page.expect_download() as telechargement:
        page.get_by_test_id("telecharger-mes-donnees").click()
    fichier = telechargement.value
    assert fichier.suggested_filename == "mes-donnees-clas.json"
    donnees = json.loads(Path(fichier.path()).read_text(encoding="utf-8"))
    assert donnees["compte"]["adresse_electronique"] == EMAIL

    page.get_by_role("link", name="Fermer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fermer mon compte")
    page.get_by_label("Votre mot de passe").fill("pas-le-bon")
    page.get_by_label(re.compile("Je comprends que la fermeture est définitive")).check(force=True)
    page.get_by_role("button", name="Fermer définitivement mon compte").click()
    expect(page.get_by_test_id("resume-erreurs")).to_contain_text("Votre compte n'est pas fermé")
    expect(page.get_by_text("n'est pas celui de votre compte").first).to_be_visible()
    capture("fermer-mon-compte-erreur")
    assert Utilisateur.objects.get(email=EMAIL).ferme_le is None

    # Correction : la case cochée est restée cochée, seul le mot de passe est à ressaisir.
    expect(page.get_by_label(re.compile("Je comprends que la fermeture"))).to_be_checked()
    page.get_by_label("Votre mot de passe").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Fermer définitivement mon compte").click()
    expect(page.get_by_text("Votre compte est fermé")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()
    capture("compte-ferme")
    assert not Utilisateur.objects.filter(email=EMAIL).exists()

    page.goto(f"{live_server.url}/mon-compte/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/mon-compte/"))
