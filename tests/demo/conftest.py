"""La démo chargée une seule fois pour tous les tests de ce dossier.

Charger la démo prend plusieurs secondes : la charger à chaque test rendait ces tests
très lents. On la charge donc une fois, dans une transaction ouverte pour tout le dossier
(tests/demo) et annulée à la fin ; chaque test tourne dans sa propre transaction imbriquée
(celle de pytest-django), annulée après lui : un test qui modifie la démo ne gêne pas les
suivants, et les autres dossiers de tests retrouvent une base vide.

Les suites des transactions (accusés de réception, lettres de décision) sont exécutées
pendant le chargement, comme après un vrai `charger_demo`."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import Settings

MOT_DE_PASSE = "demo-clas-2026"


@pytest.fixture(scope="package")
def _media_de_la_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-demo")


@pytest.fixture(scope="package")
def sortie_de_la_demo(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, _media_de_la_demo: Path
) -> Iterator[str]:
    """La démo chargée (et sa sortie) ; annulée après le dernier test du dossier."""
    sortie = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=_media_de_la_demo,
            # Le même hachage rapide que les autres tests (tests/conftest.py) : les mots
            # de passe de la démo se vérifient avec lui.
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        englobante = transaction.atomic()
        englobante.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("charger_demo", "--force", stdout=sortie)
            yield sortie.getvalue()
        finally:
            transaction.set_rollback(True)
            englobante.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _demo(sortie_de_la_demo: str, db: None) -> None:
    """Chaque test du dossier voit la démo chargée, dans sa propre transaction."""


@pytest.fixture(autouse=True)
def _fichiers_temporaires(settings: Settings, _media_de_la_demo: Path) -> None:
    """Remplace celle de tests/conftest.py : les fichiers de la démo (accusés, lettres)
    restent lisibles pendant les tests."""
    settings.MEDIA_ROOT = _media_de_la_demo
