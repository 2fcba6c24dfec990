"""La démo chargée une seule fois pour tous les tests de ce dossier.

Charger la démo prend plusieurs secondes : la charger à chaque test rendait ces tests
très lents. On la charge donc une fois pour tout le dossier (tests/demo), dans une
transaction annulée à la fin (tests/demo/chargement.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import Settings

from tests.demo.chargement import demo_chargee


@pytest.fixture(scope="package")
def _media_de_la_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-demo")


@pytest.fixture(scope="package")
def sortie_de_la_demo(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, _media_de_la_demo: Path
) -> Iterator[str]:
    """La démo chargée (et sa sortie) ; annulée après le dernier test du dossier."""
    with demo_chargee(django_db_blocker, _media_de_la_demo) as sortie:
        yield sortie


@pytest.fixture(autouse=True)
def _demo(sortie_de_la_demo: str, db: None) -> None:
    """Chaque test du dossier voit la démo chargée, dans sa propre transaction."""


@pytest.fixture(autouse=True)
def _fichiers_temporaires(settings: Settings, _media_de_la_demo: Path) -> None:
    """Remplace celle de tests/conftest.py : les fichiers de la démo (accusés, lettres)
    restent lisibles pendant les tests."""
    settings.MEDIA_ROOT = _media_de_la_demo
