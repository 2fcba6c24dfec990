"""Le tableau de bord national : toutes les Caf, leurs structures et agents."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.referentiel.models import Caf, ModificationParametre
from tests.factories import AgentCafFactory, MembreStructureFactory, StructureFactory
from tests.outils import formulaire_parametres

pytestmark = pytest.mark.django_db


def test_le_tableau_de_bord_liste_les_101_caf_avec_leurs_chiffres(national: Client) -> None:
    reponse = national.get("/national/")

    caf = {c.departement: c for c in reponse.context["caf"]}
    assert len(caf) == 101
    assert (caf["69"].nb_structures, caf["69"].nb_agents) == (2, 3)
    assert (caf["80"].nb_structures, caf["80"].nb_agents) == (0, 1)
    assert reponse.context["totaux"] == {"caf_actives": 1}
    page = reponse.content.decode()
    assert "101 Caf au référentiel, dont 1 avec au moins une structure inscrite." in page
    assert "6 années scolaires, de 2022-2023 à 2027-2028" in page


def requetes_pour(client: Client, chemin: str) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(chemin).status_code == 200
    return len(requetes)


def test_le_nombre_de_requetes_du_tableau_national_ne_depend_pas_du_nombre_de_structures(
    national: Client,
) -> None:
    avec_2 = requetes_pour(national, "/national/")

    departements = ["01", "13", "2A", "33", "59", "69", "75", "80", "971", "976"]
    for rang in range(18):
        caf = Caf.objects.get(departement=departements[rang % len(departements)])
        MembreStructureFactory(structure=StructureFactory(caf=caf))
        AgentCafFactory(caf=caf)

    assert requetes_pour(national, "/national/") == avec_2


def test_le_nombre_de_requetes_de_la_liste_des_parametres_ne_depend_pas_du_nombre_d_annees(
    national: Client,
) -> None:
    avant = requetes_pour(national, "/national/parametres/")

    for annee in range(2028, 2040):
        national.post("/national/parametres/ajouter/", {"annee_scolaire": f"{annee}-{annee + 1}"})

    assert requetes_pour(national, "/national/parametres/") == avant


def test_le_nombre_de_requetes_du_formulaire_ne_depend_pas_de_la_longueur_de_l_historique(
    national: Client,
) -> None:
    chemin = "/national/parametres/2025-2026/"
    national.post(chemin, formulaire_parametres("2025-2026") | {"taux": "0.33"})
    avec_1 = requetes_pour(national, chemin)

    for rang in range(10):
        national.post(chemin, formulaire_parametres("2025-2026") | {"taux": f"0.3{rang}"})
    assert ModificationParametre.objects.count() == 11

    assert requetes_pour(national, chemin) == avec_1
