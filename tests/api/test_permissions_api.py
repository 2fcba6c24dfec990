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


# La règle des pages (`capacites_paiements`) : les agents lisent les paiements de leur Caf,
# l'administration nationale ceux de toutes les Caf (lecture seule), les porteurs rien.
PAIEMENTS = {
    "anonyme": 401,
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ["/api/v1/versements", "/api/v1/lots"])
def test_versements_et_lots_suivent_les_droits_des_pages_de_paiement(api_de, jeu, persona, route):
    reponse = api_de(persona).get(route)
    assert reponse.status_code == PAIEMENTS[persona], reponse.content
    if reponse.status_code == 403:
        assert "réservés aux agents des Caf" in reponse.json()["erreurs"][0]["message"]
    if route == "/api/v1/versements" and reponse.status_code == 200:
        ids = {v["id"] for v in reponse.json()["resultats"]}
        attendus = {jeu["acompte"].pk} if persona != "instructeur_autre_caf" else set()
        assert ids == attendus


def test_le_national_lit_les_paiements_de_toutes_les_caf_et_filtre_par_caf(api_de, jeu, caf_somme):
    from tests.factories import LotPaiementFactory, VersementFactory

    somme = VersementFactory(convention__dossier__campagne=jeu["somme"].campagne)
    lot_somme = LotPaiementFactory(caf=caf_somme)
    client = api_de("national")
    tous = {v["id"] for v in client.get("/api/v1/versements").json()["resultats"]}
    assert tous == {jeu["acompte"].pk, somme.pk}
    filtre = client.get(f"/api/v1/versements?caf={caf_somme.code}").json()["resultats"]
    assert [v["id"] for v in filtre] == [somme.pk]
    lots = client.get(f"/api/v1/lots?caf={caf_somme.code}").json()["resultats"]
    assert [lot["id"] for lot in lots] == [lot_somme.pk]
    # L'agent d'une autre Caf ne voit toujours pas ce versement, même en filtrant.
    autre = api_de("instructeur").get(f"/api/v1/versements?caf={caf_somme.code}").json()
    assert autre["resultats"] == []


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
@pytest.mark.parametrize("route", ["/api/v1/referentiel/caf", "/api/v1/referentiel/parametres"])
def test_le_referentiel_demande_un_jeton(api_de, jeu, persona, route):
    reponse = api_de(persona).get(route)
    assert reponse.status_code == (401 if persona == "anonyme" else 200)


# La règle du tableau de bord (`capacites_statistiques`, `perimetre_de`) : les agents voient
# les chiffres de leur Caf, le national ceux de toutes les Caf ; les porteurs, rien.
DOSSIERS_COMPTES_2026 = {
    "instructeur": {"a_depose", "b_instruction"},
    "valideur": {"a_depose", "b_instruction"},
    "comptable": {"a_depose", "b_instruction"},
    "instructeur_autre_caf": {"somme"},
    "national": {"a_depose", "b_instruction", "somme"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_les_statistiques_suivent_les_droits_du_tableau_de_bord(api_de, jeu, persona):
    reponse = api_de(persona).get("/api/v1/statistiques?annee_scolaire=2026-2027")
    if persona == "anonyme":
        assert reponse.status_code == 401
        return
    if persona in ("porteur", "porteur_autre"):
        assert reponse.status_code == 403
        assert reponse.json() == {
            "erreurs": [
                {
                    "champ": "",
                    "message": "Les statistiques sont réservées aux agents des Caf et à "
                    "l'administration nationale.",
                }
            ]
        }
        return
    assert reponse.status_code == 200, reponse.content
    corps = reponse.json()
    assert corps["chiffres"]["dossiers"] == len(DOSSIERS_COMPTES_2026[persona])
    attendu = None if persona == "national" else jeu["a_depose"].campagne.caf.code
    if persona == "instructeur_autre_caf":
        attendu = jeu["somme"].campagne.caf.code
    assert (corps["perimetre"]["caf"] or {}).get("code") == attendu


def test_un_agent_ne_demande_pas_les_statistiques_d_une_autre_caf(api_de, jeu, caf_somme):
    reponse = api_de("instructeur").get(f"/api/v1/statistiques?caf={caf_somme.code}")
    assert reponse.status_code == 403
    assert reponse.json()["erreurs"] == [
        {"champ": "caf", "message": "Un agent ne voit que les chiffres de sa Caf."}
    ]
    # Sa propre Caf, nommée : accepté.
    propre = jeu["a_depose"].campagne.caf.code
    assert api_de("instructeur").get(f"/api/v1/statistiques?caf={propre}").status_code == 200


def test_le_national_choisit_une_caf_existante(api_de, jeu, caf_somme):
    client = api_de("national")
    corps = client.get(f"/api/v1/statistiques?caf={caf_somme.code}&annee_scolaire=2026-2027")
    assert corps.json()["chiffres"]["dossiers"] == 1
    inconnue = client.get("/api/v1/statistiques?caf=99B")
    assert inconnue.status_code == 422
    assert inconnue.json()["erreurs"][0]["champ"] == "caf"


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
