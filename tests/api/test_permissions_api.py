"""Chaque endpoint de l'API, pour chaque persona : exactement les droits du propriétaire du
jeton, ceux des pages (mêmes fonctions de visibilité)."""

from __future__ import annotations

import pytest

from clas.core.permissions import LECTURE_SEULE
from tests.conftest import PERSONAS

# Marqué ici (pas seulement par les fixtures) : pytest-django lance ces tests avec ceux qui
# ont la base, avant les tests transactionnels qui la vident.
pytestmark = pytest.mark.django_db

ROUTES_RHONE = ("a_accepte", "a_depose", "b_instruction")

VISIBLES = {
    "porteur": {"a_accepte", "a_depose", "brouillon"},
    "porteur_autre": {"b_instruction"},
    "instructeur": set(ROUTES_RHONE),
    "valideur": set(ROUTES_RHONE),
    "comptable": set(ROUTES_RHONE),
    "instructeur_autre_caf": {"somme"},
    "national": {*ROUTES_RHONE, "somme"},
}


def _ids(jeu, noms):
    return {jeu[nom].pk for nom in noms}


@pytest.mark.parametrize("persona", PERSONAS)
def test_la_liste_des_dossiers_montre_exactement_ceux_que_voit_la_personne(api_de, jeu, persona):
    reponse = api_de(persona).get("/api/v1/dossiers")
    if persona == "anonyme":
        assert reponse.status_code == 401
        assert reponse.json()["erreurs"][0]["message"].startswith("Authentification requise")
        return
    assert reponse.status_code == 200, reponse.content
    assert {d["id"] for d in reponse.json()["resultats"]} == _ids(jeu, VISIBLES[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("nom", ["a_accepte", "brouillon", "somme", "b_instruction"])
def test_le_detail_d_un_dossier_suit_les_droits_des_pages(api_de, jeu, persona, nom):
    reponse = api_de(persona).get(f"/api/v1/dossiers/{jeu[nom].pk}")
    if persona == "anonyme":
        assert reponse.status_code == 401
    elif nom in VISIBLES[persona]:
        assert reponse.status_code == 200
        assert reponse.json()["id"] == jeu[nom].pk
    else:
        assert reponse.status_code == 404
        assert "Introuvable" in reponse.json()["erreurs"][0]["message"]


PAIEMENTS = {
    "anonyme": 401,
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 403,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ["/api/v1/versements", "/api/v1/lots"])
def test_versements_et_lots_sont_reserves_aux_agents_de_la_caf(api_de, jeu, persona, route):
    reponse = api_de(persona).get(route)
    assert reponse.status_code == PAIEMENTS[persona], reponse.content
    if route == "/api/v1/versements" and reponse.status_code == 200:
        ids = {v["id"] for v in reponse.json()["resultats"]}
        attendus = {jeu["acompte"].pk} if persona != "instructeur_autre_caf" else set()
        assert ids == attendus


CAMPAGNES = {
    "porteur": 3,
    "porteur_autre": 3,
    "instructeur": 3,
    "valideur": 3,
    "comptable": 3,
    "instructeur_autre_caf": 1,
    "national": 4,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_les_campagnes_visibles_sont_celles_des_pages(api_de, jeu, persona):
    reponse = api_de(persona).get("/api/v1/campagnes")
    if persona == "anonyme":
        assert reponse.status_code == 401
        return
    assert reponse.status_code == 200
    assert len(reponse.json()["resultats"]) == CAMPAGNES[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "route", ["/api/v1/referentiel/caf", "/api/v1/referentiel/parametres", "/api/v1/statistiques"]
)
def test_referentiel_et_statistiques_demandent_un_jeton(api_de, jeu, persona, route):
    reponse = api_de(persona).get(route)
    assert reponse.status_code == (401 if persona == "anonyme" else 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_les_statistiques_comptent_les_dossiers_visibles(api_de, jeu, persona):
    if persona == "anonyme":
        return
    corps = api_de(persona).get("/api/v1/statistiques").json()
    assert corps["nb_dossiers"] == len(VISIBLES[persona])


MESSAGE = {
    "anonyme": 401,
    "porteur": 201,
    "porteur_autre": 404,
    "instructeur": 201,
    "instructeur_autre_caf": 404,
    "valideur": 201,
    "comptable": 201,
    "national": 403,
}
ANNOTATION = MESSAGE | {"porteur": 403}
PRISE = MESSAGE | {"porteur": 403, "instructeur": 200, "valideur": 403, "comptable": 403}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("route", "attendus"),
    [("messages", MESSAGE), ("annotations", ANNOTATION), ("prise-en-instruction", PRISE)],
)
def test_les_ecritures_suivent_les_droits_des_pages(api_de, jeu, persona, route, attendus):
    corps = {"texte": "Bonjour"} if route != "prise-en-instruction" else {}
    reponse = api_de(persona).post(
        f"/api/v1/dossiers/{jeu['a_depose'].pk}/{route}", corps, content_type="application/json"
    )
    assert reponse.status_code == attendus[persona], reponse.content
    if reponse.status_code >= 400:
        assert reponse.json()["erreurs"][0]["message"]
    if persona == "national":
        assert reponse.json()["erreurs"][0]["message"] == LECTURE_SEULE


@pytest.mark.parametrize("route", ["messages", "annotations", "prise-en-instruction"])
def test_un_jeton_en_lecture_seule_n_ecrit_pas(api_de, jeu, route):
    reponse = api_de("instructeur", lecture_seule=True).post(
        f"/api/v1/dossiers/{jeu['a_depose'].pk}/{route}",
        {"texte": "Bonjour"},
        content_type="application/json",
    )
    assert reponse.status_code == 403
    assert "lecture seule" in reponse.json()["erreurs"][0]["message"]
