"""Le barème, règle par règle et borne par borne (CLAS.md §2.2)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from clas.bareme import CollectifEntree, Entree, Parametres, calculer

FabriqueCollectif = Callable[..., CollectifEntree]
FabriqueEntree = Callable[..., Entree]


# --- 1. Éligibilité -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changements", "motifs"),
    [
        pytest.param({"nb_intervenants": 1}, ["intervenants_insuffisants"], id="1-intervenant"),
        pytest.param({"nb_intervenants": 2}, [], id="2-intervenants"),
        pytest.param({"nb_intervenants": 0}, ["intervenants_insuffisants"], id="0-intervenant"),
        pytest.param({"nb_enfants": 7}, ["effectif_insuffisant"], id="7-enfants-en-ville"),
        pytest.param({"nb_enfants": 8}, [], id="8-enfants-en-ville"),
        pytest.param({"nb_enfants": 12}, [], id="12-enfants-en-ville"),
        pytest.param({"nb_enfants": 13}, ["effectif_trop_eleve"], id="13-enfants-en-ville"),
        pytest.param(
            {"nb_enfants": 4, "milieu_rural": True}, ["effectif_insuffisant"], id="4-enfants-rural"
        ),
        pytest.param({"nb_enfants": 5, "milieu_rural": True}, [], id="5-enfants-rural"),
        pytest.param({"nb_enfants": 12, "milieu_rural": True}, [], id="12-enfants-rural"),
        pytest.param(
            {"nb_enfants": 13, "milieu_rural": True},
            ["effectif_trop_eleve"],
            id="13-enfants-rural",
        ),
        pytest.param(
            {"nb_enfants": 4, "enfant_en_situation_de_handicap": True},
            ["effectif_insuffisant"],
            id="4-enfants-avec-handicap",
        ),
        pytest.param(
            {"nb_enfants": 5, "enfant_en_situation_de_handicap": True}, [], id="5-enfants-handicap"
        ),
        pytest.param(
            {"nb_enfants": 5, "milieu_rural": True, "enfant_en_situation_de_handicap": True},
            [],
            id="5-enfants-rural-et-handicap",
        ),
        pytest.param({"nb_enfants": 5}, ["effectif_insuffisant"], id="5-enfants-en-ville"),
        pytest.param({"nb_enfants": 0}, ["effectif_insuffisant"], id="aucun-enfant"),
        pytest.param({"semaines_de_fonctionnement": 0}, ["aucune_semaine"], id="0-semaine"),
        pytest.param({"semaines_de_fonctionnement": 1}, [], id="1-semaine"),
        pytest.param({"semaines_de_fonctionnement": 52}, [], id="52-semaines"),
        pytest.param(
            {"nb_intervenants": 1, "nb_enfants": 4, "semaines_de_fonctionnement": 0},
            ["intervenants_insuffisants", "effectif_insuffisant", "aucune_semaine"],
            id="trois-motifs-ensemble",
        ),
        pytest.param(
            {"nb_intervenants": 0, "nb_enfants": 13},
            ["intervenants_insuffisants", "effectif_trop_eleve"],
            id="intervenants-et-trop-d-enfants",
        ),
    ],
)
def test_l_eligibilite_suit_chaque_condition_et_donne_chaque_motif(
    parametres: Parametres,
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    changements: dict[str, Any],
    motifs: list[str],
) -> None:
    resultat = calculer(fabrique_entree(fabrique_collectif(**changements)), parametres)

    collectif = resultat.collectifs[0]
    assert [m.code for m in collectif.motifs_ineligibilite] == motifs
    assert collectif.eligible is (not motifs)
    if motifs:
        assert collectif.montant == Decimal("0.00")


@pytest.mark.parametrize(
    ("changements", "message"),
    [
        pytest.param(
            {"nb_intervenants": 1},
            "Au moins 2 intervenants sont requis ; 1 déclaré.",
            id="intervenants",
        ),
        pytest.param(
            {"nb_enfants": 4},
            "Au moins 8 enfants sont requis (5 en milieu rural ou avec un enfant en situation "
            "de handicap) ; 4 déclarés.",
            id="effectif-en-ville",
        ),
        pytest.param(
            {"nb_enfants": 4, "milieu_rural": True},
            "Au moins 5 enfants sont requis, même en milieu rural ou avec un enfant en situation "
            "de handicap ; 4 déclarés.",
            id="effectif-derogatoire",
        ),
        pytest.param(
            {"nb_enfants": 14},
            "Au plus 12 enfants par collectif ; 14 déclarés.",
            id="trop-d-enfants",
        ),
        pytest.param(
            {"semaines_de_fonctionnement": 0},
            "Le collectif doit fonctionner au moins une semaine ; 0 déclarée.",
            id="semaines",
        ),
    ],
)
def test_chaque_motif_d_ineligibilite_est_ecrit_en_francais_avec_les_nombres(
    parametres: Parametres,
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    changements: dict[str, Any],
    message: str,
) -> None:
    resultat = calculer(fabrique_entree(fabrique_collectif(**changements)), parametres)

    assert [m.message for m in resultat.collectifs[0].motifs_ineligibilite] == [message]


def test_les_motifs_suivent_les_parametres_de_l_annee(
    fabrique_parametres: Callable[..., Parametres],
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
) -> None:
    parametres = fabrique_parametres(intervenants_min=1, effectif_max=10)
    collectif = fabrique_collectif(nb_intervenants=0, nb_enfants=11)

    resultat = calculer(fabrique_entree(collectif), parametres)

    assert [m.message for m in resultat.collectifs[0].motifs_ineligibilite] == [
        "Au moins 1 intervenant est requis ; 0 déclaré.",
        "Au plus 10 enfants par collectif ; 11 déclarés.",
    ]


def test_un_collectif_de_quatre_enfants_en_ville_est_ineligible(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    collectif = fabrique_collectif(nb_enfants=4, bonus_projets_culturels=True)

    resultat = calculer(fabrique_entree(collectif), parametres)

    assert resultat.collectifs[0].eligible is False
    assert resultat.collectifs[0].montant == Decimal("0.00")
    assert resultat.collectifs[0].base == resultat.collectifs[0].bonus == Decimal("0.00")
    assert resultat.collectifs[0].semaines_retenues == 0
    assert resultat.montant_total == Decimal("0.00")


# --- 2 et 3. Prix de revient et base ---------------------------------------------------------


@pytest.mark.parametrize(
    ("depenses", "nombre", "montant"),
    [
        pytest.param("6000.00", 1, "1950.00", id="base-sous-le-maximum"),
        pytest.param("7886.00", 1, "2562.95", id="prix-plafond-exact-reste-sous-le-maximum"),
        pytest.param("7886.16", 1, "2563.00", id="juste-au-dessus-du-maximum"),
        pytest.param("24000.00", 3, "2563.00", id="base-plafonnee-au-maximum"),
        pytest.param("24000.00", 4, "1950.00", id="quatre-collectifs-se-partagent-les-depenses"),
        pytest.param("0.00", 1, "0.00", id="aucune-depense"),
    ],
)
def test_la_base_est_le_taux_du_prix_de_revient_plafonne_au_montant_maximal(
    parametres: Parametres,
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    depenses: str,
    nombre: int,
    montant: str,
) -> None:
    collectifs = [fabrique_collectif(nom=f"C{i}") for i in range(nombre)]

    resultat = calculer(fabrique_entree(*collectifs, depenses=depenses), parametres)

    assert [c.montant for c in resultat.collectifs] == [Decimal(montant)] * nombre


def test_le_prix_de_revient_compte_aussi_les_collectifs_ineligibles(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    eligible = fabrique_collectif()
    ineligible = fabrique_collectif(nom="Trop petit", nb_enfants=3)

    resultat = calculer(fabrique_entree(eligible, ineligible, depenses="6000.00"), parametres)

    # 6 000 € ÷ 2 = 3 000 € ; 0,325 × 3 000 € = 975 €, et non 0,325 × 6 000 €.
    assert [c.montant for c in resultat.collectifs] == [Decimal("975.00"), Decimal("0.00")]
    assert resultat.collectifs[0].base == Decimal("975.00")


# --- 4. Bonus ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("culturel", "parents", "montant", "bonus"),
    [
        pytest.param(False, False, "2563.00", "0.00", id="sans-bonus"),
        pytest.param(True, False, "2863.00", "300.00", id="projets-culturels"),
        pytest.param(False, True, "2863.00", "300.00", id="accompagnement-des-parents"),
        pytest.param(True, True, "3163.00", "600.00", id="les-deux-bonus-s-ajoutent"),
    ],
)
def test_chaque_bonus_s_ajoute_a_la_base(
    parametres: Parametres,
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    culturel: bool,
    parents: bool,
    montant: str,
    bonus: str,
) -> None:
    collectif = fabrique_collectif(
        bonus_projets_culturels=culturel, bonus_accompagnement_parents=parents
    )

    resultat = calculer(fabrique_entree(collectif), parametres)

    assert resultat.collectifs[0].montant == Decimal(montant)
    assert resultat.collectifs[0].bonus == Decimal(bonus)


def test_les_bonus_suivent_les_parametres_de_l_annee(
    fabrique_parametres: Callable[..., Parametres],
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
) -> None:
    parametres = fabrique_parametres(
        bonus_projets_culturels=Decimal("250.00"), bonus_accompagnement_parents=Decimal("400.00")
    )
    collectif = fabrique_collectif(bonus_projets_culturels=True, bonus_accompagnement_parents=True)

    resultat = calculer(fabrique_entree(collectif), parametres)

    assert resultat.collectifs[0].montant == Decimal("3213.00")


# --- 5. Proratisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("semaines", "retenues", "montant"),
    [
        pytest.param(1, 1, "79.53", id="1-semaine"),
        pytest.param(18, 18, "1431.50", id="18-semaines-moitie-d-annee"),
        pytest.param(35, 35, "2783.47", id="35-semaines"),
        pytest.param(36, 36, "2863.00", id="36-semaines-annee-complete"),
        pytest.param(37, 36, "2863.00", id="37-semaines-comptent-36"),
        pytest.param(52, 36, "2863.00", id="52-semaines-comptent-36"),
    ],
)
def test_le_montant_est_proratise_aux_semaines_retenues(
    parametres: Parametres,
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    semaines: int,
    retenues: int,
    montant: str,
) -> None:
    collectif = fabrique_collectif(
        semaines_de_fonctionnement=semaines, bonus_projets_culturels=True
    )

    resultat = calculer(fabrique_entree(collectif), parametres)

    # (2 563 € + 300 €) × semaines retenues ÷ 36
    assert resultat.collectifs[0].semaines_retenues == retenues
    assert resultat.collectifs[0].montant == Decimal(montant)


# --- 6. Arrondi -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taux", "depenses", "montant"),
    [
        pytest.param("0.325", "1001.00", "325.33", id="325,325-monte-et-non-325,32-bancaire"),
        pytest.param("0.100005", "1000.00", "100.01", id="x,xx5-exact-monte"),
        pytest.param("0.100004999", "1000.00", "100.00", id="x,xx4999-descend"),
    ],
)
def test_chaque_montant_est_arrondi_au_centime_demi_centime_vers_le_haut(
    fabrique_parametres: Callable[..., Parametres],
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    taux: str,
    depenses: str,
    montant: str,
) -> None:
    parametres = fabrique_parametres(taux=Decimal(taux))

    resultat = calculer(fabrique_entree(fabrique_collectif(), depenses=depenses), parametres)

    assert resultat.collectifs[0].montant == Decimal(montant)


def test_aucun_arrondi_intermediaire_meme_quand_le_prix_de_revient_ne_tombe_pas_juste(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    # 1 012 € ÷ 3 = 337,333… € ; 0,325 × 337,333… × 27 ÷ 36 = 82,225 € exactement → 82,23 €.
    # Un calcul en Decimal à 28 chiffres trouverait 82,22499… et arrondirait à 82,22 €.
    collectifs = [fabrique_collectif(nom=f"C{i}", semaines_de_fonctionnement=27) for i in range(3)]

    resultat = calculer(fabrique_entree(*collectifs, depenses="1012.00"), parametres)

    assert [c.montant for c in resultat.collectifs] == [Decimal("82.23")] * 3
    assert resultat.montant_avant_plafonnement == Decimal("246.69")


def test_le_montant_du_projet_est_la_somme_des_montants_arrondis(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    # Chaque collectif : 2 563 × 35 ÷ 36 = 2 491,805… → 2 491,81 ; la somme des valeurs exactes
    # arrondie une seule fois donnerait 4 983,61 et non 4 983,62.
    collectifs = [fabrique_collectif(nom=f"C{i}", semaines_de_fonctionnement=35) for i in range(2)]

    resultat = calculer(fabrique_entree(*collectifs, depenses="24000.00"), parametres)

    assert [c.montant for c in resultat.collectifs] == [Decimal("2491.81")] * 2
    assert resultat.montant_avant_plafonnement == Decimal("4983.62")


# --- 7. Plafonnement au reste à charge --------------------------------------------------------


@pytest.mark.parametrize(
    ("depenses", "cofinancements", "plafond", "total", "plafonne", "reduction"),
    [
        pytest.param("24000.00", "10000.00", "14000.00", "3163.00", False, "0.00", id="sous"),
        pytest.param("24000.00", "20837.00", "3163.00", "3163.00", False, "0.00", id="egal"),
        pytest.param("24000.00", "22000.00", "2000.00", "2000.00", True, "1163.00", id="au-dela"),
        pytest.param("24000.00", "24000.00", "0.00", "0.00", True, "3163.00", id="tout-finance"),
        pytest.param("24000.00", "30000.00", "0.00", "0.00", True, "3163.00", id="jamais-negatif"),
        pytest.param("0.00", "0.00", "0.00", "0.00", True, "600.00", id="bonus-sans-depense"),
    ],
)
def test_le_montant_du_projet_ne_depasse_jamais_les_depenses_moins_les_cofinancements(
    parametres: Parametres,
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    depenses: str,
    cofinancements: str,
    plafond: str,
    total: str,
    plafonne: bool,
    reduction: str,
) -> None:
    collectif = fabrique_collectif(bonus_projets_culturels=True, bonus_accompagnement_parents=True)
    entree = fabrique_entree(collectif, depenses=depenses, cofinancements=cofinancements)

    resultat = calculer(entree, parametres)

    assert resultat.plafond_reste_a_charge == Decimal(plafond)
    assert resultat.montant_total == Decimal(total)
    assert resultat.plafonnement_reste_a_charge is plafonne
    assert resultat.reduction_plafonnement == Decimal(reduction)
    assert resultat.montant_avant_plafonnement - resultat.reduction_plafonnement == Decimal(total)


# --- Exemple de CLAS.md -----------------------------------------------------------------------


def _collectifs_de_l_exemple(
    fabrique_collectif: FabriqueCollectif, semaines_du_premier: int = 36
) -> list[CollectifEntree]:
    return [
        fabrique_collectif(
            nom="Les Hirondelles",
            semaines_de_fonctionnement=semaines_du_premier,
            bonus_projets_culturels=True,
        ),
        fabrique_collectif(nom="Les Mésanges", bonus_projets_culturels=True),
        fabrique_collectif(
            nom="Les Rouges-gorges",
            bonus_projets_culturels=True,
            bonus_accompagnement_parents=True,
        ),
    ]


def _entree_de_l_exemple(
    fabrique_collectif: FabriqueCollectif,
    fabrique_entree: FabriqueEntree,
    semaines_du_premier: int = 36,
) -> Entree:
    """L'exemple de CLAS.md : trois collectifs, 24 000 € de dépenses, 10 000 € de
    cofinancements."""
    return fabrique_entree(
        *_collectifs_de_l_exemple(fabrique_collectif, semaines_du_premier),
        depenses="24000.00",
        cofinancements="10000.00",
    )


def test_l_exemple_de_clas_md_donne_8_889_euros_sans_plafonnement(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    entree = _entree_de_l_exemple(fabrique_collectif, fabrique_entree)

    resultat = calculer(entree, parametres)

    assert [c.montant for c in resultat.collectifs] == [
        Decimal("2863.00"),
        Decimal("2863.00"),
        Decimal("3163.00"),
    ]
    assert [c.base for c in resultat.collectifs] == [Decimal("2563.00")] * 3
    assert resultat.montant_total == Decimal("8889.00")
    assert resultat.montant_avant_plafonnement == Decimal("8889.00")
    assert resultat.plafond_reste_a_charge == Decimal("14000.00")
    assert resultat.plafonnement_reste_a_charge is False
    assert resultat.reduction_plafonnement == Decimal("0.00")
    assert resultat.annee_scolaire == "2025-2026"
    assert resultat.parametres == parametres


def test_l_exemple_avec_un_collectif_de_18_semaines_lui_donne_1_431_50_euros(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    entree = _entree_de_l_exemple(fabrique_collectif, fabrique_entree, semaines_du_premier=18)

    resultat = calculer(entree, parametres)

    assert resultat.collectifs[0].montant == Decimal("1431.50")
    assert resultat.collectifs[0].semaines_retenues == 18
    assert resultat.montant_total == Decimal("7457.50")


# --- Entrées refusées -------------------------------------------------------------------------


def test_les_parametres_d_une_autre_annee_sont_refuses(
    fabrique_parametres: Callable[..., Parametres], fabrique_entree: FabriqueEntree
) -> None:
    with pytest.raises(ValueError, match="ceux de 2024-2025"):
        calculer(fabrique_entree(), fabrique_parametres(annee_scolaire="2024-2025"))


@pytest.mark.parametrize(
    ("changements", "extrait"),
    [
        pytest.param({"collectifs": ()}, "au moins un collectif", id="aucun-collectif"),
        pytest.param({"depenses_totales": Decimal("-1")}, "depenses_totales", id="negatif"),
        pytest.param({"cofinancements": Decimal("0.001")}, "cofinancements", id="millieme"),
        pytest.param({"depenses_totales": Decimal("NaN")}, "depenses_totales", id="nan"),
    ],
)
def test_une_entree_impossible_leve_une_erreur_de_valeur(
    parametres: Parametres,
    fabrique_entree: FabriqueEntree,
    changements: dict[str, Any],
    extrait: str,
) -> None:
    entree = fabrique_entree()
    entree = Entree(**(vars(entree) | changements))

    with pytest.raises(ValueError, match=extrait):
        calculer(entree, parametres)


def test_un_nombre_negatif_dans_un_collectif_est_refuse(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    with pytest.raises(ValueError, match="nombre négatif"):
        calculer(fabrique_entree(fabrique_collectif(nb_enfants=-1)), parametres)


def test_un_collectif_non_retenu_par_la_caf_compte_dans_le_prix_de_revient_mais_ne_recoit_rien(
    parametres,
) -> None:
    from clas.bareme import CollectifEntree, Entree, calculer

    def groupe(nom: str, retenu: bool = True) -> CollectifEntree:
        return CollectifEntree(
            nom=nom, nb_enfants=10, nb_intervenants=2, semaines_de_fonctionnement=36, retenu=retenu
        )

    entree = Entree(
        annee_scolaire="2025-2026",
        depenses_totales=Decimal("12000"),
        cofinancements=Decimal("0"),
        collectifs=(groupe("A"), groupe("B", retenu=False)),
    )
    resultat = calculer(entree, parametres)

    # 12 000 ÷ 2 = 6 000 ; 0,325 × 6 000 = 1 950 pour A seulement.
    assert [c.montant for c in resultat.collectifs] == [Decimal("1950.00"), Decimal("0.00")]
    assert [m.code for m in resultat.collectifs[1].motifs_ineligibilite] == ["non_retenu"]
    assert any("non retenu par la Caf" in e.formule for e in resultat.explication)


def test_les_parametres_utilises_une_fois_chacun_dans_l_ordre_des_etapes(
    parametres: Parametres, fabrique_collectif: FabriqueCollectif, fabrique_entree: FabriqueEntree
) -> None:
    entree = _entree_de_l_exemple(fabrique_collectif, fabrique_entree)
    resultat = calculer(entree, parametres)
    cites = [p for etape in resultat.explication for p in etape.parametres]
    attendus = list(dict.fromkeys(p.nom for p in cites))
    assert [p.nom for p in resultat.parametres_utilises] == attendus
    assert len(cites) > len(attendus)  # trois collectifs : chaque paramètre cité plusieurs fois
    assert all(p.source for p in resultat.parametres_utilises)
