"""Propriétés du barème, vérifiées sur des projets et des paramètres tirés au hasard."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from clas.bareme import (
    CollectifEntree,
    Entree,
    EntreeInvalide,
    Parametres,
    arrondir,
    calculer,
    entree_vers_json,
    lire_entree,
)

ANNEE = "2025-2026"
REGLAGES = settings(max_examples=200, deadline=None)


def _centimes(maximum: int) -> st.SearchStrategy[Decimal]:
    return st.integers(0, maximum).map(lambda c: Decimal(c) / 100)


@st.composite
def parametres_valides(draw: st.DrawFn) -> Parametres:
    effectif_max = draw(st.integers(1, 20))
    effectif_min = draw(st.integers(0, effectif_max))
    return Parametres(
        annee_scolaire=ANNEE,
        taux=Decimal(draw(st.integers(0, 1000))) / 1000,
        prix_plafond=draw(_centimes(2_000_000)),
        montant_max_collectif=draw(_centimes(1_000_000)),
        bonus_projets_culturels=draw(_centimes(100_000)),
        bonus_accompagnement_parents=draw(_centimes(100_000)),
        semaines_reference=draw(st.integers(1, 52)),
        effectif_min=effectif_min,
        effectif_max=effectif_max,
        effectif_min_derogatoire=draw(st.integers(0, effectif_min)),
        intervenants_min=draw(st.integers(0, 4)),
        taux_acompte=Decimal(draw(st.integers(0, 100))) / 100,
    )


collectifs = st.builds(
    CollectifEntree,
    nom=st.sampled_from(["Les Hirondelles", "Les Mésanges", "Collectif du soir"]),
    nb_enfants=st.integers(0, 20),
    nb_intervenants=st.integers(0, 4),
    semaines_de_fonctionnement=st.integers(0, 52),
    milieu_rural=st.booleans(),
    enfant_en_situation_de_handicap=st.booleans(),
    bonus_projets_culturels=st.booleans(),
    bonus_accompagnement_parents=st.booleans(),
)

entrees = st.builds(
    Entree,
    annee_scolaire=st.just(ANNEE),
    depenses_totales=_centimes(10**8),
    cofinancements=_centimes(10**8),
    collectifs=st.lists(collectifs, min_size=1, max_size=8).map(tuple),
)


@REGLAGES
@given(entree=entrees, parametres=parametres_valides())
def test_un_collectif_ne_recoit_jamais_plus_que_le_maximum_et_les_deux_bonus(
    entree: Entree, parametres: Parametres
) -> None:
    plafond = (
        parametres.montant_max_collectif
        + parametres.bonus_projets_culturels
        + parametres.bonus_accompagnement_parents
    )
    for collectif in calculer(entree, parametres).collectifs:
        assert Decimal(0) <= collectif.montant <= plafond
        assert collectif.montant == arrondir(collectif.montant)
        assert collectif.eligible is (not collectif.motifs_ineligibilite)


@REGLAGES
@given(entree=entrees, parametres=parametres_valides())
def test_le_montant_avant_plafonnement_est_la_somme_des_montants_des_collectifs(
    entree: Entree, parametres: Parametres
) -> None:
    resultat = calculer(entree, parametres)

    assert resultat.montant_avant_plafonnement == sum(c.montant for c in resultat.collectifs)


@REGLAGES
@given(entree=entrees, parametres=parametres_valides())
def test_le_montant_total_reste_entre_zero_et_le_reste_a_charge(
    entree: Entree, parametres: Parametres
) -> None:
    resultat = calculer(entree, parametres)

    reste_a_charge = max(entree.depenses_totales - entree.cofinancements, Decimal(0))
    assert Decimal(0) <= resultat.montant_total <= resultat.montant_avant_plafonnement
    assert resultat.montant_total <= reste_a_charge
    assert resultat.reduction_plafonnement == (
        resultat.montant_avant_plafonnement - resultat.montant_total
    )
    assert resultat.plafonnement_reste_a_charge is (resultat.reduction_plafonnement > 0)
    assert resultat.explication[-1].valeur == str(resultat.montant_total)


@REGLAGES
@given(
    collectif=collectifs,
    semaines=st.lists(st.integers(0, 60), min_size=2, max_size=2).map(sorted),
    depenses=_centimes(10**8),
    parametres=parametres_valides(),
)
def test_plus_de_semaines_ne_donne_jamais_moins(
    collectif: CollectifEntree, semaines: list[int], depenses: Decimal, parametres: Parametres
) -> None:
    def montant(nombre: int) -> Decimal:
        variante = dataclasses.replace(collectif, semaines_de_fonctionnement=nombre)
        entree = Entree(ANNEE, depenses, Decimal(0), (variante,))
        return calculer(entree, parametres).collectifs[0].montant

    assert montant(semaines[0]) <= montant(semaines[1])


@REGLAGES
@given(
    collectifs=st.lists(collectifs, min_size=1, max_size=5).map(tuple),
    depenses=st.lists(_centimes(10**8), min_size=2, max_size=2).map(sorted),
    parametres=parametres_valides(),
)
def test_plus_de_depenses_ne_donne_jamais_moins(
    collectifs: tuple[CollectifEntree, ...], depenses: list[Decimal], parametres: Parametres
) -> None:
    totaux = [
        calculer(Entree(ANNEE, montant, Decimal(0), collectifs), parametres).montant_total
        for montant in depenses
    ]
    assert totaux[0] <= totaux[1]


@REGLAGES
@given(entree=entrees)
def test_une_entree_ecrite_puis_relue_est_identique(entree: Entree) -> None:
    assert lire_entree(entree_vers_json(entree), [ANNEE]) == entree


json_quelconque = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda enfants: (
        st.lists(enfants, max_size=4) | st.dictionaries(st.text(max_size=10), enfants, max_size=4)
    ),
    max_leaves=20,
)


@REGLAGES
@given(
    donnees=json_quelconque
    | st.fixed_dictionaries(
        {
            "annee_scolaire": st.just(ANNEE) | json_quelconque,
            "depenses_totales": json_quelconque,
            "collectifs": st.lists(
                st.dictionaries(
                    st.sampled_from(["nom", "nb_enfants", "nb_intervenants", "milieu_rural"]),
                    json_quelconque,
                )
                | json_quelconque,
                max_size=3,
            ),
        }
    )
)
def test_une_entree_quelconque_est_lue_ou_refusee_proprement(donnees: object) -> None:
    try:
        lire_entree(donnees, [ANNEE])
    except EntreeInvalide as refus:
        assert refus.erreurs
        assert all(erreur.message for erreur in refus.erreurs)
