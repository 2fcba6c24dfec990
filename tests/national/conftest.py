"""Le jeu national généré une seule fois pour tous les tests de ce dossier, dans une
transaction annulée à la fin (comme la démo de tests/demo) : chaque test tourne dans sa
propre transaction imbriquée."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from pytest_django import DjangoDbBlocker

from clas.demo.national import Resume, generer_national

ECHELLE = 0.05  # un vingtième du pays : chaque Caf a des dossiers, chaque état est présent


@pytest.fixture(scope="package")
def _jeu_national(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Resume]:
    with django_db_blocker.unblock():
        englobante = transaction.atomic()
        englobante.__enter__()
        try:
            yield generer_national(ECHELLE, 42)
        finally:
            transaction.set_rollback(True)
            englobante.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def jeu(_jeu_national: Resume, db: None) -> Resume:
    return _jeu_national
