"""Les écrans de travail de la Caf dans un vrai navigateur : la page de travail, la file
lisible sur un téléphone (375 px), la page d'un dossier avec son résumé qui reste en haut."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from clas.dossiers.models import Dossier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MOT_DE_PASSE_DEMO = "demo-clas-2026"
TELEPHONE = {"width": 375, "height": 740}


def se_connecter(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name="Se connecter").click()
    # Sur un téléphone, « Se déconnecter » est dans le menu replié : on attend le départ.
    expect(page).not_to_have_url(re.compile(r"/connexion/"))


def largeur_de_la_page(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_l_instructeur_va_de_sa_page_de_travail_a_sa_file_sur_un_telephone(
    page: Page, live_server, donnees_demo, capture
) -> None:
    page.set_viewport_size(TELEPHONE)
    se_connecter(page, live_server.url, "instructeur@demo.clas.fr")
    expect(page).to_have_url(re.compile(r"/caf/$"))
    tuile = page.locator("#compteur-a_instruire")
    nombre = int(tuile.locator(".clas-compteur").inner_text())
    capture("caf-01-page-de-travail-telephone")
    assert largeur_de_la_page(page) <= TELEPHONE["width"]

    tuile.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/instruction/\?file=a_instruire$"))
    # Les résultats d'abord : les filtres sont repliés au-dessus.
    expect(page.get_by_role("button", name=re.compile("^Rechercher et filtrer"))).to_have_attribute(
        "aria-expanded", "false"
    )
    expect(page.locator("#filtre-q")).to_be_hidden()
    lignes = page.locator("#table-dossiers tbody tr")
    expect(lignes).to_have_count(nombre)
    expect(page.locator("#table-dossiers th", has_text="Prestation demandée")).to_have_count(1)
    expect(page.locator("#table-dossiers th", has_text="Ancienneté")).to_have_count(1)
    # Le tableau défile dans son cadre, la page ne déborde pas.
    assert largeur_de_la_page(page) <= TELEPHONE["width"]
    capture("caf-02-file-telephone")

    page.get_by_role("button", name=re.compile("^Rechercher et filtrer")).click()
    page.locator("#filtre-q").fill("zzz-aucun-dossier")
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page.get_by_text("Aucun dossier dans la file")).to_be_visible()
    # Un critère s'applique : les filtres restent ouverts pour le corriger.
    expect(page.locator("#filtre-q")).to_be_visible()
    expect(page.locator("#filtre-q")).to_have_value("zzz-aucun-dossier")


def test_la_page_d_un_dossier_montre_son_resume_en_haut_et_la_decision_en_un_clic(
    page: Page, live_server, donnees_demo, capture
) -> None:
    dossier = (
        Dossier.objects.filter(etat="en_instruction", instructeur__email="instructeur@demo.clas.fr")
        .exclude(propositions__statut="en_attente")
        .first()
    )
    assert dossier is not None
    se_connecter(page, live_server.url, "instructeur@demo.clas.fr")
    page.goto(f"{live_server.url}/instruction/dossiers/{dossier.pk}/")
    hauteur = page.evaluate("window.innerHeight")

    # Le contenu du dossier commence dans le premier écran.
    haut_du_dossier = page.locator("#dossier").evaluate("e => e.getBoundingClientRect().top")
    assert haut_du_dossier < hauteur
    capture("caf-03-dossier")

    resume = page.locator("#resume")
    expect(resume.locator("#etat-dossier")).to_have_text("En instruction")
    action = resume.get_by_role("link", name="Proposer une décision")
    action.click()
    expect(page).to_have_url(re.compile(r"#decision$"))
    expect(page.locator("#form-proposer")).to_be_in_viewport()
    # Le résumé est resté en haut de l'écran, par-dessus la page qui a défilé.
    assert resume.evaluate("e => e.getBoundingClientRect().top") == 0
    expect(resume).to_be_in_viewport()

    resume.get_by_role("link", name="Historique").click()
    expect(page.locator("#titre-historique")).to_be_in_viewport()
    capture("caf-04-dossier-historique")

    # Sur un téléphone : le résumé ne colle pas (il cacherait la page) et rien ne déborde.
    page.set_viewport_size(TELEPHONE)
    page.goto(f"{live_server.url}/instruction/dossiers/{dossier.pk}/")
    assert largeur_de_la_page(page) <= TELEPHONE["width"]
    page.mouse.wheel(0, 3000)
    expect(resume).not_to_be_in_viewport()


def test_le_calcul_pas_a_pas_d_un_gros_dossier_s_ouvre_sur_sa_page(
    page: Page, live_server, donnees_demo, capture
) -> None:
    from clas.instruction.views.dossier import COLLECTIFS_EXPLIQUES_SUR_LA_PAGE
    from tests.dossiers.suivi_fabrique import ajouter_collectif

    dossier = Dossier.objects.filter(
        etat="en_instruction", instructeur__email="instructeur@demo.clas.fr"
    ).first()
    assert dossier is not None
    for rang in range(dossier.collectifs.count(), COLLECTIFS_EXPLIQUES_SUR_LA_PAGE + 2):
        ajouter_collectif(dossier, rang, nom=f"Groupe {rang + 1}")
    se_connecter(page, live_server.url, "instructeur@demo.clas.fr")
    page.goto(f"{live_server.url}/instruction/dossiers/{dossier.pk}/")
    montant = page.get_by_test_id("montant-retenu-entete").inner_text()

    page.get_by_role("link", name=re.compile("^Voir le calcul pas à pas")).click()
    expect(page).to_have_url(re.compile(rf"/instruction/dossiers/{dossier.pk}/calcul/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calcul pas à pas")
    expect(page.get_by_test_id("montant-retenu")).to_have_text(montant)
    expect(page.locator("#explication")).to_contain_text("Prix de revient par collectif")
    capture("caf-05-calcul-pas-a-pas")

    page.get_by_role("link", name="Retour au dossier").click()
    expect(page).to_have_url(re.compile(rf"/instruction/dossiers/{dossier.pk}/$"))
