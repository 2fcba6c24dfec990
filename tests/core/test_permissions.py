"""Qui peut ouvrir quoi : une table par vue, sur tous les personas de DESIGN.md §6.

« connexion » veut dire : redirigé vers /connexion/?next=<la page demandée>.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from clas.referentiel.models import ModificationParametre, ParametresBareme
from tests.outils import EXEMPLE_CLAS, formulaire_parametres, texte

pytestmark = pytest.mark.django_db

CONNEXION = "connexion"


def verifier(reponse, attendu: int | str, chemin: str) -> None:
    if attendu == CONNEXION:
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next={chemin}"
    else:
        assert reponse.status_code == attendu, reponse.content[:500]


PUBLIC = {
    "anonyme": 200,
    "porteur": 200,
    "porteur_autre": 200,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}


@pytest.mark.parametrize(("persona", "attendu"), PUBLIC.items())
def test_la_page_d_accueil_est_publique(client_de, persona: str, attendu: int) -> None:
    verifier(client_de(persona).get("/"), attendu, "/")


@pytest.mark.parametrize(("persona", "attendu"), PUBLIC.items())
def test_le_simulateur_est_public(client_de, persona: str, attendu: int) -> None:
    verifier(client_de(persona).get("/simulateur/"), attendu, "/simulateur/")


@pytest.mark.parametrize(("persona", "attendu"), PUBLIC.items())
def test_la_sonde_de_sante_est_publique(client_de, persona: str, attendu: int) -> None:
    verifier(client_de(persona).get("/sante/"), attendu, "/sante/")


@pytest.mark.parametrize(("persona", "attendu"), PUBLIC.items())
def test_l_api_de_simulation_est_publique(client_de, persona: str, attendu: int) -> None:
    reponse = client_de(persona).post(
        "/api/v1/simulations", json.dumps(EXEMPLE_CLAS), content_type="application/json"
    )
    verifier(reponse, attendu, "/api/v1/simulations")
    assert reponse.json()["montant_total"] == "8889.00"


@pytest.mark.parametrize(("persona", "attendu"), PUBLIC.items())
def test_la_documentation_de_l_api_est_publique(client_de, persona: str, attendu: int) -> None:
    client = client_de(persona)
    verifier(client.get("/api/"), attendu, "/api/")
    verifier(client.get("/api/v1/openapi.json"), attendu, "/api/v1/openapi.json")


@pytest.mark.parametrize(("persona", "attendu"), PUBLIC.items())
@pytest.mark.parametrize(
    "chemin",
    [
        "/mot-de-passe/oublie/",
        "/mot-de-passe/envoye/",
        "/mot-de-passe/change/",
        "/mot-de-passe/nouveau/MQ/lien-perime/",
    ],
)
def test_les_pages_du_mot_de_passe_oublie_sont_publiques(
    client_de, persona: str, attendu: int, chemin: str
) -> None:
    verifier(client_de(persona).get(chemin), attendu, chemin)


CONNEXION_PAGE = {
    "anonyme": 200,
    "porteur": 302,
    "porteur_autre": 302,
    "instructeur": 302,
    "instructeur_autre_caf": 302,
    "valideur": 302,
    "comptable": 302,
    "national": 302,
}


@pytest.mark.parametrize(("persona", "attendu"), CONNEXION_PAGE.items())
def test_la_page_de_connexion_renvoie_les_personnes_connectees_vers_leur_page(
    client_de, persona: str, attendu: int
) -> None:
    reponse = client_de(persona).get("/connexion/")
    verifier(reponse, attendu, "/connexion/")
    if attendu == 302:
        assert reponse["Location"] == "/mon-accueil/"


STRUCTURE = {
    "anonyme": CONNEXION,
    "porteur": 200,
    "porteur_autre": 200,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}


@pytest.mark.parametrize(("persona", "attendu"), STRUCTURE.items())
def test_l_espace_structure_demande_une_connexion(client_de, persona: str, attendu) -> None:
    verifier(client_de(persona).get("/structure/"), attendu, "/structure/")


CAF = {
    "anonyme": CONNEXION,
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 403,
}


@pytest.mark.parametrize(("persona", "attendu"), CAF.items())
def test_l_accueil_de_la_caf_est_reserve_aux_agents(client_de, persona: str, attendu) -> None:
    reponse = client_de(persona).get("/caf/")

    verifier(reponse, attendu, "/caf/")
    if attendu == 403:
        assert "Cette page est réservée aux agents des Caf." in texte(reponse)


NATIONAL = {
    "anonyme": CONNEXION,
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 403,
    "instructeur_autre_caf": 403,
    "valideur": 403,
    "comptable": 403,
    "national": 200,
}


@pytest.mark.parametrize(("persona", "attendu"), NATIONAL.items())
def test_le_tableau_de_bord_national_est_reserve_au_national(
    client_de, persona: str, attendu
) -> None:
    reponse = client_de(persona).get("/national/")

    verifier(reponse, attendu, "/national/")
    if attendu == 403:
        assert "Cette page est réservée à l'administration nationale." in texte(reponse)


@pytest.mark.parametrize(("persona", "attendu"), NATIONAL.items())
def test_la_liste_des_parametres_est_reservee_au_national(client_de, persona: str, attendu) -> None:
    verifier(client_de(persona).get("/national/parametres/"), attendu, "/national/parametres/")


@pytest.mark.parametrize(("persona", "attendu"), NATIONAL.items())
def test_le_formulaire_des_parametres_d_une_annee_est_reserve_au_national(
    client_de, persona: str, attendu
) -> None:
    chemin = "/national/parametres/2025-2026/"
    verifier(client_de(persona).get(chemin), attendu, chemin)


NATIONAL_ANNEE_INCONNUE = {**NATIONAL, "national": 404}


@pytest.mark.parametrize(("persona", "attendu"), NATIONAL_ANNEE_INCONNUE.items())
def test_une_annee_inconnue_donne_404_au_national_et_403_aux_autres(
    client_de, persona: str, attendu
) -> None:
    chemin = "/national/parametres/1999-2000/"
    verifier(client_de(persona).get(chemin), attendu, chemin)


MODIFIER = {**NATIONAL, "national": 302}


@pytest.mark.parametrize(("persona", "attendu"), MODIFIER.items())
def test_seul_le_national_peut_modifier_les_parametres(client_de, persona: str, attendu) -> None:
    chemin = "/national/parametres/2025-2026/"
    client = client_de(persona)
    donnees = formulaire_parametres("2025-2026") | {"taux": "0.4"}

    reponse = client.post(chemin, donnees)

    verifier(reponse, attendu, chemin)
    taux = ParametresBareme.objects.get(annee_scolaire="2025-2026").taux
    if persona == "national":
        assert reponse["Location"] == chemin
        assert str(taux) == "0.4000"
        assert ModificationParametre.objects.count() == 1
    else:
        assert str(taux) == "0.3250"
        assert not ModificationParametre.objects.exists()


@pytest.mark.parametrize(("persona", "attendu"), MODIFIER.items())
def test_seul_le_national_peut_ajouter_une_annee(client_de, persona: str, attendu) -> None:
    chemin = "/national/parametres/ajouter/"

    reponse = client_de(persona).post(chemin, {"annee_scolaire": "2028-2029"})

    verifier(reponse, attendu, chemin)
    existe = ParametresBareme.objects.filter(annee_scolaire="2028-2029").exists()
    assert existe is (persona == "national")


AJOUTER_EN_GET = {**NATIONAL, "national": 302}


@pytest.mark.parametrize(("persona", "attendu"), AJOUTER_EN_GET.items())
def test_ouvrir_l_ajout_d_annee_sans_post_renvoie_le_national_a_la_liste(
    client_de, persona: str, attendu
) -> None:
    chemin = "/national/parametres/ajouter/"

    reponse = client_de(persona).get(chemin)

    verifier(reponse, attendu, chemin)
    if persona == "national":
        assert reponse["Location"] == "/national/parametres/"
    assert ParametresBareme.objects.count() == 6


MON_ACCUEIL = {
    "anonyme": "/",
    "porteur": "/structure/",
    "porteur_autre": "/structure/",
    "instructeur": "/caf/",
    "instructeur_autre_caf": "/caf/",
    "valideur": "/caf/",
    "comptable": "/paiements/",
    "national": "/national/",
}


@pytest.mark.parametrize(("persona", "page"), MON_ACCUEIL.items())
def test_mon_accueil_redirige_chacun_vers_sa_page(client_de, persona: str, page: str) -> None:
    reponse = client_de(persona).get("/mon-accueil/")

    assert reponse.status_code == 302
    assert reponse["Location"] == page


DECONNEXION = dict.fromkeys(PUBLIC, 302)


@pytest.mark.parametrize(("persona", "attendu"), DECONNEXION.items())
def test_tout_le_monde_peut_se_deconnecter_en_post(client_de, persona: str, attendu) -> None:
    client = client_de(persona)

    verifier(client.post("/deconnexion/"), attendu, "/deconnexion/")
    assert client.get("/structure/").status_code == 302


def test_une_page_inexistante_repond_404_en_francais(anonyme: Client) -> None:
    reponse = anonyme.get("/nulle-part/")

    assert reponse.status_code == 404
    assert "La page que vous cherchez n'existe pas" in texte(reponse)
