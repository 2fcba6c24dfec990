"""Parcours dans un vrai navigateur : Chromium de Debian (/usr/bin/chromium) piloté par
Playwright, contre un serveur de test lancé par pytest-django (live_server)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
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


@pytest.fixture
def capture(page):  # type: ignore[no-untyped-def]
    """capture("nom") enregistre la page entière dans tests/e2e/captures/nom.png."""
    CAPTURES.mkdir(exist_ok=True)

    def prendre(nom: str) -> None:
        page.screenshot(path=str(CAPTURES / f"{nom}.png"), full_page=True)

    return prendre
