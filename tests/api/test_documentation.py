"""La documentation de l'API : OpenAPI et une page lisible, sans rien chercher sur Internet."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from clas.core.templatetags.clas_format import euros
from tests.outils import texte

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


def test_la_documentation_est_une_page_francaise_du_site(anonyme: Client) -> None:
    reponse = anonyme.get("/api/")

    assert reponse.status_code == 200
    page = texte(reponse)
    assert '<html lang="fr"' in page
    assert "<h1>Documentation de l'API</h1>" in page
    assert 'id="pied-de-page"' in page
    assert "POST" in page and "/api/v1/simulations" in page
    assert 'href="/api/v1/openapi.json"' in page
    assert "cdn" not in page.lower()
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", page)
    assert "swagger" not in page.lower()


def test_l_exemple_de_la_documentation_est_calcule_par_l_api(anonyme: Client) -> None:
    """L'exemple de réponse est celui que l'API renvoie vraiment pour l'exemple de requête."""
    page = texte(anonyme.get("/api/"))
    blocs = re.findall(r"<pre[^>]*><code>(.*?)</code></pre>", page, re.S)
    requete = json.loads(blocs[1])
    reponse_affichee = json.loads(blocs[2])
    refus_affiche = json.loads(blocs[3])

    vraie = anonyme.post("/api/v1/simulations", requete, content_type="application/json")
    assert vraie.status_code == 200
    assert reponse_affichee["montant_total"] == vraie.json()["montant_total"] == "8889.00"
    assert reponse_affichee["collectifs"] == vraie.json()["collectifs"]
    assert f"Montant total : <strong>{euros(Decimal('8889'))}</strong>" in page
    assert [e["champ"] for e in refus_affiche["erreurs"]] == [
        "collectifs[0].nb_enfants",
        "collectifs[1].nb_intervenants",
    ]


def test_la_documentation_decrit_chaque_champ_de_l_entree(anonyme: Client) -> None:
    page = texte(anonyme.get("/api/"))

    for champ in (
        "annee_scolaire",
        "depenses_totales",
        "cofinancements",
        "collectifs",
        "nb_enfants",
        "nb_intervenants",
        "semaines_de_fonctionnement",
        "milieu_rural",
        "enfant_en_situation_de_handicap",
        "bonus_projets_culturels",
        "bonus_accompagnement_parents",
    ):
        assert f"<td><code>{champ}</code></td>" in page, champ


def test_la_documentation_presente_chaque_point_d_entree_et_les_jetons(anonyme: Client) -> None:
    page = texte(anonyme.get("/api/"))
    document = anonyme.get("/api/v1/openapi.json").json()

    for adresse, operations in document["paths"].items():
        for methode in operations:
            ligne = f"<tr><td><code>{methode.upper()}</code></td><td><code>{adresse}</code></td>"
            assert ligne in page, (methode, adresse)
    assert 'href="/mon-compte/jetons-api/"' in page
    assert "Authorization: Bearer" in page
    assert "docs/api.md" in page
    for code in ("400", "401", "403", "404", "409", "422", "429"):
        assert f"<tr><td><code>{code}</code></td>" in page, code


def test_les_types_de_l_entree_sont_dits_en_francais(anonyme: Client) -> None:
    page = texte(anonyme.get("/api/"))

    assert "typing." not in page and "FieldInfo" not in page
    assert "<td><code>depenses_totales</code></td><td>nombre ou texte" in page
    assert "<td><code>nb_enfants</code></td><td>nombre entier ou texte" in page


def test_l_ancienne_adresse_swagger_mene_a_la_page_francaise(anonyme: Client) -> None:
    reponse = anonyme.get("/api/v1/docs")

    assert reponse.status_code == 301
    assert reponse["Location"] == "/api/"


def test_la_documentation_de_l_api_n_est_dans_aucun_menu_principal(client_de) -> None:
    for persona in ("anonyme", "instructeur", "valideur", "comptable", "national"):
        navigation = client_de(persona).get("/simulateur/").context["navigation"]
        assert all(lien.url != "/api/" for lien in navigation), persona
