"""Parcours dans un vrai navigateur : Chromium de Debian (/usr/bin/chromium) piloté par
Playwright, contre un serveur de test lancé par pytest-django (live_server)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

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


@pytest.fixture
def donnees_demo(transactional_db: None) -> None:
    """Le serveur de test vide la base entre deux tests : on recharge le référentiel
    (normalement chargé par migration) puis la démo."""
    from clas.referentiel.models import Caf, ParametresBareme

    charger_caf(Caf)
    charger_parametres(ParametresBareme)
    call_command("charger_demo", "--force", verbosity=0)


@pytest.fixture
def capture(page):  # type: ignore[no-untyped-def]
    """capture("nom") enregistre la page entière dans tests/e2e/captures/nom.png."""
    CAPTURES.mkdir(exist_ok=True)

    def prendre(nom: str) -> None:
        page.screenshot(path=str(CAPTURES / f"{nom}.png"), full_page=True)

    return prendre
