"""Les pages du pied de page : accessibilité, mentions légales, données personnelles, plan du
site, aide, documentation de l'API. Publiques, en français, liées depuis chaque page."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

from clas.core.pages import ACCESSIBILITE
from tests.conftest import PERSONAS
from tests.outils import texte

pytestmark = pytest.mark.django_db

PAGES_DU_PIED = {
    "/plan-du-site/": ("Plan du site", "Plan du site"),
    "/accessibilite/": (f"Accessibilité : {ACCESSIBILITE['etat']}", "Déclaration d'accessibilité"),
    "/mentions-legales/": ("Mentions légales", "Mentions légales"),
    "/donnees-personnelles/": ("Données personnelles", "Données personnelles"),
    "/aide/": ("Aide", "Aide"),
    "/api/": ("API", "Documentation de l'API"),
}


def pied_de_page(page: str) -> str:
    return page[page.index('id="pied-de-page"') :]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("chemin", PAGES_DU_PIED)
def test_chaque_page_du_pied_de_page_s_ouvre_pour_chaque_persona(
    client_de, persona: str, chemin: str
) -> None:
    reponse = client_de(persona).get(chemin)

    assert reponse.status_code == 200
    _lien, titre = PAGES_DU_PIED[chemin]
    page = texte(reponse)
    assert f"<h1>{titre}</h1>" in page
    assert f"<title>{titre} — Plateforme Clas</title>" in page


@pytest.mark.parametrize("chemin", PAGES_DU_PIED)
def test_chaque_page_du_pied_de_page_est_liee_depuis_le_pied_de_page(anonyme, chemin) -> None:
    lien, _titre = PAGES_DU_PIED[chemin]
    for depart in ("/", "/simulateur/", chemin):
        pied = pied_de_page(texte(anonyme.get(depart)))
        assert re.search(
            rf'<a class="fr-footer__bottom-link" href="{re.escape(chemin)}">{re.escape(lien)}</a>',
            pied,
        ), f"{chemin} manque au pied de {depart}"


def test_la_sonde_de_sante_n_est_plus_dans_le_pied_de_page(anonyme) -> None:
    pied = pied_de_page(texte(anonyme.get("/")))

    assert "/sante/" not in pied
    assert "État du service" not in pied


def test_la_declaration_d_accessibilite_dit_l_etat_la_date_et_les_recours(anonyme) -> None:
    page = texte(anonyme.get("/accessibilite/"))

    assert f"<strong>{ACCESSIBILITE['etat']}</strong>" in page
    assert "RGAA), version 4.1.2" in page
    assert "Établie le 01/12/2026" in page
    assert "pas encore fait l'objet d'un audit" in page
    assert "Ce qui n'est pas encore conforme" in page
    assert "Signaler un défaut d'accessibilité" in page
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in page


def test_sans_audit_la_plateforme_ne_se_dit_pas_conforme() -> None:
    """Le RGAA : sans audit, la mention est « non conforme »."""
    assert ACCESSIBILITE["etat"] == "non conforme"


def test_les_donnees_personnelles_disent_quoi_pourquoi_combien_de_temps_et_les_droits(
    anonyme,
) -> None:
    page = texte(anonyme.get("/donnees-personnelles/"))

    for rubrique in (
        "Qui est responsable de vos données",
        "Pourquoi ces données sont traitées",
        "Base légale :",
        "Les données conservées",
        "Combien de temps",
        "Vos droits",
        "Cookies",
    ):
        assert rubrique in page, rubrique
    assert "aucune donnée nominative sur les enfants" in page
    assert "CNIL" in page


def test_les_mentions_legales_nomment_l_editeur_sans_inventer_d_hebergeur(anonyme) -> None:
    page = texte(anonyme.get("/mentions-legales/"))

    assert "Caisse nationale des allocations familiales (Cnaf)" in page
    assert "Le directeur général de la Cnaf" in page
    assert "publiés ici lors de la mise en service" in page


@override_settings(
    HEBERGEUR="Hébergeur Exemple, 1 rue de l'Essai, 75000 Paris",
    CONTACT_PLATEFORME="clas@exemple.fr",
)
def test_l_hebergeur_et_le_contact_de_l_exploitant_sont_affiches(anonyme) -> None:
    mentions = texte(anonyme.get("/mentions-legales/"))
    accessibilite = texte(anonyme.get("/accessibilite/"))

    assert "Hébergeur Exemple, 1 rue de l'Essai, 75000 Paris" in mentions
    assert "publiés ici lors de la mise en service" not in mentions
    assert 'href="mailto:clas@exemple.fr"' in accessibilite


def test_le_plan_du_site_couvre_chaque_persona_et_ses_liens_existent(anonyme) -> None:
    page = texte(anonyme.get("/plan-du-site/"))

    for section in (
        "Pour tous",
        "Pour une structure",
        "Pour un agent de Caf",
        "Pour l'administration nationale",
    ):
        assert f">{section}</h2>" in page
    contenu = page[page.index('id="contenu"') : page.index('id="pied-de-page"')]
    liens = set(re.findall(r'href="(/[^"#]*)"', contenu))
    assert len(liens) >= 20
    for lien in liens:
        try:
            resolve(lien)
        except Resolver404:
            pytest.fail(f"le plan du site mène à une adresse inconnue : {lien}")


def test_l_aide_suit_le_dossier_du_depot_a_la_cloture(anonyme) -> None:
    page = texte(anonyme.get("/aide/"))

    etapes = [
        "Créer votre compte",
        "Remplir le dossier",
        "Déposer le dossier",
        "Pendant l'instruction",
        "La décision",
        "La convention",
        "L'acompte",
        "Le bilan de fin d'année",
        "Le solde ou l'indu",
        "La clôture",
        "Instruire (instructeur)",
        "Valider une décision (valideur)",
        "Payer (valideur et comptable)",
        "Examiner le bilan",
    ]
    positions = [page.index(etape) for etape in etapes]
    assert positions == sorted(positions)
