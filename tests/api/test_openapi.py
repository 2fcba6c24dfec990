"""Le schéma OpenAPI décrit chaque point d'API, sa sécurité et ses erreurs : ce que
schemathesis (scripts/fuzz_api.sh) confronte aux réponses du serveur."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

REFUS = {"$ref": "#/components/schemas/RefusSchema"}


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (methode.upper(), chemin, operation)
        for chemin, par_methode in document["paths"].items()
        for methode, operation in par_methode.items()
    ]


@pytest.fixture
def document(anonyme: Client) -> dict:
    reponse = anonyme.get("/api/v1/openapi.json")
    assert reponse.status_code == 200
    return reponse.json()


def test_chaque_point_sauf_la_simulation_demande_un_jeton_bearer(document) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["JetonPersonnel"]["type"] == "http"
    assert schemes["JetonPersonnel"]["scheme"] == "bearer"
    assert "Bearer clas_" in schemes["JetonPersonnel"]["description"]
    for methode, chemin, operation in operations(document):
        if chemin == "/api/v1/simulations":
            assert "security" not in operation
        else:
            assert operation["security"] == [{"JetonPersonnel": []}], (methode, chemin)


def test_chaque_point_documente_ses_erreurs_dans_le_format_commun(document) -> None:
    assert len(operations(document)) == 12
    for methode, chemin, operation in operations(document):
        reponses = operation["responses"]
        attendus = {"422"} if chemin == "/api/v1/simulations" else {"401", "403", "422", "429"}
        if "{dossier_id}" in chemin:
            attendus.add("404")
        if methode == "POST" and chemin != "/api/v1/simulations":
            attendus |= {"400", "409"}
        erreurs = {code for code in reponses if int(code) >= 400}
        assert erreurs == attendus, (methode, chemin)
        for code in erreurs:
            assert reponses[code]["content"]["application/json"]["schema"] == REFUS
            assert reponses[code]["description"][0].isupper(), (chemin, code)
        if "429" in reponses:
            assert "Retry-After" in reponses["429"]["headers"]
        if "401" in reponses:
            assert "WWW-Authenticate" in reponses["401"]["headers"]
        assert operation["summary"] and operation["summary"][0].isupper(), (methode, chemin)


def test_un_refus_porte_les_en_tetes_que_le_schema_annonce(api_de, settings) -> None:
    settings.CLAS_API_REQUETES_PAR_MINUTE = 1
    client = api_de("instructeur")
    assert client.get("/api/v1/campagnes").status_code == 200

    trop = client.get("/api/v1/campagnes")
    sans_jeton = api_de("anonyme").get("/api/v1/campagnes")

    assert trop.status_code == 429 and 1 <= int(trop["Retry-After"]) <= 60
    assert sans_jeton.status_code == 401
    assert sans_jeton["WWW-Authenticate"] == 'Bearer realm="clas"'
