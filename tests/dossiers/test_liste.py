"""La liste des dossiers : ce que chacun voit, le bouton de création, les requêtes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.dossiers.models import Collectif, Dossier, EtatDossier, Intervenant
from tests.conftest import PERSONAS
from tests.factories import MembreStructureFactory, StructureFactory
from tests.outils import texte

pytestmark = pytest.mark.django_db

LISTE = dict.fromkeys(PERSONAS, 200) | {"anonyme": "connexion"}


@pytest.mark.parametrize(("persona", "attendu"), LISTE.items())
def test_qui_ouvre_la_liste_des_dossiers(client_de, persona, attendu, dossier) -> None:
    reponse = client_de(persona).get("/dossiers/")
    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"] == "/connexion/?next=/dossiers/"
    else:
        assert reponse.status_code == attendu


def test_un_membre_voit_les_dossiers_de_toutes_ses_structures(
    porteur, dossier, utilisateurs, campagne_rhone
) -> None:
    autre = StructureFactory(nom="Maison de quartier C")
    MembreStructureFactory(structure=autre, utilisateur=utilisateurs["porteur"], role="signataire")
    Dossier.objects.create(
        structure=autre,
        campagne=campagne_rhone,
        cree_par=utilisateurs["porteur"],
        titre="Projet C",
        etat=EtatDossier.DEPOSE,
        numero="CLAS-069-2026-2027-00001",
        ps_demandee=Decimal("2563"),
    )
    Dossier.objects.filter(pk=dossier.pk).update(titre="Projet A")
    contenu = texte(porteur.get("/dossiers/"))
    assert "Projet A" in contenu and "Projet C" in contenu
    assert "Brouillon" in contenu
    assert "CLAS-069-2026-2027-00001" in contenu
    assert "Déposé" in contenu
    assert "2\u00a0563,00\u00a0€" in contenu
    assert "Maison de quartier C" in contenu


def test_un_membre_d_une_autre_structure_ne_voit_pas_le_dossier(porteur_autre, dossier) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(titre="Projet A secret")
    assert "Projet A secret" not in texte(porteur_autre.get("/dossiers/"))


def test_un_agent_ne_voit_pas_les_brouillons(instructeur, dossier) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(titre="Projet A brouillon")
    assert "Projet A brouillon" not in texte(instructeur.get("/dossiers/"))


def test_le_bouton_de_creation_apparait_pour_une_campagne_ouverte_sans_dossier(
    porteur, porteur_autre, dossier
) -> None:
    # La structure A a déjà son dossier ; la B non.
    assert "Créer le dossier" not in texte(porteur.get("/dossiers/"))
    contenu = texte(porteur_autre.get("/dossiers/"))
    assert "Créer le dossier" in contenu
    assert f'name="campagne" value="{dossier.campagne_id}"' in contenu


def _dossiers(utilisateurs, campagne, nombre: int) -> None:
    for rang in range(nombre):
        structure = StructureFactory()
        MembreStructureFactory(structure=structure, utilisateur=utilisateurs["porteur"])
        d = Dossier.objects.create(
            structure=structure,
            campagne=campagne,
            cree_par=utilisateurs["porteur"],
            titre=f"Projet {rang}",
        )
        for i in range(3):
            c = Collectif.objects.create(dossier=d, ordre=i, nom=f"C{i}")
            Intervenant.objects.create(collectif=c, nom="A", statut="salarie")


def test_la_liste_fait_un_nombre_constant_de_requetes(porteur, utilisateurs, campagne_rhone):
    _dossiers(utilisateurs, campagne_rhone, 2)
    with CaptureQueriesContext(connection) as peu:
        assert porteur.get("/dossiers/").status_code == 200
    _dossiers(utilisateurs, campagne_rhone, 18)
    with CaptureQueriesContext(connection) as beaucoup:
        reponse = porteur.get("/dossiers/")
    assert len(reponse.context["dossiers"]) == 20
    assert len(beaucoup) == len(peu), [q["sql"] for q in beaucoup.captured_queries]


def test_la_liste_des_campagnes_fait_un_nombre_constant_de_requetes(
    porteur, utilisateurs, campagne_rhone
) -> None:
    _dossiers(utilisateurs, campagne_rhone, 2)
    with CaptureQueriesContext(connection) as peu:
        assert porteur.get("/campagnes/").status_code == 200
    _dossiers(utilisateurs, campagne_rhone, 18)
    with CaptureQueriesContext(connection) as beaucoup:
        assert porteur.get("/campagnes/").status_code == 200
    assert len(beaucoup) == len(peu)
