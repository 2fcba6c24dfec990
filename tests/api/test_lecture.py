"""Ce que lisent les endpoints : les filtres de `/api/v1/dossiers` filtrent vraiment, les
curseurs rendent chaque ligne une fois, le détail d'un dossier accepté porte tout ce que
l'issue promet, et `/api/v1/statistiques` donne les nombres de la page Statistiques."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.utils import timezone

from clas.dossiers.models import Dossier, EtatDossier
from tests.factories import (
    BUDGET_SIMPLE,
    BilanFactory,
    CampagneFactory,
    ConventionFactory,
    DossierFactory,
    VersementFactory,
)

pytestmark = pytest.mark.django_db


def _ids(reponse) -> set[int]:
    assert reponse.status_code == 200, reponse.content
    return {d["id"] for d in reponse.json()["resultats"]}


# --- Filtres de la liste des dossiers ------------------------------------------------------


def test_le_filtre_campagne_ne_rend_que_les_dossiers_de_la_campagne(api_de, campagne_rhone):
    autre = CampagneFactory(caf=campagne_rhone.caf, annee_scolaire="2025-2026")
    dans = DossierFactory(campagne=campagne_rhone)
    DossierFactory(campagne=autre)
    reponse = api_de("instructeur").get(f"/api/v1/dossiers?campagne={campagne_rhone.pk}")
    assert _ids(reponse) == {dans.pk}


def test_le_filtre_etat_ne_rend_que_les_dossiers_dans_cet_etat(api_de, campagne_rhone):
    DossierFactory(campagne=campagne_rhone)
    en_instruction = DossierFactory(campagne=campagne_rhone, en_instruction=True)
    reponse = api_de("instructeur").get("/api/v1/dossiers?etat=en_instruction")
    assert _ids(reponse) == {en_instruction.pk}
    assert {d["etat"]["code"] for d in reponse.json()["resultats"]} == {"en_instruction"}


def test_le_filtre_caf_du_national_ne_rend_que_les_dossiers_de_la_caf(
    api_de, campagne_rhone, caf_somme
):
    DossierFactory(campagne=campagne_rhone)
    somme = DossierFactory(campagne=CampagneFactory(caf=caf_somme))
    reponse = api_de("national").get(f"/api/v1/dossiers?caf={caf_somme.code}")
    assert _ids(reponse) == {somme.pk}


def test_modifie_depuis_ne_rend_que_les_dossiers_modifies_ensuite(api_de, campagne_rhone):
    ancien = DossierFactory(campagne=campagne_rhone)
    recent = DossierFactory(campagne=campagne_rhone)
    il_y_a_dix_jours = timezone.now() - dt.timedelta(days=10)
    Dossier.objects.filter(pk=ancien.pk).update(updated_at=il_y_a_dix_jours)
    depuis = quote((timezone.now() - dt.timedelta(days=1)).isoformat())
    reponse = api_de("instructeur").get(f"/api/v1/dossiers?modifie_depuis={depuis}")
    assert _ids(reponse) == {recent.pk}
    # Une date plus ancienne que les deux : les deux.
    avant = quote((il_y_a_dix_jours - dt.timedelta(days=1)).isoformat())
    reponse = api_de("instructeur").get(f"/api/v1/dossiers?modifie_depuis={avant}")
    assert _ids(reponse) == {ancien.pk, recent.pk}


def test_les_curseurs_rendent_chaque_dossier_une_fois(api_de, campagne_rhone):
    crees = {DossierFactory(campagne=campagne_rhone).pk for _ in range(7)}
    # Deux dossiers modifiés au même instant : le curseur départage par identifiant.
    Dossier.objects.filter(pk__in=sorted(crees)[:2]).update(updated_at=timezone.now())
    client = api_de("instructeur")
    vus: list[int] = []
    adresse = "/api/v1/dossiers?limite=3"
    for _ in range(10):
        corps = client.get(adresse).json()
        vus += [d["id"] for d in corps["resultats"]]
        if corps["suivant"] is None:
            break
        adresse = f"/api/v1/dossiers?limite=3&curseur={corps['suivant']}"
    assert sorted(vus) == sorted(crees)
    assert len(vus) == len(set(vus))


# --- Le détail d'un dossier accepté ------------------------------------------------------------


@pytest.fixture
def dossier_complet(campagne_rhone):
    """Accepté comme le fait `valider` (budget, barème figé), sa convention signée, son
    acompte et son bilan déposé."""
    dossier = DossierFactory(campagne=campagne_rhone, accepte_calcule=True)
    convention = ConventionFactory(dossier=dossier, signee=True)
    acompte = VersementFactory(convention=convention)
    BilanFactory(convention=convention)
    return dossier, convention, acompte


def test_le_detail_d_un_dossier_accepte_porte_budget_decision_convention_versements_et_bilan(
    api_de, dossier_complet
):
    dossier, convention, acompte = dossier_complet
    corps = api_de("instructeur").get(f"/api/v1/dossiers/{dossier.pk}").json()

    assert corps["etat"]["code"] == EtatDossier.ACCEPTE
    assert len(corps["collectifs"]) == 1
    # Charges puis produits, par compte (l'ordre du modèle).
    assert [(ligne["compte"], Decimal(ligne["montant"])) for ligne in corps["budget"]] == sorted(
        (ligne["compte"], ligne["montant"]) for ligne in BUDGET_SIMPLE
    )
    decision = corps["decision"]
    assert decision["nature"] == "accord"
    assert decision["explication"], "l'explication figée du barème"
    assert decision["parametres"], "les paramètres figés"
    assert decision["entree_bareme"]["collectifs"]
    assert corps["convention"]["id"] == convention.pk
    assert corps["convention"]["signee_le"] is not None
    assert [(v["id"], v["nature"]) for v in corps["versements"]] == [(acompte.pk, "acompte")]
    assert corps["versements"][0]["montant"] == f"{acompte.montant:.2f}"
    assert corps["bilan"]["etat"]["code"] == "depose"
    assert corps["bilan"]["depose_le"] is not None


def test_la_structure_lit_le_meme_detail_que_l_agent(api_de, dossier_complet, utilisateurs):
    from tests.factories import MembreStructureFactory

    dossier, _, _ = dossier_complet
    MembreStructureFactory(utilisateur=utilisateurs["porteur"], structure=dossier.structure)
    adresse = f"/api/v1/dossiers/{dossier.pk}"
    assert api_de("porteur").get(adresse).json() == api_de("instructeur").get(adresse).json()


# --- Les statistiques : les nombres de la page ---------------------------------------------


@pytest.fixture
def annee_chargee(campagne_rhone, caf_somme, dossier_complet):
    """De quoi remplir chaque rubrique du tableau de bord en 2026-2027, dans deux Caf."""
    DossierFactory(campagne=campagne_rhone, collectifs=[{"milieu_rural": True}, {}])
    DossierFactory(campagne=campagne_rhone, refuse=True)
    DossierFactory(campagne=campagne_rhone, brouillon=True)
    somme = CampagneFactory(caf=caf_somme, annee_scolaire="2026-2027")
    DossierFactory(campagne=somme, accepte=True, collectifs=[{"bonus_projets_culturels": True}])
    DossierFactory(campagne=CampagneFactory(caf=campagne_rhone.caf), accepte=True)  # 2025-2026


def _chiffres_de_la_page(client, adresse):
    reponse = client.get(adresse)
    assert reponse.status_code == 200
    return reponse.context["tableau"]


@pytest.mark.parametrize(
    ("persona", "somme"), [("instructeur", False), ("national", False), ("national", True)]
)
def test_les_statistiques_de_l_api_sont_celles_de_la_page(
    api_de, client_de, annee_chargee, caf_somme, persona, somme
):
    from clas.api.statistiques import _annee, _repartition

    filtre = f"&caf={caf_somme.code}" if somme else ""
    tableau = _chiffres_de_la_page(client_de(persona), f"/statistiques/?annee=2026-2027{filtre}")
    corps = api_de(persona).get(f"/api/v1/statistiques?annee_scolaire=2026-2027{filtre}").json()

    assert corps["chiffres"] == _annee(tableau.courante)
    assert corps["annees_precedentes"] == [
        _annee(a) for a in tableau.annees if a.annee != "2026-2027"
    ]
    assert corps["par_type_de_structure"] == [_repartition(r) for r in tableau.par_type]
    assert corps["par_departement"] == [_repartition(r) for r in tableau.par_departement]
    # Les nombres ne sont pas nuls : la comparaison porte sur quelque chose.
    chiffres = corps["chiffres"]
    assert chiffres["dossiers"] >= 1 and Decimal(chiffres["montant_decide"]) > 0


def test_les_statistiques_d_une_caf_comptent_ce_que_montre_la_page(api_de, annee_chargee):
    chiffres = api_de("instructeur").get("/api/v1/statistiques?annee_scolaire=2026-2027").json()
    annee = chiffres["chiffres"]
    # Rhône 2026-2027 : l'accepté complet, un déposé à deux collectifs, un refusé ; le
    # brouillon n'est pas compté.
    assert annee["dossiers"] == 3
    assert annee["projets_finances"] == 1
    assert annee["collectifs"] == 4
    assert annee["collectifs_ruraux"] == 1
    assert annee["part_rurale"] == "25.0"
    assert annee["conventions_signees"] == 1
    assert annee["bilans_a_temps"] == 1
    assert {e["code"]: e["nombre"] for e in annee["dossiers_par_etat"]}["refuse"] == 1
    assert annee["delai_decision"]["nombre"] == 2
    assert [a["annee_scolaire"] for a in chiffres["annees_precedentes"]] == ["2025-2026"]
    assert chiffres["par_departement"] == []  # une Caf : pas de répartition par département
