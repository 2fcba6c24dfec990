"""Charger la démo une fois pour plusieurs tests (tests/demo, tests/api/test_doc_curl.py) :
dans une transaction ouverte pour tout le groupe et annulée à la fin. Chaque test tourne
dans sa propre transaction imbriquée (celle de pytest-django), annulée après lui : un test
qui modifie la démo ne gêne pas les suivants, et les autres tests retrouvent une base vide.

Les suites des transactions (accusés de réception, lettres de décision) sont exécutées
pendant le chargement, comme après un vrai `charger_demo`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import transaction
from django.test import TestCase, override_settings
from pytest_django import DjangoDbBlocker


@contextmanager
def demo_chargee(django_db_blocker: DjangoDbBlocker, media: Path) -> Iterator[str]:
    """La démo chargée (et sa sortie), annulée à la sortie du bloc."""
    sortie = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
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
