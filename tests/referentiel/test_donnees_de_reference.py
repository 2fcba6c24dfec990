"""Les données de référence chargées par la migration : 101 Caf, paramètres 2022-2028."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clas.bareme import NOMS_PARAMETRES
from clas.referentiel.donnees import charger_caf, charger_parametres, lire_caf
from clas.referentiel.models import Caf, ParametresBareme

pytestmark = pytest.mark.django_db

ANNEES = ["2022-2023", "2023-2024", "2024-2025", "2025-2026", "2026-2027", "2027-2028"]

# CLAS.md §2.1
VALEURS_CLAS = {
    "taux": Decimal("0.325"),
    "prix_plafond": Decimal("7886.00"),
    "montant_max_collectif": Decimal("2563.00"),
    "bonus_projets_culturels": Decimal("300.00"),
    "bonus_accompagnement_parents": Decimal("300.00"),
    "semaines_reference": 36,
    "effectif_min": 8,
    "effectif_max": 12,
    "effectif_min_derogatoire": 5,
    "intervenants_min": 2,
    "taux_acompte": Decimal("0.70"),
}


def test_les_101_caf_existent_avec_un_departement_unique() -> None:
    departements = list(Caf.objects.values_list("departement", flat=True))

    assert len(departements) == 101
    assert len(set(departements)) == 101
    assert Caf.objects.values("code").distinct().count() == 101


@pytest.mark.parametrize(
    ("departement", "nom"),
    [
        ("01", "Caf de l'Ain"),
        ("2A", None),
        ("2B", None),
        ("69", "Caf du Rhône"),
        ("75", None),
        ("80", "Caf de la Somme"),
        ("971", None),
        ("972", None),
        ("973", None),
        ("974", None),
        ("976", None),
    ],
)
def test_chaque_departement_a_sa_caf(departement: str, nom: str | None) -> None:
    caf = Caf.objects.get(departement=departement)

    assert caf.nom.startswith("Caf ")
    if nom:
        assert caf.nom == nom


def test_il_n_y_a_pas_de_caf_pour_le_departement_20_d_avant_1976() -> None:
    assert not Caf.objects.filter(departement="20").exists()


def test_les_departements_metropolitains_vont_de_01_a_95_sans_trou() -> None:
    attendus = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    outre_mer = {"971", "972", "973", "974", "976"}

    assert set(Caf.objects.values_list("departement", flat=True)) == attendus | outre_mer


def test_les_annees_2022_2023_a_2027_2028_existent() -> None:
    assert list(ParametresBareme.objects.values_list("annee_scolaire", flat=True)) == ANNEES


@pytest.mark.parametrize("annee", ANNEES)
def test_chaque_annee_a_les_valeurs_de_clas_md(annee: str) -> None:
    parametres = ParametresBareme.objects.get(annee_scolaire=annee)

    assert parametres.valeurs() == VALEURS_CLAS


@pytest.mark.parametrize("annee", ANNEES)
def test_chaque_parametre_de_chaque_annee_a_une_source(annee: str) -> None:
    sources = ParametresBareme.objects.get(annee_scolaire=annee).sources

    assert set(sources) == set(NOMS_PARAMETRES)
    for nom in NOMS_PARAMETRES:
        assert sources[nom].strip(), f"{annee} : {nom} sans source"


def test_la_source_du_montant_maximal_cite_la_page_caf_partenaires() -> None:
    sources = ParametresBareme.objects.get(annee_scolaire="2025-2026").sources

    assert "2 563 €" in sources["montant_max_collectif"]
    assert "Page Caf partenaires" in sources["montant_max_collectif"]


def test_les_parametres_en_base_passent_au_bareme_pur() -> None:
    for ligne in ParametresBareme.objects.all():
        parametres = ligne.vers_bareme()
        assert parametres.annee_scolaire == ligne.annee_scolaire
        assert parametres.taux == Decimal("0.325")
        assert parametres.source("taux") == ligne.sources["taux"]


def test_recharger_les_donnees_ne_cree_rien_et_ne_touche_pas_une_annee_modifiee() -> None:
    ParametresBareme.objects.filter(annee_scolaire="2025-2026").update(
        montant_max_collectif=Decimal("2000.00")
    )

    assert charger_caf(Caf) == 0
    assert charger_parametres(ParametresBareme) == 0

    assert Caf.objects.count() == 101
    modifiee = ParametresBareme.objects.get(annee_scolaire="2025-2026")
    assert modifiee.montant_max_collectif == Decimal("2000.00")


def test_le_fichier_des_caf_livre_101_lignes() -> None:
    lignes = lire_caf()

    assert len(lignes) == 101
    assert {ligne["departement"] for ligne in lignes} == set(
        Caf.objects.values_list("departement", flat=True)
    )
