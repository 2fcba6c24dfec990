"""`/api/v1/statistiques` en cache (clas/statistiques/cache.py) : pour un agent ou le
national, la seconde lecture sans écriture ne recalcule rien ; chaque écriture validée donne
les nouveaux chiffres ; la requête ne lit que des tables que suit la version des données.
Les chiffres sont ceux du tableau de bord, par le même cache (`tableau_de_bord_en_cache`).

De vraies transactions : sur PostgreSQL, le numéro avance à la validation."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.dossiers.models import Dossier, EtatDossier
from clas.statistiques import version
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def cache_actif(settings):
    settings.CLAS_STATISTIQUES_CACHE = True


ADRESSE = "/api/v1/statistiques?annee_scolaire=2026-2027"


def lire(client: Client, adresse: str = ADRESSE) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(adresse)
    assert reponse.status_code == 200, reponse.content
    return reponse.json(), [q["sql"] for q in capture.captured_queries]


def agregats(requetes: list[str]) -> list[str]:
    """Les calculs des chiffres (pas le compte des échecs de connexion du jeton)."""
    return [
        sql for sql in requetes if "dossiers_dossier" in sql and ("SUM(" in sql or "COUNT(" in sql)
    ]


@pytest.mark.parametrize("persona", ["instructeur", "national"])
def test_sans_ecriture_la_seconde_lecture_ne_recalcule_rien(api_de, campagne_rhone, persona):
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE, collectifs=[{}, {}])
    client = api_de(persona)
    premiers, requetes = lire(client)
    assert agregats(requetes)
    seconds, requetes = lire(client)
    assert seconds == premiers
    assert agregats(requetes) == []


@pytest.mark.parametrize("persona", ["instructeur", "national"])
def test_apres_une_ecriture_les_chiffres_sont_ceux_des_donnees(api_de, campagne_rhone, persona):
    dossier = DossierFactory(
        campagne=campagne_rhone, etat=EtatDossier.DEPOSE, ps_demandee=Decimal("100.00")
    )
    client = api_de(persona)
    avant, _ = lire(client)
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE, collectifs=[{}])
    Dossier.objects.filter(pk=dossier.pk).update(ps_demandee=Decimal("250.00"))
    apres, requetes = lire(client)
    assert agregats(requetes)
    avant, apres = avant["chiffres"], apres["chiffres"]
    assert apres["dossiers"] == avant["dossiers"] + 1
    assert apres["collectifs"] == avant["collectifs"] + 1
    attendu = sum((d.ps_demandee or Decimal("0") for d in Dossier.objects.all()), Decimal("0"))
    assert Decimal(apres["montant_demande"]) == attendu
    assert attendu != Decimal(avant["montant_demande"])


def test_chaque_filtre_a_ses_chiffres(api_de, campagne_rhone, caf_somme):
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE)
    client = api_de("national")
    tous, _ = lire(client)
    aucun, _ = lire(client, "/api/v1/statistiques?annee_scolaire=2030-2031")
    assert tous["chiffres"]["dossiers"] == 1
    assert aucun["chiffres"]["dossiers"] == 0
    rhone, _ = lire(client, f"{ADRESSE}&caf={campagne_rhone.caf.code}")
    somme, _ = lire(client, f"{ADRESSE}&caf={caf_somme.code}")
    assert rhone["chiffres"]["dossiers"] == 1
    assert somme["chiffres"]["dossiers"] == 0


def test_le_porteur_est_refuse_sans_rien_calculer(api_de, campagne_rhone, structure_a):
    DossierFactory(campagne=campagne_rhone, structure=structure_a, etat=EtatDossier.DEPOSE)
    with CaptureQueriesContext(connection) as capture:
        reponse = api_de("porteur").get(ADRESSE)
    assert reponse.status_code == 403
    assert agregats([q["sql"] for q in capture.captured_queries]) == []


@pytest.mark.parametrize("persona", ["instructeur", "national"])
def test_le_calcul_ne_lit_que_des_tables_suivies(api_de, campagne_rhone, persona):
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE, accepte=True)
    _, requetes = lire(api_de(persona), "/api/v1/statistiques?annee_scolaire=2026-2027")
    lues = {
        table for sql in agregats(requetes) for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', sql)
    }
    assert lues and lues <= set(version.TABLES), lues - set(version.TABLES)
