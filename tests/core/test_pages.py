"""La mise en page commune : DSFR en français, liens d'évitement, rien chargé d'Internet."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from tests.outils import texte

pytestmark = pytest.mark.django_db

PAGES = [
    ("anonyme", "/"),
    ("anonyme", "/simulateur/"),
    ("anonyme", "/connexion/"),
    ("anonyme", "/mot-de-passe/oublie/"),
    ("anonyme", "/accessibilite/"),
    ("anonyme", "/mentions-legales/"),
    ("anonyme", "/donnees-personnelles/"),
    ("anonyme", "/plan-du-site/"),
    ("anonyme", "/aide/"),
    ("anonyme", "/api/"),
    ("anonyme", "/cette-page-n-existe-pas/"),
    ("porteur", "/structure/"),
    ("porteur", "/mon-compte/sessions/"),
    ("instructeur", "/caf/"),
    ("instructeur", "/mon-compte/sessions/"),
    ("national", "/national/"),
    ("national", "/national/parametres/"),
    ("national", "/national/parametres/2025-2026/"),
]


@pytest.mark.parametrize(("persona", "chemin"), PAGES)
def test_chaque_page_a_l_en_tete_le_pied_et_les_liens_d_evitement(
    client_de, persona: str, chemin: str
) -> None:
    page = texte(client_de(persona).get(chemin))

    assert '<html lang="fr"' in page
    assert '<p class="fr-header__service-title">Plateforme Clas</p>' in page
    assert 'href="#contenu">Aller au contenu</a>' in page
    assert 'id="contenu"' in page
    assert 'id="navigation-principale"' in page
    assert 'id="pied-de-page"' in page
    assert re.search(r"<title>[^<]+ — Plateforme Clas</title>", page)


@pytest.mark.parametrize(("persona", "chemin"), PAGES)
def test_aucune_page_ne_charge_de_ressource_sur_internet(
    client_de, persona: str, chemin: str
) -> None:
    page = texte(client_de(persona).get(chemin))

    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["'](https?:)?//""", page)
    # Seules les adresses comptent : un jeton CSRF ou un nonce tiré au hasard peut contenir « cdn ».
    adresses = re.findall(r"""(?:src|href|action)=["']([^"']*)["']""", page)
    assert not [adresse for adresse in adresses if "cdn" in adresse.lower()]


@pytest.mark.parametrize(("persona", "chemin"), PAGES)
def test_les_fichiers_statiques_appeles_par_chaque_page_existent(
    client_de, persona: str, chemin: str
) -> None:
    page = texte(client_de(persona).get(chemin))
    fichiers = set(re.findall(r"""(?:src|href)=["']/static/([^"'?#]+)""", page))

    assert "css/clas.css" in fichiers
    for fichier in fichiers:
        assert finders.find(fichier), f"{chemin} appelle /static/{fichier}, introuvable"


def test_l_accueil_presente_la_plateforme_et_invite_a_se_connecter(anonyme) -> None:
    page = texte(anonyme.get("/"))

    assert "Contrat local d'accompagnement à la scolarité" in page
    assert 'href="/simulateur/"' in page
    assert 'href="/connexion/"' in page


def test_l_accueil_d_une_personne_connectee_mene_a_son_espace(porteur) -> None:
    page = texte(porteur.get("/"))

    assert 'href="/mon-accueil/">Mon espace</a>' in page


@pytest.mark.parametrize(("persona", "chemin"), PAGES)
def test_chaque_page_a_une_politique_de_contenu_stricte_sans_script_ni_style_en_ligne(
    client_de, persona: str, chemin: str
) -> None:
    reponse = client_de(persona).get(chemin)
    page = texte(reponse)
    politique = reponse["Content-Security-Policy"]

    assert "default-src 'self'" in politique
    assert "script-src 'self'" in politique and "style-src 'self'" in politique
    assert "unsafe-inline" not in politique and "unsafe-eval" not in politique
    assert "frame-ancestors 'none'" in politique
    assert "camera=()" in reponse["Permissions-Policy"]
    # Ce que la politique bloquerait : un script sans src, un style en ligne, un gestionnaire.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"<style\b|\sstyle=\"|\son[a-z]+=\"", page)
