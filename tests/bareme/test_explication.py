"""L'explication pas à pas : ordre des étapes, formules chiffrées, paramètres et sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest

from clas.bareme import CollectifEntree, Entree, Etape, Parametres, Resultat, calculer

FabriqueCollectif = Callable[..., CollectifEntree]
FabriqueEntree = Callable[..., Entree]

NBSP = "\u00a0"


def _euros(texte: str) -> str:
    """Remet les espaces insécables de l'affichage des nombres : « 2 563,00 € »."""
    return re.sub(r"(?<=\d) (?=\d{3}\b)|(?<=[\d…]) (?=€)", NBSP, texte)


@pytest.fixture
def exemple(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> Resultat:
    collectifs = [
        fabrique_collectif(nom="Les Hirondelles", bonus_projets_culturels=True),
        fabrique_collectif(
            nom="Les Mésanges",
            semaines_de_fonctionnement=18,
            bonus_projets_culturels=True,
            bonus_accompagnement_parents=True,
        ),
        fabrique_collectif(nom="Les Pinsons", nb_enfants=4, nb_intervenants=1),
    ]
    entree = fabrique_entree(*collectifs, depenses="24000.00", cofinancements="10000.00")
    return calculer(entree, parametres)


def _etape(resultat: Resultat, code: str, collectif: int | None = None) -> Etape:
    (etape,) = [e for e in resultat.explication if e.code == code and e.collectif == collectif]
    return etape


def test_les_etapes_suivent_l_ordre_du_calcul(exemple: Resultat) -> None:
    assert [(e.code, e.collectif) for e in exemple.explication] == [
        ("nombre_collectifs", None),
        ("prix_de_revient", None),
        ("eligibilite", 0),
        ("base", 0),
        ("bonus_projets_culturels", 0),
        ("bonus_accompagnement_parents", 0),
        ("semaines_retenues", 0),
        ("montant_collectif", 0),
        ("eligibilite", 1),
        ("base", 1),
        ("bonus_projets_culturels", 1),
        ("bonus_accompagnement_parents", 1),
        ("semaines_retenues", 1),
        ("montant_collectif", 1),
        ("eligibilite", 2),
        ("montant_collectif", 2),
        ("montant_avant_plafonnement", None),
        ("plafonnement", None),
        ("montant_total", None),
    ]


@pytest.mark.parametrize(
    ("code", "collectif", "valeur", "formule"),
    [
        pytest.param(
            "nombre_collectifs",
            None,
            "3",
            "3 collectifs déclarés, éligibles ou non : tous comptent pour répartir les dépenses",
            id="nombre",
        ),
        pytest.param(
            "prix_de_revient", None, "8000.00", _euros("24 000,00 € ÷ 3 = 8 000,00 €"), id="prix"
        ),
        pytest.param(
            "eligibilite",
            0,
            "true",
            "2 intervenants ≥ 2 ; 10 enfants entre 8 et 12 ; 36 semaines ≥ 1 → éligible",
            id="eligible",
        ),
        pytest.param(
            "eligibilite",
            2,
            "false",
            "1 intervenant < 2 ; 4 enfants < 8 ; 36 semaines ≥ 1 → non éligible",
            id="non-eligible",
        ),
        pytest.param(
            "base",
            0,
            "2563.00",
            _euros("min(0,325 × 8 000,00 € ; 2 563,00 €) = 2 563,00 €"),
            id="base",
        ),
        pytest.param(
            "bonus_projets_culturels",
            0,
            "300.00",
            _euros("Projets culturels et éducatifs : oui → + 300,00 €"),
            id="bonus-demande",
        ),
        pytest.param(
            "bonus_accompagnement_parents",
            0,
            "0.00",
            _euros("Accompagnement des parents : non → + 0,00 €"),
            id="bonus-non-demande",
        ),
        pytest.param(
            "semaines_retenues",
            1,
            "18",
            "min(18 ; 36) = 18 semaines retenues sur 36",
            id="semaines",
        ),
        pytest.param(
            "montant_collectif",
            1,
            "1581.50",
            _euros("(2 563,00 € + 300,00 € + 300,00 €) × 18 ÷ 36 = 1 581,50 €"),
            id="montant",
        ),
        pytest.param(
            "montant_collectif",
            2,
            "0.00",
            _euros("Collectif non éligible → 0,00 €. ")
            + "Au moins 2 intervenants sont requis ; 1 déclaré. Au moins 8 enfants sont requis "
            "(5 en milieu rural ou avec un enfant en situation de handicap) ; 4 déclarés.",
            id="montant-non-eligible",
        ),
        pytest.param(
            "montant_avant_plafonnement",
            None,
            "4444.50",
            _euros("2 863,00 € + 1 581,50 € + 0,00 € = 4 444,50 €"),
            id="somme",
        ),
        pytest.param(
            "plafonnement",
            None,
            "false",
            _euros("Plafond = max(24 000,00 € − 10 000,00 € ; 0) = 14 000,00 € ; ")
            + _euros("4 444,50 € ≤ 14 000,00 € → le plafond ne s'applique pas"),
            id="plafond-sans-effet",
        ),
        pytest.param(
            "montant_total",
            None,
            "4444.50",
            _euros("min(4 444,50 € ; 14 000,00 €) = 4 444,50 €"),
            id="total",
        ),
    ],
)
def test_chaque_formule_montre_les_nombres_et_le_resultat(
    exemple: Resultat, code: str, collectif: int | None, valeur: str, formule: str
) -> None:
    etape = _etape(exemple, code, collectif)

    assert etape.valeur == valeur
    assert etape.formule == formule


def test_les_libelles_nomment_le_collectif(exemple: Resultat) -> None:
    assert _etape(exemple, "eligibilite", 1).libelle == "Éligibilité — Les Mésanges"
    assert _etape(exemple, "montant_collectif", 2).libelle == "Montant — Les Pinsons"
    assert all(etape.libelle for etape in exemple.explication)


@pytest.mark.parametrize(
    ("code", "collectif", "noms"),
    [
        pytest.param("nombre_collectifs", None, [], id="nombre"),
        pytest.param(
            "eligibilite", 0, ["intervenants_min", "effectif_min", "effectif_max"], id="eligible"
        ),
        pytest.param(
            "eligibilite",
            2,
            ["intervenants_min", "effectif_min", "effectif_max", "effectif_min_derogatoire"],
            id="effectif-insuffisant-cite-le-minimum-derogatoire",
        ),
        pytest.param("base", 0, ["taux", "montant_max_collectif"], id="base"),
        pytest.param("bonus_projets_culturels", 0, ["bonus_projets_culturels"], id="bonus"),
        pytest.param("bonus_accompagnement_parents", 0, [], id="bonus-non-demande"),
        pytest.param("semaines_retenues", 0, ["semaines_reference"], id="semaines"),
    ],
)
def test_chaque_etape_cite_les_parametres_utilises(
    exemple: Resultat, code: str, collectif: int | None, noms: list[str]
) -> None:
    assert [p.nom for p in _etape(exemple, code, collectif).parametres] == noms


def test_un_parametre_cite_porte_son_libelle_sa_valeur_et_sa_source(exemple: Resultat) -> None:
    taux, maximum = _etape(exemple, "base", 0).parametres

    assert taux.libelle == "Taux de prise en charge des dépenses"
    assert taux.valeur == "0.325"
    assert taux.source == "Ancien taux Cnaf ; à confirmer chaque année"
    assert maximum.valeur == "2563.00"
    assert maximum.source == "Page Caf partenaires Clas"


def test_un_collectif_derogatoire_cite_le_minimum_derogatoire(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    collectif = fabrique_collectif(nb_enfants=5, milieu_rural=True, semaines_de_fonctionnement=40)

    etape = _etape(calculer(fabrique_entree(collectif), parametres), "eligibilite", 0)

    assert etape.formule == (
        "2 intervenants ≥ 2 ; 5 enfants entre 5 (minimum dérogatoire) et 12 ; "
        "40 semaines ≥ 1 → éligible"
    )
    assert [p.nom for p in etape.parametres] == [
        "intervenants_min",
        "effectif_min_derogatoire",
        "effectif_max",
    ]


def test_l_etape_de_plafonnement_dit_de_combien_le_montant_est_reduit(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    collectif = fabrique_collectif(bonus_projets_culturels=True, bonus_accompagnement_parents=True)
    entree = fabrique_entree(collectif, depenses="24000.00", cofinancements="22000.00")

    resultat = calculer(entree, parametres)

    plafonnement = _etape(resultat, "plafonnement")
    assert plafonnement.valeur == "true"
    assert plafonnement.formule == _euros(
        "Plafond = max(24 000,00 € − 22 000,00 € ; 0) = 2 000,00 € ; "
        "3 163,00 € > 2 000,00 € → le plafond s'applique : montant réduit de 1 163,00 €"
    )
    assert _etape(resultat, "montant_total").formule == _euros(
        "min(3 163,00 € ; 2 000,00 €) = 2 000,00 €"
    )


def test_une_valeur_qui_ne_tombe_pas_au_centime_est_montee_puis_arrondie(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    collectifs = [fabrique_collectif(nom=f"C{i}", semaines_de_fonctionnement=27) for i in range(3)]

    resultat = calculer(fabrique_entree(*collectifs, depenses="1012.00"), parametres)

    prix = _etape(resultat, "prix_de_revient")
    assert prix.formule == _euros("1 012,00 € ÷ 3 = 337,333333… €")
    assert prix.valeur.startswith("337.3333333333")
    assert _etape(resultat, "base", 0).formule == _euros(
        "min(0,325 × 337,333333… € ; 2 563,00 €) = 109,633333… €"
    )
    montant = _etape(resultat, "montant_collectif", 0)
    assert montant.valeur == "82.23"
    assert montant.formule == _euros(
        "(109,633333… € + 0,00 € + 0,00 €) × 27 ÷ 36 = 82,225 €, arrondi au centime : 82,23 €"
    )


def test_au_dela_de_douze_collectifs_la_somme_n_enumere_plus_les_montants(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    collectifs = [fabrique_collectif(nom=f"C{i}") for i in range(13)]

    resultat = calculer(fabrique_entree(*collectifs, depenses="100000.00"), parametres)

    assert _etape(resultat, "montant_avant_plafonnement").formule == _euros(
        "Somme des montants des 13 collectifs = 32 500,00 €"
    )
    assert resultat.montant_avant_plafonnement == Decimal("32500.00")
