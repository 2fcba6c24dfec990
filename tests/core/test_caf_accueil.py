"""L'accueil d'un agent : seulement les structures et l'équipe de sa propre Caf."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.structures.models import Structure
from tests.factories import AgentCafFactory, MembreStructureFactory, StructureFactory

pytestmark = pytest.mark.django_db


def noms_des_structures(reponse) -> list[str]:
    return [structure.nom for structure in reponse.context["structures"]]


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable"])
def test_un_agent_du_rhone_voit_les_structures_du_rhone(client_de, persona: str) -> None:
    reponse = client_de(persona).get("/caf/")

    assert noms_des_structures(reponse) == ["Association B", "Centre social A"]
    assert "Centre social A" in reponse.content.decode()


def test_un_instructeur_d_une_autre_caf_ne_voit_pas_les_structures_du_rhone(
    instructeur_autre_caf: Client, caf_somme
) -> None:
    StructureFactory(nom="Espace du Vimeu", caf=caf_somme, commune="Abbeville")

    reponse = instructeur_autre_caf.get("/caf/")

    assert noms_des_structures(reponse) == ["Espace du Vimeu"]
    page = reponse.content.decode()
    assert "Centre social A" not in page
    assert "Association B" not in page
    assert "Caf de la Somme" in page


def test_l_instructeur_du_rhone_ne_voit_pas_les_structures_de_la_somme(
    instructeur: Client, caf_somme
) -> None:
    StructureFactory(nom="Espace du Vimeu", caf=caf_somme)

    assert "Espace du Vimeu" not in instructeur.get("/caf/").content.decode()


def test_l_equipe_affichee_est_celle_de_la_caf_de_l_agent(instructeur: Client) -> None:
    reponse = instructeur.get("/caf/")

    emails = [agent.utilisateur.email for agent in reponse.context["collegues"]]
    assert emails == [
        "comptable@rhone.exemple.fr",
        "instructeur@rhone.exemple.fr",
        "valideur@rhone.exemple.fr",
    ]
    assert "instructeur@somme.exemple.fr" not in reponse.content.decode()


def test_l_accueil_de_la_caf_compte_les_membres_de_chaque_structure(
    instructeur: Client, structure_a: Structure
) -> None:
    MembreStructureFactory(structure=structure_a)

    reponse = instructeur.get("/caf/")

    membres = {s.nom: s.nb_membres for s in reponse.context["structures"]}
    assert membres == {"Association B": 1, "Centre social A": 2}


def test_une_caf_sans_structure_le_dit(instructeur_autre_caf: Client) -> None:
    reponse = instructeur_autre_caf.get("/caf/")

    assert "Aucune structure n'est encore inscrite" in reponse.content.decode()


def requetes_pour(client: Client, chemin: str) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(chemin).status_code == 200
    return len(requetes)


def test_le_nombre_de_requetes_de_l_accueil_caf_ne_depend_pas_du_nombre_de_structures(
    instructeur: Client, caf_rhone
) -> None:
    avec_2 = requetes_pour(instructeur, "/caf/")

    for _ in range(18):
        membre = MembreStructureFactory(structure__caf=caf_rhone)
        MembreStructureFactory(structure=membre.structure)
    for _ in range(10):
        AgentCafFactory(caf=caf_rhone)
    assert Structure.objects.filter(caf=caf_rhone).count() == 20

    assert requetes_pour(instructeur, "/caf/") == avec_2
