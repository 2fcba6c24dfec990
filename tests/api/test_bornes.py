"""Les paramètres de l'API sont bornés comme le dit le schéma OpenAPI, et ce que schemathesis
a trouvé (scripts/fuzz_api.sh) ne revient pas : un dossier refusé se lit (sa décision n'a
pas de montant), un identifiant trop grand ou un horodatage Unix est un 422 qui nomme le
paramètre, pas une erreur de la base."""

from __future__ import annotations

import pytest

from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


def _erreur(reponse, statut: int) -> dict[str, str]:
    assert reponse.status_code == statut, reponse.content
    return reponse.json()["erreurs"][0]


def test_un_dossier_refuse_se_lit_sa_decision_sans_montant(api_de) -> None:
    dossier = DossierFactory(refuse=True)

    reponse = api_de("national").get(f"/api/v1/dossiers/{dossier.pk}")

    assert reponse.status_code == 200, reponse.content
    assert reponse.json()["decision"]["nature"] == "refus"
    assert reponse.json()["decision"]["montant"] is None
    assert reponse.json()["montant_decide"] is None


@pytest.mark.parametrize(
    ("adresse", "champ"),
    [
        ("/api/v1/dossiers?campagne=-10803114686766066736037888", "campagne"),
        ("/api/v1/dossiers?campagne=0", "campagne"),
        ("/api/v1/versements?lot=99999999999999999999", "lot"),
        ("/api/v1/statistiques?annee_scolaire=2025-26", "annee_scolaire"),
        ("/api/v1/statistiques?caf=6900", "caf"),
        ("/api/v1/versements?caf=6", "caf"),
        ("/api/v1/dossiers/99999999999999999999", "dossier_id"),
        ("/api/v1/dossiers?caf=%00%00%00", "caf"),
        ("/api/v1/campagnes?annee_scolaire=2025", "annee_scolaire"),
        ("/api/v1/dossiers?curseur=%C3%A9t%C3%A9", "curseur"),
    ],
)
def test_un_parametre_hors_bornes_est_refuse_en_le_nommant(api_de, adresse, champ) -> None:
    assert _erreur(api_de("instructeur").get(adresse), 422)["champ"] == champ


def test_un_curseur_bien_forme_que_le_serveur_n_a_pas_donne_est_refuse(api_de) -> None:
    erreur = _erreur(api_de("national").get("/api/v1/dossiers?curseur=abc"), 422)

    assert erreur == {
        "champ": "curseur",
        "message": "Curseur invalide : reprenez la valeur « suivant » de la page précédente.",
    }


@pytest.mark.parametrize("valeur", ["0.5", "1700000000", "demain"])
def test_modifie_depuis_n_accepte_que_l_iso_8601(api_de, valeur) -> None:
    erreur = _erreur(api_de("national").get(f"/api/v1/dossiers?modifie_depuis={valeur}"), 422)

    assert erreur["champ"] == "modifie_depuis"
    assert erreur["message"].startswith("Une date et heure ISO 8601 est attendue")


def test_modifie_depuis_demande_le_fuseau_horaire(api_de) -> None:
    erreur = _erreur(
        api_de("national").get("/api/v1/dossiers?modifie_depuis=2026-09-01T08:00:00"), 422
    )

    assert erreur == {
        "champ": "modifie_depuis",
        "message": "Précisez le fuseau horaire (2026-09-01T08:00:00+02:00).",
    }


def test_modifie_depuis_filtre_et_les_curseurs_parcourent_toute_la_liste(api_de) -> None:
    dossiers = [DossierFactory() for _ in range(3)]
    client = api_de("national")

    vus, curseur = [], None
    for _ in range(4):
        suite = f"&curseur={curseur}" if curseur else ""
        page = client.get(f"/api/v1/dossiers?limite=2{suite}").json()
        vus += [d["id"] for d in page["resultats"]]
        curseur = page["suivant"]
        if curseur is None:
            break
    assert vus == [d.pk for d in dossiers]
    futur = client.get("/api/v1/dossiers", {"modifie_depuis": "2999-01-01T00:00:00+00:00"})
    assert futur.json() == {"resultats": [], "suivant": None}


def test_le_schema_de_simulation_dit_ce_que_le_contrat_refuse(anonyme) -> None:
    composants = anonyme.get("/api/v1/openapi.json").json()["components"]["schemas"]

    for nom in ("SimulationEntreeSchema", "CollectifEntreeSchema"):
        assert composants[nom]["additionalProperties"] is False, nom
    collectif = composants["CollectifEntreeSchema"]["properties"]
    assert "retenu" in collectif
    assert {"maximum": 1000, "minimum": 0, "type": "integer"} in collectif["nb_enfants"]["anyOf"]


def test_des_chiffres_non_latins_ne_sont_pas_un_nombre_du_contrat(anonyme) -> None:
    entree = {
        "annee_scolaire": "2025-2026",
        "depenses_totales": "١٠٠٠",
        "collectifs": [
            {"nb_enfants": "١٠", "nb_intervenants": 2, "semaines_de_fonctionnement": 36}
        ],
    }

    reponse = anonyme.post("/api/v1/simulations", entree, content_type="application/json")

    assert reponse.status_code == 422, reponse.content
    champs = {e["champ"] for e in reponse.json()["erreurs"]}
    assert {"depenses_totales", "collectifs[0].nb_enfants"} <= champs


@pytest.mark.parametrize("corps", ["[null, null]", '"texte"', "3", "null"])
@pytest.mark.parametrize("ecriture", ["messages", "annotations", "prise-en-instruction"])
def test_une_ecriture_demande_un_objet_json(api_de, jeu, corps, ecriture) -> None:
    dossier = jeu["a_depose"]

    reponse = api_de("instructeur").post(
        f"/api/v1/dossiers/{dossier.pk}/{ecriture}", corps, content_type="application/json"
    )

    assert reponse.status_code in (400, 422), reponse.content
    dossier.refresh_from_db()
    assert dossier.etat == "depose"


def test_une_ecriture_valide_passe_ses_invisibles_retires(api_de, jeu) -> None:
    dossier = jeu["a_depose"]
    client = api_de("instructeur")

    note = client.post(
        f"/api/v1/dossiers/{dossier.pk}/annotations",
        {"texte": "Budget\x00 à revoir\u202e"},
        content_type="application/json",
    )
    prise = client.post(
        f"/api/v1/dossiers/{dossier.pk}/prise-en-instruction", {}, content_type="application/json"
    )

    assert note.status_code == 201, note.content
    assert note.json()["texte"] == "Budget à revoir"
    assert prise.status_code == 200, prise.content
    assert prise.json()["etat"]["code"] == "en_instruction"


def test_un_texte_fait_seulement_d_invisibles_est_refuse(api_de, jeu) -> None:
    reponse = api_de("instructeur").post(
        f"/api/v1/dossiers/{jeu['a_depose'].pk}/messages",
        {"texte": "\x00\x01"},
        content_type="application/json",
    )

    erreur = _erreur(reponse, 422)
    assert erreur["champ"] == "texte"
    assert "invisibles" in erreur["message"]


@pytest.mark.parametrize("ecriture", ["messages", "annotations"])
def test_la_longueur_maximale_porte_sur_le_texte_envoye(api_de, jeu, ecriture) -> None:
    """L'OpenAPI annonce 10 000 caractères au plus : un caractère invisible de plus dépasse
    la borne même si le serveur l'aurait retiré (trouvé par schemathesis)."""
    dossier = jeu["a_depose"]

    reponse = api_de("instructeur").post(
        f"/api/v1/dossiers/{dossier.pk}/{ecriture}",
        {"texte": "a" * 10_000 + "\x8e"},
        content_type="application/json",
    )

    erreur = _erreur(reponse, 422)
    assert erreur["champ"] == "texte"
    assert erreur["message"] == "Au plus 10000 caractères."
    assert not dossier.messages.exists() and not dossier.annotations.exists()
