"""Le calcul en entiers donne exactement ce que donnait le calcul en fractions (la
référence, `reference_calcul.py`) : montants, arrondis, explication mot pour mot, sur des
projets et des paramètres tirés au hasard."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from clas.bareme import CollectifEntree, Entree, Parametres, calculer, resultat_vers_json
from tests.bareme.reference_calcul import calculer_reference
from tests.bareme.test_proprietes import ANNEE, collectifs, entrees, parametres_valides


def _identiques(entree: Entree, parametres: Parametres) -> None:
    nouveau, ancien = calculer(entree, parametres), calculer_reference(entree, parametres)
    assert nouveau == ancien
    assert resultat_vers_json(nouveau) == resultat_vers_json(ancien)
    # Mêmes Decimal jusqu'à l'exposant (« 8000.00 » et non « 8E+3 »).
    for a, b in zip(nouveau.collectifs, ancien.collectifs, strict=True):
        assert (str(a.montant), str(a.base), str(a.bonus)) == (
            str(b.montant),
            str(b.base),
            str(b.bonus),
        )


@settings(max_examples=500, deadline=None)
@given(entree=entrees, parametres=parametres_valides())
def test_le_calcul_est_celui_de_la_reference(entree: Entree, parametres: Parametres) -> None:
    _identiques(entree, parametres)


@settings(max_examples=300, deadline=None)
@given(
    depenses=st.integers(0, 10**11).map(lambda c: Decimal(c) / 100),
    cofinancements=st.integers(0, 10**11).map(lambda c: Decimal(c) / 100),
    liste=st.lists(collectifs, min_size=1, max_size=30),
    taux=st.decimals(min_value=0, max_value=1, places=6),
    montant_max=st.decimals(min_value=0, max_value=10**6, places=4),
    bonus=st.decimals(min_value=0, max_value=10**4, places=3),
    semaines_reference=st.integers(1, 52),
)
def test_la_reference_tient_aussi_sur_des_parametres_non_arrondis(
    depenses: Decimal,
    cofinancements: Decimal,
    liste: list[CollectifEntree],
    taux: Decimal,
    montant_max: Decimal,
    bonus: Decimal,
    semaines_reference: int,
) -> None:
    parametres = Parametres(
        annee_scolaire=ANNEE,
        taux=taux,
        prix_plafond=Decimal("7886.00"),
        montant_max_collectif=montant_max,
        bonus_projets_culturels=bonus,
        bonus_accompagnement_parents=Decimal("300.00"),
        semaines_reference=semaines_reference,
        effectif_min=8,
        effectif_max=12,
        effectif_min_derogatoire=5,
        intervenants_min=2,
        taux_acompte=Decimal("0.70"),
        sources={"taux": "une source"},
    )
    entree = Entree(ANNEE, depenses, cofinancements, tuple(liste))
    _identiques(entree, parametres)


def test_quatre_mille_projets_au_hasard_donnent_le_meme_resultat_que_la_reference() -> None:
    """Des projets comme ceux des Caf (1 à 8 collectifs), avec les paramètres par défaut et
    des paramètres réutilisés d'un projet à l'autre, comme dans un lot."""
    from tests.bareme.conftest import fabriquer_parametres

    generateur = random.Random(2026)
    jeux = [
        fabriquer_parametres(),
        fabriquer_parametres(taux=Decimal("0.3333"), montant_max_collectif=Decimal("1999.99")),
        fabriquer_parametres(semaines_reference=35, bonus_projets_culturels=Decimal("0.01")),
    ]
    for rang in range(4_000):
        collectifs_du_projet = tuple(
            CollectifEntree(
                nom=f"Collectif {i + 1}",
                nb_enfants=generateur.randint(0, 16),
                nb_intervenants=generateur.randint(0, 4),
                semaines_de_fonctionnement=generateur.randint(0, 52),
                milieu_rural=generateur.random() < 0.3,
                enfant_en_situation_de_handicap=generateur.random() < 0.1,
                bonus_projets_culturels=generateur.random() < 0.6,
                bonus_accompagnement_parents=generateur.random() < 0.4,
                retenu=generateur.random() < 0.95,
            )
            for i in range(generateur.randint(1, 8))
        )
        entree = Entree(
            ANNEE,
            Decimal(generateur.randint(0, 8_000_000)) / 100,
            Decimal(generateur.randint(0, 2_000_000)) / 100,
            collectifs_du_projet,
        )
        _identiques(entree, jeux[rang % len(jeux)])
