"""POST /api/v1/simulations : le contrat JSON de CLAS.md, sans authentification."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.bareme import NOMS_PARAMETRES
from tests.outils import exemple_clas

pytestmark = pytest.mark.django_db

URL = "/api/v1/simulations"


def simuler(client: Client, corps: Any):
    texte = corps if isinstance(corps, str | bytes) else json.dumps(corps)
    return client.post(URL, texte, content_type="application/json")


def champs_en_erreur(reponse) -> list[str]:
    return [erreur["champ"] for erreur in reponse.json()["erreurs"]]


def test_l_exemple_de_clas_md_donne_exactement_le_resultat_attendu(anonyme: Client) -> None:
    reponse = simuler(anonyme, exemple_clas())

    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/json"
    resultat = reponse.json()
    assert {cle: resultat[cle] for cle in resultat if cle not in ("explication", "parametres")} == {
        "annee_scolaire": "2025-2026",
        "montant_total": "8889.00",
        "montant_avant_plafonnement": "8889.00",
        "plafond_reste_a_charge": "14000.00",
        "plafonnement_reste_a_charge": False,
        "reduction_plafonnement": "0.00",
        "collectifs": [
            {
                "nom": "Les Hirondelles",
                "eligible": True,
                "montant": "3163.00",
                "motifs_ineligibilite": [],
            },
            {
                "nom": "Les Mésanges",
                "eligible": True,
                "montant": "2863.00",
                "motifs_ineligibilite": [],
            },
            {
                "nom": "Les Rouges-gorges",
                "eligible": True,
                "montant": "2863.00",
                "motifs_ineligibilite": [],
            },
        ],
    }


def test_le_resultat_porte_l_explication_et_les_parametres_avec_leurs_sources(
    anonyme: Client,
) -> None:
    resultat = simuler(anonyme, exemple_clas()).json()

    assert list(resultat["parametres"]) == list(NOMS_PARAMETRES)
    assert resultat["parametres"]["montant_max_collectif"]["valeur"] == "2563.00"
    assert all(p["source"] for p in resultat["parametres"].values())
    etapes = resultat["explication"]
    assert [e["code"] for e in etapes][:2] == ["nombre_collectifs", "prix_de_revient"]
    assert etapes[-1] == {
        "code": "montant_total",
        "libelle": etapes[-1]["libelle"],
        "valeur": "8889.00",
        "formule": "min(8\u00a0889,00\u00a0€ ; 14\u00a0000,00\u00a0€) = 8\u00a0889,00\u00a0€",
        "collectif": None,
        "parametres": [],
    }
    base = next(e for e in etapes if e["code"] == "base" and e["collectif"] == 0)
    assert [p["nom"] for p in base["parametres"]] == ["taux", "montant_max_collectif"]
    assert all(p["source"] for p in base["parametres"])


def test_les_motifs_d_ineligibilite_ont_leur_code(anonyme: Client) -> None:
    entree = exemple_clas()
    entree["collectifs"][0] |= {
        "nb_enfants": 4,
        "nb_intervenants": 1,
        "semaines_de_fonctionnement": 0,
    }
    entree["collectifs"][1] |= {"nb_enfants": 13}
    entree["collectifs"][2] |= {"nb_enfants": 5, "milieu_rural": True}

    resultat = simuler(anonyme, entree).json()

    codes = [[m["code"] for m in c["motifs_ineligibilite"]] for c in resultat["collectifs"]]
    assert codes == [
        ["intervenants_insuffisants", "effectif_insuffisant", "aucune_semaine"],
        ["effectif_trop_eleve"],
        [],
    ]
    assert [c["eligible"] for c in resultat["collectifs"]] == [False, False, True]
    assert [c["montant"] for c in resultat["collectifs"]] == ["0.00", "0.00", "2863.00"]
    assert resultat["montant_total"] == "2863.00"
    assert all(m["message"] for c in resultat["collectifs"] for m in c["motifs_ineligibilite"])


def test_les_valeurs_par_defaut_du_contrat_s_appliquent(anonyme: Client) -> None:
    entree = {
        "annee_scolaire": "2025-2026",
        "depenses_totales": 24000,
        "collectifs": [
            {"nb_enfants": 10, "nb_intervenants": 2, "semaines_de_fonctionnement": 18},
            {"nb_enfants": 10, "nb_intervenants": 2, "semaines_de_fonctionnement": 36},
        ],
    }

    resultat = simuler(anonyme, entree).json()

    assert [c["nom"] for c in resultat["collectifs"]] == ["Collectif 1", "Collectif 2"]
    # Prix de revient 12 000 € : base 2 563 €, proratisée 18/36 pour le premier.
    assert [c["montant"] for c in resultat["collectifs"]] == ["1281.50", "2563.00"]
    assert resultat["plafond_reste_a_charge"] == "24000.00"


def test_le_plafonnement_au_reste_a_charge_est_signale(anonyme: Client) -> None:
    resultat = simuler(anonyme, exemple_clas() | {"cofinancements": 20000.5}).json()

    assert resultat["plafonnement_reste_a_charge"] is True
    assert resultat["montant_total"] == "3999.50"
    assert resultat["montant_avant_plafonnement"] == "8889.00"
    assert resultat["reduction_plafonnement"] == "4889.50"


def test_une_entree_invalide_est_refusee_avec_toutes_ses_erreurs(anonyme: Client) -> None:
    entree = {
        "annee_scolaire": "1999-2000",
        "depenses_totales": "-5",
        "cofinancements": "beaucoup",
        "collectifs": [
            {"nb_enfants": "dix", "nb_intervenants": 2, "semaines_de_fonctionnement": 36},
            {"nb_enfants": 10, "semaines_de_fonctionnement": 36, "milieu_rural": "oui"},
        ],
        "commentaire": "champ inconnu",
    }

    reponse = simuler(anonyme, entree)

    assert reponse.status_code == 422
    assert sorted(champs_en_erreur(reponse)) == sorted(
        [
            "commentaire",
            "annee_scolaire",
            "depenses_totales",
            "cofinancements",
            "collectifs[0].nb_enfants",
            "collectifs[1].nb_intervenants",
            "collectifs[1].milieu_rural",
        ]
    )
    messages = {e["champ"]: e["message"] for e in reponse.json()["erreurs"]}
    assert messages["collectifs[1].nb_intervenants"] == "Ce champ est obligatoire."
    assert messages["depenses_totales"] == "Le montant doit être positif ou nul."
    assert messages["annee_scolaire"].startswith("Année scolaire inconnue : 1999-2000.")
    assert "« dix »" in messages["collectifs[0].nb_enfants"]


@pytest.mark.parametrize(
    ("changement", "champ"),
    [
        ({"collectifs": []}, "collectifs"),
        ({"collectifs": "trois"}, "collectifs"),
        ({"collectifs": [42]}, "collectifs[0]"),
        ({"depenses_totales": None}, "depenses_totales"),
        ({"depenses_totales": "24000.001"}, "depenses_totales"),
        ({"depenses_totales": True}, "depenses_totales"),
        ({"annee_scolaire": 2025}, "annee_scolaire"),
    ],
)
def test_chaque_forme_de_refus_nomme_son_champ(anonyme: Client, changement, champ) -> None:
    reponse = simuler(anonyme, exemple_clas() | changement)

    assert reponse.status_code == 422
    assert champs_en_erreur(reponse) == [champ]


@pytest.mark.parametrize(
    "corps",
    ["", "{", "pas du json", b"\xff\xfe", "[1, 2]", '"texte"', "null"],
)
def test_un_corps_qui_n_est_pas_un_objet_json_est_refuse_en_422(anonyme: Client, corps) -> None:
    reponse = simuler(anonyme, corps)

    assert reponse.status_code == 422
    erreurs = reponse.json()["erreurs"]
    assert len(erreurs) == 1
    assert erreurs[0]["champ"] == ""
    assert "JSON" in erreurs[0]["message"]


def test_les_messages_d_erreur_sont_en_utf8_lisible(anonyme: Client) -> None:
    reponse = simuler(anonyme, exemple_clas() | {"depenses_totales": "-1"})

    assert "Le montant doit être positif ou nul.".encode() in reponse.content
    assert b"\\u00ea" not in reponse.content


def test_l_api_n_exige_ni_connexion_ni_jeton_csrf(db: None) -> None:
    client = Client(enforce_csrf_checks=True)

    reponse = simuler(client, exemple_clas())

    assert reponse.status_code == 200
    assert reponse.json()["montant_total"] == "8889.00"


def test_la_simulation_se_fait_en_post_seulement(anonyme: Client) -> None:
    assert anonyme.get(URL).status_code == 405


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_collectifs(anonyme: Client) -> None:
    def requetes(nombre: int) -> int:
        entree = exemple_clas()
        entree["collectifs"] = [entree["collectifs"][0]] * nombre
        with CaptureQueriesContext(connection) as capture:
            assert simuler(anonyme, entree).status_code == 200
        return len(capture)

    assert requetes(2) == requetes(200)
