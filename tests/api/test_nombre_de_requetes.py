"""Les listes de l'API lisent la base en un nombre constant de requêtes : le même pour N et
pour 3N lignes (pas une requête par ligne pour la structure, la campagne, la décision…).
Chaque liste est d'abord appelée une fois à vide : le jeton et son débit sont alors lus
comme aux appels suivants."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.dossiers.models import Intervenant
from clas.referentiel.models import Caf, ParametresBareme
from tests.factories import (
    CampagneFactory,
    CollectifFactory,
    DossierFactory,
    LotPaiementFactory,
    VersementFactory,
)

pytestmark = pytest.mark.django_db

N = 2


def requetes(client: Client, adresse: str, lignes_attendues: int | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(adresse)
    assert reponse.status_code == 200, reponse.content
    if lignes_attendues is not None:
        assert len(reponse.json()["resultats"]) == lignes_attendues
    return [q["sql"] for q in capture.captured_queries]


def constant(client: Client, adresse: str, creer: Callable[[int], None], deja: int = 0) -> None:
    """Même nombre de requêtes avec N puis 3N objets créés par `creer(nombre)`."""
    client.get(adresse)
    creer(N)
    avec_n = requetes(client, adresse, deja + N)
    creer(2 * N)
    avec_3n = requetes(client, adresse, deja + 3 * N)
    assert len(avec_3n) == len(avec_n), "\n".join(avec_3n)


def test_la_liste_des_campagnes(api_de) -> None:
    cafs = iter(Caf.objects.order_by("code"))

    def creer(nombre: int) -> None:
        for _ in range(nombre):
            CampagneFactory(caf=next(cafs))

    constant(api_de("national"), "/api/v1/campagnes?limite=200", creer)


def test_la_liste_des_dossiers(api_de, campagne_rhone) -> None:
    def creer(nombre: int) -> None:
        for rang in range(nombre):
            # Une moitié acceptée : la décision et son montant sont lus avec la ligne.
            DossierFactory(campagne=campagne_rhone, accepte=bool(rang % 2))

    constant(api_de("instructeur"), "/api/v1/dossiers?limite=200", creer)


def test_la_liste_des_dossiers_de_toutes_les_caf(api_de) -> None:
    cafs = iter(Caf.objects.order_by("code"))

    def creer(nombre: int) -> None:
        for _ in range(nombre):
            DossierFactory(campagne=CampagneFactory(caf=next(cafs)), refuse=True)

    constant(api_de("national"), "/api/v1/dossiers?limite=200", creer)


def test_la_liste_des_dossiers_vue_par_un_porteur(api_de, structure_a, utilisateurs) -> None:
    cafs = iter(Caf.objects.filter(departement="69"))
    caf = next(cafs)
    annees = iter(range(2000, 2100))

    def creer(nombre: int) -> None:
        for _ in range(nombre):
            annee = next(annees)
            campagne = CampagneFactory(caf=caf, annee_scolaire=f"{annee}-{annee + 1}")
            DossierFactory(campagne=campagne, structure=structure_a)

    constant(api_de("porteur"), "/api/v1/dossiers?limite=200", creer)


def test_la_liste_des_versements(api_de, campagne_rhone) -> None:
    def creer(nombre: int) -> None:
        for _ in range(nombre):
            VersementFactory(convention__dossier__campagne=campagne_rhone)

    constant(api_de("instructeur"), "/api/v1/versements?limite=200", creer)


def test_la_liste_des_versements_de_toutes_les_caf(api_de) -> None:
    cafs = iter(Caf.objects.order_by("code"))

    def creer(nombre: int) -> None:
        for _ in range(nombre):
            VersementFactory(convention__dossier__campagne=CampagneFactory(caf=next(cafs)))

    constant(api_de("national"), "/api/v1/versements?limite=200", creer)


def test_la_liste_des_lots_de_toutes_les_caf(api_de) -> None:
    cafs = iter(Caf.objects.order_by("code"))

    def creer(nombre: int) -> None:
        for _ in range(nombre):
            LotPaiementFactory(caf=next(cafs))

    constant(api_de("national"), "/api/v1/lots?limite=200", creer)


def test_la_liste_des_lots(api_de, caf_rhone) -> None:
    def creer(nombre: int) -> None:
        for _ in range(nombre):
            LotPaiementFactory(caf=caf_rhone)

    constant(api_de("comptable"), "/api/v1/lots?limite=200", creer)


def test_le_referentiel_des_caf(api_de) -> None:
    client = api_de("national")
    client.get("/api/v1/referentiel/caf")
    toutes = requetes(client, "/api/v1/referentiel/caf", Caf.objects.count())
    assert len(toutes) == len(requetes(client, "/api/v1/referentiel/caf"))
    assert not [sql for sql in toutes if "referentiel_caf" in sql][1:], "une requête par Caf"


def test_les_parametres_par_annee(api_de) -> None:
    modele = ParametresBareme.objects.order_by("annee_scolaire").last()
    assert modele is not None
    deja = ParametresBareme.objects.count()
    annees = iter(range(2100, 2200))

    def creer(nombre: int) -> None:
        for _ in range(nombre):
            annee = next(annees)
            modele.pk = None
            modele.annee_scolaire = f"{annee}-{annee + 1}"
            modele.save()

    constant(api_de("national"), "/api/v1/referentiel/parametres", creer, deja=deja)


def test_les_statistiques(api_de, campagne_rhone) -> None:
    client = api_de("national")
    client.get("/api/v1/statistiques")
    DossierFactory(campagne=campagne_rhone, ps_demandee=Decimal("100.00"))
    avec_un = len(requetes(client, "/api/v1/statistiques"))
    for _ in range(3):
        DossierFactory(campagne=campagne_rhone, accepte=True, collectifs=[{}, {}])
    assert len(requetes(client, "/api/v1/statistiques")) == avec_un


def test_le_detail_d_un_dossier_quel_que_soit_le_nombre_de_collectifs(api_de) -> None:
    dossier = DossierFactory(accepte=True, collectifs=[])
    client = api_de("national")
    adresse = f"/api/v1/dossiers/{dossier.pk}"

    def creer(nombre: int) -> None:
        for _ in range(nombre):
            collectif = CollectifFactory(dossier=dossier, ordre=dossier.collectifs.count())
            for nom in ("Ana", "Bo"):
                Intervenant.objects.create(collectif=collectif, nom=nom, statut="benevole")

    client.get(adresse)
    creer(N)
    avec_n = requetes(client, adresse)
    creer(2 * N)
    avec_3n = requetes(client, adresse)
    assert len(client.get(adresse).json()["collectifs"]) == 3 * N
    assert len(avec_3n) == len(avec_n), "\n".join(avec_3n)
