"""Parcours dans un vrai navigateur : Chromium de Debian (/usr/bin/chromium) piloté par
Playwright, contre un serveur de test lancé par pytest-django (live_server).

Chaque page visitée passe axe-core (embarqué par axe-playwright-python, sans CDN) : une
violation « serious » ou « critical » fait échouer le parcours (issue 10, point 13)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import Page
from pytest_django.fixtures import Settings

from clas.referentiel.donnees import charger_caf, charger_parametres

CAPTURES = Path(__file__).resolve().parent / "captures"
CHROMIUM = "/usr/bin/chromium"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--lang=fr-FR",
        ],
        # Les champs date suivent la langue du système, pas celle du contexte : sans LANG
        # français, Chromium les affiche mm/jj/aaaa sur les captures.
        "env": {**os.environ, "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr_FR:fr"},
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, object]) -> dict[str, object]:
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def _media_des_parcours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-e2e")


@pytest.fixture(autouse=True)
def _fichiers_temporaires(settings: Settings, _media_des_parcours: Path) -> None:
    """Remplace celle de tests/conftest.py : un seul dossier de fichiers pour la session,
    où restent les accusés et lettres de la démo chargée une fois (voir donnees_demo)."""
    settings.MEDIA_ROOT = _media_des_parcours


# La base SQLite juste après le premier chargement de la démo (base modèle de la session).
_BASE_MODELE: list[sqlite3.Connection] = []


@pytest.fixture
def donnees_demo(transactional_db: None) -> None:
    """Le serveur de test vide la base entre deux tests. Sur SQLite (base en mémoire), la
    démo est chargée une fois par session puis recopiée avant chaque test (API de
    sauvegarde de SQLite, quelques millisecondes au lieu de dizaines de secondes) ; sur
    PostgreSQL, on recharge le référentiel (normalement chargé par migration) puis la démo."""
    from django.contrib.contenttypes.models import ContentType

    from clas.referentiel.models import Caf, ParametresBareme

    sqlite = connection.vendor == "sqlite"
    if sqlite and _BASE_MODELE:
        connection.ensure_connection()
        _BASE_MODELE[0].backup(connection.connection)
        # Les identifiants des types de contenu sont ceux de la base recopiée.
        ContentType.objects.clear_cache()
        return
    charger_caf(Caf)
    charger_parametres(ParametresBareme)
    call_command("charger_demo", "--force", verbosity=0)
    if sqlite:
        modele = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(modele)
        _BASE_MODELE.append(modele)


# --- Accessibilité : axe-core sur chaque page -------------------------------------------

IMPACTS_BLOQUANTS = ("serious", "critical")
OPTIONS_AXE = {"resultTypes": ["violations"]}

# Injecté dans chaque document (avant ses propres scripts) : axe-core, puis une analyse
# lancée une fois la page chargée, dont le résultat remonte au test par une fonction exposée.
# Seul le document principal est analysé (axe parcourt lui-même les cadres).
SCRIPT_PAGE = (
    AXE_SCRIPT
    + """
;(() => {
  if (window.top !== window || !/^https?:/.test(location.protocol)) return;
  // Une analyse à la fois (axe refuse deux analyses simultanées) : celle du chargement et
  // celles demandées par verifier_page() s'enchaînent.
  let file = Promise.resolve();
  window.__clasAxeAnalyser = () => {
    const analyse = file.then(() => axe.run(document, OPTIONS_AXE));
    file = analyse.catch(() => {});
    return analyse;
  };
  // setTimeout : après les autres écouteurs de « load » de la page (clas.js).
  window.addEventListener("load", () => setTimeout(() => {
    window.__clasAxeAnalyser().then(
      (r) => window.__clasAxe(location.href.split("#")[0], document.title, r.violations),
      () => {}
    );
  }, 0));
})();
""".replace("OPTIONS_AXE", json.dumps(OPTIONS_AXE))
)


def violations_bloquantes(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in IMPACTS_BLOQUANTS]


def decrire(url: str, titre: str, violations: list[dict[str, Any]]) -> str:
    """Une violation par règle : la règle, son impact, ce qu'elle demande, les éléments visés
    (sélecteurs CSS) et ce qu'axe propose de corriger pour le premier."""
    lignes = [f"Page {url} (« {titre} ») :"]
    for v in violations:
        cibles = [", ".join(map(str, n.get("target", []))) for n in v.get("nodes", [])]
        lignes.append(f"  - règle « {v['id']} » ({v['impact']}) : {v['help']} — {v['helpUrl']}")
        for cible in cibles[:5]:
            lignes.append(f"      cible : {cible}")
        if len(cibles) > 5:
            lignes.append(f"      … et {len(cibles) - 5} autres éléments")
        resume = (v.get("nodes") or [{}])[0].get("failureSummary", "")
        if resume:
            lignes.append("      " + resume.replace("\n", "\n      "))
    return "\n".join(lignes)


@dataclass
class Accessibilite:
    """Ce qu'axe a trouvé pendant un parcours : les adresses ouvertes (navigations GET du
    document principal), celles analysées, et les violations bloquantes."""

    ouvertes: list[str] = field(default_factory=list)
    analysees: set[str] = field(default_factory=set)
    erreurs: list[str] = field(default_factory=list)
    # Ce que la politique de sécurité du contenu a bloqué (script ou style en ligne…) : le
    # navigateur le dit dans sa console ; une page qui en dépendrait serait cassée.
    bloque_par_la_csp: list[str] = field(default_factory=list)

    def signaler(self, url: str, titre: str, violations: list[dict[str, Any]]) -> None:
        self.analysees.add(url)
        graves = violations_bloquantes(violations)
        if graves:
            message = decrire(url, titre, graves)
            if message not in self.erreurs:
                self.erreurs.append(message)


def verifier_page(page: Page) -> None:
    """Lance axe sur la page affichée et échoue tout de suite sur une violation grave."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.__clasAxeAnalyser === 'function'"):
        page.evaluate(SCRIPT_PAGE)  # page ouverte sans la fixture `accessibilite`
    resultats = page.evaluate("() => window.__clasAxeAnalyser()")
    suivi: Accessibilite | None = getattr(page, "_clas_accessibilite", None)
    if suivi is not None:
        suivi.analysees.add(page.url.split("#")[0])
    graves = violations_bloquantes(resultats["violations"])
    if graves:
        raise AssertionError(
            "Accessibilité (axe-core) : violations graves ou critiques.\n"
            + decrire(page.url, page.title(), graves)
        )


@pytest.fixture
def accessibilite(page: Page) -> Accessibilite:
    """Branche axe sur chaque document ouvert par `page` ; le bilan est fait à la fin de
    l'appel du test (pytest_runtest_call ci-dessous), base encore remplie."""
    suivi = Accessibilite()

    def navigation(reponse: Any) -> None:
        # Les documents HTML seulement : un PDF téléchargé est aussi une navigation.
        requete = reponse.request
        if (
            requete.is_navigation_request()
            and requete.frame == page.main_frame
            and requete.method == "GET"
            and "text/html" in reponse.headers.get("content-type", "")
            and "attachment" not in reponse.headers.get("content-disposition", "")
        ):
            suivi.ouvertes.append(reponse.url)

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            suivi.bloque_par_la_csp.append(f"{page.url} : {message.text[:300]}")

    page.on("console", console)
    page.expose_function("__clasAxe", suivi.signaler)
    page.add_init_script(script=SCRIPT_PAGE)
    page.on("response", navigation)
    page._clas_accessibilite = suivi  # type: ignore[attr-defined]
    return suivi


def bilan_accessibilite(page: Page, suivi: Accessibilite) -> None:
    """Les pages quittées avant la fin de leur analyse sont rouvertes et analysées ; puis
    toutes les violations graves du parcours sont rapportées ensemble."""
    page.wait_for_timeout(200)  # laisse arriver l'analyse de la dernière page
    a_rouvrir = [url for url in dict.fromkeys(suivi.ouvertes) if url not in suivi.analysees]
    for url in a_rouvrir:
        reponse = page.goto(url)
        if reponse is not None and reponse.ok:
            try:
                verifier_page(page)
            except AssertionError as erreur:
                suivi.erreurs.append(str(erreur).split("\n", 1)[1])
    if suivi.bloque_par_la_csp:
        raise AssertionError(
            "Politique de sécurité du contenu : le navigateur a bloqué\n"
            + "\n".join(dict.fromkeys(suivi.bloque_par_la_csp))
        )
    if suivi.erreurs:
        raise AssertionError(
            "Accessibilité (axe-core) : violations graves ou critiques pendant le parcours "
            f"({len(suivi.analysees)} pages analysées, dont {len(a_rouvrir)} rouvertes à la fin).\n"
            + "\n".join(suivi.erreurs)
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    resultat = yield
    suivi = getattr(item, "_clas_accessibilite", None)
    if suivi is not None:
        bilan_accessibilite(*suivi)
    return resultat


@pytest.fixture(autouse=True)
def _axe_sur_chaque_page(request: pytest.FixtureRequest) -> None:
    """Tout parcours qui ouvre une page (fixture `page`) est suivi par axe."""
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        request.node._clas_accessibilite = (page, request.getfixturevalue("accessibilite"))


@pytest.fixture
def capture(page: Page):  # type: ignore[no-untyped-def]
    """capture("nom") vérifie la page avec axe puis l'enregistre entière dans
    tests/e2e/captures/nom.png."""
    CAPTURES.mkdir(exist_ok=True)

    def prendre(nom: str) -> None:
        verifier_page(page)
        page.screenshot(path=str(CAPTURES / f"{nom}.png"), full_page=True)

    return prendre
