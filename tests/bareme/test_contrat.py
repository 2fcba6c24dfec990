"""Le contrat JSON commun à la ligne de commande, à l'API et au simulateur."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from clas.bareme import (
    CollectifEntree,
    Entree,
    EntreeInvalide,
    Erreur,
    Parametres,
    calculer,
    entree_vers_json,
    lire_entree,
    resultat_vers_json,
)

ANNEES = ("2022-2023", "2023-2024", "2024-2025", "2025-2026", "2026-2027")

EXEMPLE: dict[str, Any] = {
    "annee_scolaire": "2025-2026",
    "depenses_totales": "24000.00",
    "cofinancements": "10000.00",
    "collectifs": [
        {
            "nom": "Les Hirondelles",
            "nb_enfants": 10,
            "nb_intervenants": 2,
            "milieu_rural": False,
            "enfant_en_situation_de_handicap": False,
            "semaines_de_fonctionnement": 36,
            "bonus_projets_culturels": True,
            "bonus_accompagnement_parents": False,
        }
    ],
}

MINIMAL: dict[str, Any] = {
    "annee_scolaire": "2025-2026",
    "depenses_totales": 24000,
    "collectifs": [{"nb_enfants": 10, "nb_intervenants": 2, "semaines_de_fonctionnement": 36}],
}


def _avec(base: dict[str, Any], **changements: Any) -> dict[str, Any]:
    donnees = copy.deepcopy(base)
    donnees.update(changements)
    return donnees


def _avec_collectif(**changements: Any) -> dict[str, Any]:
    donnees = copy.deepcopy(MINIMAL)
    donnees["collectifs"][0].update(changements)
    return donnees


def _sans_collectif(champ: str) -> dict[str, Any]:
    donnees = copy.deepcopy(MINIMAL)
    del donnees["collectifs"][0][champ]
    return donnees


def _erreurs(donnees: object) -> list[tuple[str, str]]:
    with pytest.raises(EntreeInvalide) as refus:
        lire_entree(donnees, ANNEES)
    return [(e.champ, e.message) for e in refus.value.erreurs]


# --- Entrées acceptées ------------------------------------------------------------------------


def test_l_exemple_du_contrat_est_accepte() -> None:
    entree = lire_entree(EXEMPLE, ANNEES)

    assert entree == Entree(
        annee_scolaire="2025-2026",
        depenses_totales=Decimal("24000.00"),
        cofinancements=Decimal("10000.00"),
        collectifs=(
            CollectifEntree(
                nom="Les Hirondelles",
                nb_enfants=10,
                nb_intervenants=2,
                semaines_de_fonctionnement=36,
                bonus_projets_culturels=True,
            ),
        ),
    )


def test_les_valeurs_par_defaut_sont_appliquees() -> None:
    donnees = _avec(MINIMAL, collectifs=[MINIMAL["collectifs"][0]] * 2)
    donnees["collectifs"][1] = {**donnees["collectifs"][1], "nom": "   "}

    entree = lire_entree(donnees, ANNEES)

    assert entree.cofinancements == Decimal("0.00")
    assert [c.nom for c in entree.collectifs] == ["Collectif 1", "Collectif 2"]
    collectif = entree.collectifs[0]
    assert not collectif.milieu_rural
    assert not collectif.enfant_en_situation_de_handicap
    assert not collectif.bonus_projets_culturels
    assert not collectif.bonus_accompagnement_parents


def test_null_vaut_absent_pour_un_champ_facultatif() -> None:
    donnees = _avec(MINIMAL, cofinancements=None)
    donnees["collectifs"][0] |= {"nom": None, "milieu_rural": None}

    entree = lire_entree(donnees, ANNEES)

    assert entree.cofinancements == Decimal("0.00")
    assert entree.collectifs[0].nom == "Collectif 1"
    assert entree.collectifs[0].milieu_rural is False


def test_le_nom_est_debarrasse_de_ses_espaces() -> None:
    entree = lire_entree(_avec_collectif(nom="  Les Mésanges "), ANNEES)
    assert entree.collectifs[0].nom == "Les Mésanges"


@pytest.mark.parametrize(
    ("saisie", "montant"),
    [
        pytest.param(24000, "24000.00", id="entier-json"),
        pytest.param(24000.5, "24000.50", id="decimal-json"),
        pytest.param(0.1, "0.10", id="0.1-reste-0.1"),
        pytest.param(1234.56, "1234.56", id="float-sans-erreur-binaire"),
        pytest.param("24000.50", "24000.50", id="texte-point"),
        pytest.param("24000,5", "24000.50", id="texte-virgule"),
        pytest.param("24 000,50", "24000.50", id="espace-milliers"),
        pytest.param("24\u00a0000,50", "24000.50", id="espace-insecable"),
        pytest.param("24\u202f000,50", "24000.50", id="espace-fine-insecable"),
        pytest.param("1 234 567,89", "1234567.89", id="millions"),
        pytest.param("  24000  ", "24000.00", id="espaces-autour"),
        pytest.param("24 000,50 €", "24000.50", id="symbole-euro"),
        pytest.param("24000.500", "24000.50", id="zeros-inutiles"),
        pytest.param("0", "0.00", id="zero"),
        pytest.param("-0", "0.00", id="moins-zero"),
        pytest.param(999999999.99, "999999999.99", id="juste-sous-la-limite"),
    ],
)
def test_un_montant_s_ecrit_en_nombre_ou_en_texte_a_la_francaise(
    saisie: object, montant: str
) -> None:
    entree = lire_entree(_avec(MINIMAL, depenses_totales=saisie, cofinancements=saisie), ANNEES)

    assert str(entree.depenses_totales) == montant
    assert str(entree.cofinancements) == montant


@pytest.mark.parametrize(
    ("saisie", "nombre"),
    [
        pytest.param(10, 10, id="entier-json"),
        pytest.param(10.0, 10, id="float-entier"),
        pytest.param("10", 10, id="texte"),
        pytest.param(" 10 ", 10, id="texte-avec-espaces"),
        pytest.param(0, 0, id="zero"),
        pytest.param(1000, 1000, id="limite"),
    ],
)
def test_un_nombre_entier_s_ecrit_en_nombre_ou_en_texte(saisie: object, nombre: int) -> None:
    entree = lire_entree(_avec_collectif(nb_enfants=saisie, nb_intervenants=saisie), ANNEES)

    assert entree.collectifs[0].nb_enfants == nombre
    assert entree.collectifs[0].nb_intervenants == nombre


def test_cinquante_deux_semaines_sont_acceptees() -> None:
    entree = lire_entree(_avec_collectif(semaines_de_fonctionnement=52), ANNEES)
    assert entree.collectifs[0].semaines_de_fonctionnement == 52


def test_deux_cents_collectifs_sont_acceptes() -> None:
    entree = lire_entree(_avec(MINIMAL, collectifs=MINIMAL["collectifs"] * 200), ANNEES)
    assert len(entree.collectifs) == 200
    assert entree.collectifs[199].nom == "Collectif 200"


# --- Entrées refusées -------------------------------------------------------------------------

MONTANT_INVALIDE = "Montant invalide : « {} ». Saisissez un nombre, par exemple 24000.00"
ENTIER_INVALIDE = "Nombre entier invalide : « {} ». Saisissez un nombre entier, par exemple 10."
OBLIGATOIRE = "Ce champ est obligatoire."


@pytest.mark.parametrize(
    ("donnees", "erreurs"),
    [
        pytest.param(
            [MINIMAL],
            [("", 'L\'entrée doit être un objet JSON, par exemple {"annee_scolaire": …}.')],
            id="pas-un-objet",
        ),
        pytest.param(
            _avec(MINIMAL, annee_scolaire="2030-2031"),
            [
                (
                    "annee_scolaire",
                    "Année scolaire inconnue : 2030-2031. Années disponibles : 2022-2023, "
                    "2023-2024, 2024-2025, 2025-2026, 2026-2027.",
                )
            ],
            id="annee-inconnue",
        ),
        pytest.param(
            _avec(MINIMAL, annee_scolaire=2025),
            [("annee_scolaire", "Saisissez l'année scolaire en texte, par exemple « 2025-2026 ».")],
            id="annee-pas-en-texte",
        ),
        pytest.param(
            {k: v for k, v in MINIMAL.items() if k != "annee_scolaire"},
            [("annee_scolaire", OBLIGATOIRE)],
            id="annee-absente",
        ),
        pytest.param(
            {k: v for k, v in MINIMAL.items() if k != "depenses_totales"},
            [("depenses_totales", OBLIGATOIRE)],
            id="depenses-absentes",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales="abc"),
            [("depenses_totales", MONTANT_INVALIDE.format("abc"))],
            id="montant-pas-un-nombre",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales=True),
            [("depenses_totales", MONTANT_INVALIDE.format("true"))],
            id="montant-booleen",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales=float("nan")),
            [("depenses_totales", MONTANT_INVALIDE.format("NaN"))],
            id="montant-nan",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales=float("inf")),
            [("depenses_totales", MONTANT_INVALIDE.format("Infinity"))],
            id="montant-infini",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales="NaN"),
            [("depenses_totales", MONTANT_INVALIDE.format("NaN"))],
            id="montant-nan-en-texte",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales="1e5"),
            [("depenses_totales", MONTANT_INVALIDE.format("1e5"))],
            id="montant-notation-scientifique-en-texte",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales=[24000]),
            [("depenses_totales", MONTANT_INVALIDE.format("[24000]"))],
            id="montant-liste",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales="1.234,56"),
            [("depenses_totales", MONTANT_INVALIDE.format("1.234,56"))],
            id="montant-point-milliers-ambigu",
        ),
        pytest.param(
            _avec(MINIMAL, cofinancements=-1),
            [("cofinancements", "Le montant doit être positif ou nul.")],
            id="montant-negatif",
        ),
        pytest.param(
            _avec(MINIMAL, cofinancements="-0,01"),
            [("cofinancements", "Le montant doit être positif ou nul.")],
            id="montant-negatif-en-texte",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales="24000.005"),
            [
                (
                    "depenses_totales",
                    "Saisissez au plus deux décimales (les centimes), par exemple 24000.50.",
                )
            ],
            id="trois-decimales",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales=1_000_000_000),
            [("depenses_totales", "Le montant doit être inférieur à 1 000 000 000 €.")],
            id="un-milliard",
        ),
        pytest.param(
            _avec(MINIMAL, depenses_totales="1 000 000 000,00"),
            [("depenses_totales", "Le montant doit être inférieur à 1 000 000 000 €.")],
            id="un-milliard-en-texte",
        ),
        pytest.param(
            {k: v for k, v in MINIMAL.items() if k != "collectifs"},
            [("collectifs", OBLIGATOIRE)],
            id="collectifs-absents",
        ),
        pytest.param(
            _avec(MINIMAL, collectifs={"nb_enfants": 10}),
            [
                (
                    "collectifs",
                    'Saisissez la liste des collectifs, par exemple [{"nb_enfants": 10, …}].',
                )
            ],
            id="collectifs-pas-une-liste",
        ),
        pytest.param(
            _avec(MINIMAL, collectifs=[]),
            [("collectifs", "Déclarez au moins un collectif.")],
            id="aucun-collectif",
        ),
        pytest.param(
            _avec(MINIMAL, collectifs=MINIMAL["collectifs"] * 201),
            [("collectifs", "Au plus 200 collectifs par dossier ; 201 déclarés.")],
            id="201-collectifs",
        ),
        pytest.param(
            _avec(MINIMAL, collectifs=[10]),
            [
                (
                    "collectifs[0]",
                    "Chaque collectif doit être un objet JSON, par exemple "
                    '{"nb_enfants": 10, "nb_intervenants": 2, "semaines_de_fonctionnement": 36}.',
                )
            ],
            id="collectif-pas-un-objet",
        ),
        pytest.param(
            _avec(MINIMAL, montant=3),
            [
                (
                    "montant",
                    "Champ inconnu : « montant ». Champs acceptés : annee_scolaire, "
                    "depenses_totales, cofinancements, collectifs.",
                )
            ],
            id="champ-inconnu",
        ),
        pytest.param(
            _avec_collectif(nb_enfant=10),
            [
                (
                    "collectifs[0].nb_enfant",
                    "Champ inconnu : « nb_enfant ». Champs acceptés : nom, nb_enfants, "
                    "nb_intervenants, semaines_de_fonctionnement, milieu_rural, "
                    "enfant_en_situation_de_handicap, bonus_projets_culturels, "
                    "bonus_accompagnement_parents, retenu.",
                )
            ],
            id="champ-inconnu-dans-un-collectif",
        ),
        pytest.param(
            _sans_collectif("nb_enfants"),
            [("collectifs[0].nb_enfants", OBLIGATOIRE)],
            id="entier-absent",
        ),
        pytest.param(
            _avec_collectif(nb_enfants=True),
            [
                (
                    "collectifs[0].nb_enfants",
                    ENTIER_INVALIDE.format("true"),
                )
            ],
            id="booleen-pour-un-entier",
        ),
        pytest.param(
            _avec_collectif(nb_intervenants=2.5),
            [
                (
                    "collectifs[0].nb_intervenants",
                    ENTIER_INVALIDE.format("2.5"),
                )
            ],
            id="entier-a-virgule",
        ),
        pytest.param(
            _avec_collectif(nb_intervenants="deux"),
            [
                (
                    "collectifs[0].nb_intervenants",
                    ENTIER_INVALIDE.format("deux"),
                )
            ],
            id="entier-en-lettres",
        ),
        pytest.param(
            _avec_collectif(nb_enfants=-1),
            [("collectifs[0].nb_enfants", "Le nombre doit être positif ou nul.")],
            id="entier-negatif",
        ),
        pytest.param(
            _avec_collectif(nb_enfants="-3"),
            [("collectifs[0].nb_enfants", "Le nombre doit être positif ou nul.")],
            id="entier-negatif-en-texte",
        ),
        pytest.param(
            _avec_collectif(nb_enfants=1001),
            [("collectifs[0].nb_enfants", "Le nombre doit être au plus 1\u00a0000.")],
            id="entier-au-dela-de-1000",
        ),
        pytest.param(
            _avec_collectif(semaines_de_fonctionnement=53),
            [("collectifs[0].semaines_de_fonctionnement", "Une année compte au plus 52 semaines.")],
            id="53-semaines",
        ),
        pytest.param(
            _avec_collectif(nom="x" * 201),
            [("collectifs[0].nom", "Le nom fait au plus 200 caractères ; 201 saisis.")],
            id="nom-trop-long",
        ),
        pytest.param(
            _avec_collectif(nom=12),
            [("collectifs[0].nom", "Saisissez le nom du collectif en texte.")],
            id="nom-pas-en-texte",
        ),
        pytest.param(
            _avec_collectif(milieu_rural="true"),
            [("collectifs[0].milieu_rural", "Répondez true ou false ; « true » reçu.")],
            id="booleen-en-texte",
        ),
        pytest.param(
            _avec_collectif(bonus_projets_culturels=1),
            [("collectifs[0].bonus_projets_culturels", "Répondez true ou false ; « 1 » reçu.")],
            id="booleen-en-nombre",
        ),
    ],
)
def test_chaque_erreur_est_rattachee_a_son_champ_et_dit_quoi_corriger(
    donnees: object, erreurs: list[tuple[str, str]]
) -> None:
    assert _erreurs(donnees) == erreurs


def test_toutes_les_erreurs_sont_signalees_ensemble() -> None:
    donnees = {
        "annee_scolaire": "2031-2032",
        "depenses_totales": "beaucoup",
        "cofinancements": -5,
        "inconnu": 1,
        "collectifs": [
            {"nb_enfants": 10, "nb_intervenants": 2, "semaines_de_fonctionnement": 36},
            {"nb_enfants": "dix", "semaines_de_fonctionnement": 60, "milieu_rural": "oui"},
            "pas un collectif",
        ],
    }

    assert [champ for champ, _ in _erreurs(donnees)] == [
        "inconnu",
        "annee_scolaire",
        "depenses_totales",
        "cofinancements",
        "collectifs[1].nb_enfants",
        "collectifs[1].nb_intervenants",
        "collectifs[1].semaines_de_fonctionnement",
        "collectifs[1].milieu_rural",
        "collectifs[2]",
    ]


def test_un_entier_de_milliers_de_chiffres_est_refuse_sans_planter() -> None:
    donnees = _avec_collectif(nb_enfants="9" * 5000, nom=10**5000)

    assert [champ for champ, _ in _erreurs(donnees)] == [
        "collectifs[0].nom",
        "collectifs[0].nb_enfants",
    ]


def test_le_refus_s_ecrit_en_json_et_en_texte() -> None:
    refus = EntreeInvalide([Erreur("collectifs", "Déclarez au moins un collectif.")])

    assert refus.vers_json() == {
        "erreurs": [{"champ": "collectifs", "message": "Déclarez au moins un collectif."}]
    }
    assert str(refus) == "collectifs : Déclarez au moins un collectif."


# --- Sorties ----------------------------------------------------------------------------------


@pytest.fixture
def sortie(parametres: Parametres) -> dict[str, Any]:
    donnees = copy.deepcopy(EXEMPLE)
    donnees["collectifs"].append({"nb_enfants": 3, "nb_intervenants": 2, "nom": "Petit"})
    donnees["collectifs"][1]["semaines_de_fonctionnement"] = 36
    return resultat_vers_json(calculer(lire_entree(donnees, ANNEES), parametres))


def test_le_resultat_json_a_exactement_la_forme_du_contrat(sortie: dict[str, Any]) -> None:
    assert list(sortie) == [
        "annee_scolaire",
        "montant_total",
        "montant_avant_plafonnement",
        "plafond_reste_a_charge",
        "plafonnement_reste_a_charge",
        "reduction_plafonnement",
        "collectifs",
        "explication",
        "parametres",
    ]
    assert sortie["annee_scolaire"] == "2025-2026"
    assert sortie["montant_total"] == "2863.00"
    assert sortie["montant_avant_plafonnement"] == "2863.00"
    assert sortie["plafond_reste_a_charge"] == "14000.00"
    assert sortie["plafonnement_reste_a_charge"] is False
    assert sortie["reduction_plafonnement"] == "0.00"
    assert sortie["collectifs"] == [
        {
            "nom": "Les Hirondelles",
            "eligible": True,
            "montant": "2863.00",
            "motifs_ineligibilite": [],
        },
        {
            "nom": "Petit",
            "eligible": False,
            "montant": "0.00",
            "motifs_ineligibilite": [
                {
                    "code": "effectif_insuffisant",
                    "message": "Au moins 8 enfants sont requis (5 en milieu rural ou avec un "
                    "enfant en situation de handicap) ; 3 déclarés.",
                }
            ],
        },
    ]
    assert sortie["parametres"]["taux"]["valeur"] == "0.325"


def test_chaque_etape_json_porte_ses_parametres(sortie: dict[str, Any]) -> None:
    base = next(e for e in sortie["explication"] if e["code"] == "base")

    assert list(base) == ["code", "libelle", "valeur", "formule", "collectif", "parametres"]
    assert base["collectif"] == 0
    assert base["valeur"] == "2563.00"
    assert base["parametres"][0] == {
        "nom": "taux",
        "libelle": "Taux de prise en charge des dépenses",
        "valeur": "0.325",
        "source": "Ancien taux Cnaf ; à confirmer chaque année",
    }
    assert sortie["explication"][0]["collectif"] is None


def test_le_resultat_json_se_serialise_sans_aide(sortie: dict[str, Any]) -> None:
    assert json.loads(json.dumps(sortie, ensure_ascii=False)) == sortie


def test_les_montants_du_resultat_ont_toujours_deux_decimales(
    parametres: Parametres, fabrique_entree: Callable[..., Entree]
) -> None:
    sortie = resultat_vers_json(calculer(fabrique_entree(depenses="6000"), parametres))

    montants = [
        sortie["montant_total"],
        sortie["montant_avant_plafonnement"],
        sortie["plafond_reste_a_charge"],
        sortie["reduction_plafonnement"],
        *(c["montant"] for c in sortie["collectifs"]),  # type: ignore[attr-defined]
    ]
    assert montants == ["1950.00", "1950.00", "6000.00", "0.00", "1950.00"]


def test_une_entree_ecrite_en_json_se_relit_a_l_identique() -> None:
    entree = lire_entree(_avec(EXEMPLE, depenses_totales=24000, cofinancements="10 000,5"), ANNEES)

    donnees = entree_vers_json(entree)

    assert donnees["depenses_totales"] == "24000.00"
    assert donnees["cofinancements"] == "10000.50"
    assert donnees["collectifs"] == [EXEMPLE["collectifs"][0]]
    assert lire_entree(json.loads(json.dumps(donnees)), ANNEES) == entree


def test_un_collectif_non_retenu_se_lit_et_se_relit() -> None:
    from clas.bareme import lire_entree
    from clas.bareme.contrat import entree_vers_json

    donnees = {
        "annee_scolaire": "2025-2026",
        "depenses_totales": "8000.00",
        "collectifs": [
            {"nb_enfants": 10, "nb_intervenants": 2, "semaines_de_fonctionnement": 36},
            {
                "nb_enfants": 10,
                "nb_intervenants": 2,
                "semaines_de_fonctionnement": 36,
                "retenu": False,
            },
        ],
    }
    entree = lire_entree(donnees, ["2025-2026"])
    assert [c.retenu for c in entree.collectifs] == [True, False]
    relu = entree_vers_json(entree)
    assert "retenu" not in relu["collectifs"][0]
    assert relu["collectifs"][1]["retenu"] is False
