"""La sonde /sante/ répond 200 quand la base répond et qu'elle est migrée, 503 sinon."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def migrations_a_verifier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chaque test part d'un processus qui n'a pas encore vérifié les migrations."""
    monkeypatch.setattr("clas.core.views._migrations_appliquees", False)


def test_la_sonde_repond_ok_apres_avoir_interroge_la_base(anonyme: Client) -> None:
    with CaptureQueriesContext(connection) as requetes:
        reponse = anonyme.get("/sante/")

    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/json"
    assert reponse.json() == {"statut": "ok", "base_de_donnees": "ok"}
    assert any("SELECT 1" in requete["sql"] for requete in requetes.captured_queries)


def test_la_sonde_repond_503_quand_la_base_ne_repond_pas(
    anonyme: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BaseEnPanne:
        def cursor(self) -> None:
            raise OperationalError("connexion refusée")

    monkeypatch.setattr("clas.core.views.connection", BaseEnPanne())

    reponse = anonyme.get("/sante/")

    assert reponse.status_code == 503
    assert reponse.json() == {
        "statut": "erreur",
        "base_de_donnees": "injoignable : OperationalError",
    }


def test_la_sonde_repond_503_quand_des_migrations_manquent(
    anonyme: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, cibles: [("migration", False), ("autre", False)],
    )

    reponse = anonyme.get("/sante/")

    assert reponse.status_code == 503
    assert reponse.json()["base_de_donnees"] == "2 migration(s) non appliquée(s)"


def test_la_sonde_refuse_un_post(anonyme: Client) -> None:
    assert anonyme.post("/sante/").status_code == 405


def test_une_fois_les_migrations_verifiees_la_sonde_ne_fait_qu_un_select_1(
    anonyme: Client,
) -> None:
    assert anonyme.get("/sante/").status_code == 200

    with CaptureQueriesContext(connection) as requetes:
        reponse = anonyme.get("/sante/")

    assert reponse.status_code == 200
    assert [requete["sql"] for requete in requetes.captured_queries] == ["SELECT 1"]


def test_des_migrations_manquantes_sont_reverifiees_a_chaque_appel(
    anonyme: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = iter([[("migration", False)], []])
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, cibles: next(plans),
    )

    assert anonyme.get("/sante/").status_code == 503
    assert anonyme.get("/sante/").status_code == 200
