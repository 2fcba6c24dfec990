"""La documentation de l'API : OpenAPI et une page lisible, sans rien chercher sur Internet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def references(noeud: Any) -> list[str]:
    if isinstance(noeud, dict):
        trouvees = [noeud["$ref"]] if isinstance(noeud.get("$ref"), str) else []
        return trouvees + [r for valeur in noeud.values() for r in references(valeur)]
    if isinstance(noeud, list):
        return [r for valeur in noeud for r in references(valeur)]
    return []


def test_le_document_openapi_decrit_la_simulation(anonyme: Client) -> None:
    reponse = anonyme.get("/api/v1/openapi.json")

    assert reponse.status_code == 200
    document = reponse.json()
    assert "/api/v1/simulations" in document["paths"]
    operation = document["paths"]["/api/v1/simulations"]["post"]
    assert set(operation["responses"]) >= {"200", "422"}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SimulationEntreeSchema"
    }
    composants = document["components"]["schemas"]
    assert "SimulationEntreeSchema" in composants
    entree = composants["SimulationEntreeSchema"]
    assert set(entree["properties"]) == {
        "annee_scolaire",
        "depenses_totales",
        "cofinancements",
        "collectifs",
    }
    assert set(entree["required"]) == {"annee_scolaire", "depenses_totales", "collectifs"}
    assert {"SimulationSortieSchema", "RefusSchema"} <= set(composants)


def test_chaque_reference_du_document_openapi_existe(anonyme: Client) -> None:
    document = anonyme.get("/api/v1/openapi.json").json()
    composants = document["components"]["schemas"]

    for reference in references(document):
        assert reference.startswith("#/components/schemas/"), reference
        assert reference.removeprefix("#/components/schemas/") in composants, reference


def test_la_documentation_lisible_s_ouvre_sans_cdn(anonyme: Client) -> None:
    reponse = anonyme.get("/api/v1/docs")

    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert "cdn" not in page.lower()
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "/api/v1/openapi.json" in page


def test_les_fichiers_de_la_documentation_sont_servis_par_la_plateforme(anonyme: Client) -> None:
    page = anonyme.get("/api/v1/docs").content.decode()
    fichiers = re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", page)

    assert any(f.endswith("swagger-ui-bundle.js") for f in fichiers)
    for fichier in fichiers:
        assert finders.find(fichier), f"{fichier} introuvable dans les fichiers statiques"
