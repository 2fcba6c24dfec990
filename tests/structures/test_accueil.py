"""L'espace d'un membre de structure : ses structures, son rôle, l'équipe."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.comptes.models import Utilisateur
from clas.core.templatetags.clas_format import siret
from clas.structures.models import RoleMembre, Structure
from tests.factories import MembreStructureFactory

pytestmark = pytest.mark.django_db


def structures_affichees(reponse) -> list[str]:
    return [adhesion.structure.nom for adhesion in reponse.context["adhesions"]]


def test_un_porteur_ne_voit_que_sa_structure(porteur: Client) -> None:
    reponse = porteur.get("/structure/")

    assert structures_affichees(reponse) == ["Centre social A"]
    page = reponse.content.decode()
    assert "Centre social A" in page
    assert "Association B" not in page
    assert "porteur.b@exemple.fr" not in page


def test_le_porteur_d_une_autre_structure_ne_voit_pas_la_structure_a(
    porteur_autre: Client,
) -> None:
    reponse = porteur_autre.get("/structure/")

    assert structures_affichees(reponse) == ["Association B"]
    assert "Centre social A" not in reponse.content.decode()


def test_la_page_montre_le_role_et_l_equipe_de_la_structure(
    porteur: Client, structure_a: Structure
) -> None:
    MembreStructureFactory(
        structure=structure_a,
        role=RoleMembre.SIGNATAIRE,
        utilisateur__email="signataire.a@exemple.fr",
        utilisateur__prenom="Léa",
        utilisateur__nom="Girard",
    )

    page = porteur.get("/structure/").content.decode()

    assert "Administrateur" in page
    assert "Léa Girard — signataire" in page
    assert siret(structure_a.siret) in page
    assert "Caf du Rhône" in page


def test_un_membre_de_deux_structures_voit_les_deux(
    utilisateurs: dict[str, Utilisateur], structure_b: Structure, porteur: Client
) -> None:
    MembreStructureFactory(
        utilisateur=utilisateurs["porteur"], structure=structure_b, role=RoleMembre.CONTRIBUTEUR
    )

    reponse = porteur.get("/structure/")

    assert structures_affichees(reponse) == ["Association B", "Centre social A"]
    assert "Mes structures" in reponse.content.decode()


@pytest.mark.parametrize("persona", ["instructeur", "national"])
def test_un_compte_sans_structure_est_invite_a_se_faire_rattacher(client_de, persona) -> None:
    reponse = client_de(persona).get("/structure/")

    assert structures_affichees(reponse) == []
    assert "rattaché à aucune structure" in reponse.content.decode()


def requetes_pour(client: Client) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get("/structure/").status_code == 200
    return len(requetes)


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_membres(
    porteur: Client, structure_a: Structure
) -> None:
    MembreStructureFactory(structure=structure_a)
    avec_2 = requetes_pour(porteur)

    for _ in range(18):
        MembreStructureFactory(structure=structure_a)
    assert structure_a.membres.count() == 20

    assert requetes_pour(porteur) == avec_2


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_structures_du_membre(
    porteur: Client, utilisateurs: dict[str, Utilisateur], structure_b: Structure
) -> None:
    MembreStructureFactory(utilisateur=utilisateurs["porteur"], structure=structure_b)
    avec_2 = requetes_pour(porteur)

    for _ in range(18):
        adhesion = MembreStructureFactory(utilisateur=utilisateurs["porteur"])
        MembreStructureFactory(structure=adhesion.structure)
    assert utilisateurs["porteur"].adhesions.count() == 20

    assert requetes_pour(porteur) == avec_2
