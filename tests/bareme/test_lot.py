"""Un lot partage d'un projet à l'autre ce que le calcul a déjà fait (projets, collectifs,
étapes, montants, textes encodés) : chaque projet y obtient exactement le résultat de la
référence, et sa ligne est octet pour octet celle de `json.dumps(resultat_vers_json(…))`,
même quand les caches débordent et se vident en cours de lot."""

from __future__ import annotations

import json
from dataclasses import replace
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from clas.bareme import (
    EncodeurDeLot,
    Entree,
    Parametres,
    calcul,
    calculer,
    contrat,
    resultat_vers_json,
)
from tests.bareme.reference_calcul import calculer_reference
from tests.bareme.test_proprietes import entrees, parametres_valides


def _avec_repetitions(lot: list[Entree]) -> list[Entree]:
    """Le lot, ses projets repris avec les dépenses du premier (même base, autres
    collectifs), puis le lot à l'envers : chaque cache sert, en plus d'être rempli."""
    premier = lot[0]
    memes_depenses = [replace(e, depenses_totales=premier.depenses_totales) for e in lot]
    return lot + memes_depenses + lot[::-1]


def _verifier_lot(parametres: Parametres, lot: list[Entree]) -> None:
    encodeur = EncodeurDeLot()
    for entree in _avec_repetitions(lot):
        resultat = calculer(entree, parametres)
        assert resultat == calculer_reference(entree, parametres)
        attendu = json.dumps(
            resultat_vers_json(resultat), ensure_ascii=False, separators=(",", ":")
        )
        assert encodeur.resultat_utf8(resultat) == attendu.encode()
        assert encodeur.resultat(resultat) == attendu


@settings(max_examples=40, deadline=None)
@given(parametres=parametres_valides(), lot=st.lists(entrees, min_size=1, max_size=12))
def test_un_lot_donne_a_chaque_projet_le_resultat_de_la_reference(
    parametres: Parametres, lot: list[Entree]
) -> None:
    _verifier_lot(parametres, lot)


@settings(max_examples=40, deadline=None)
@given(parametres=parametres_valides(), lot=st.lists(entrees, min_size=1, max_size=12))
def test_des_caches_qui_debordent_ne_changent_rien(
    parametres: Parametres, lot: list[Entree]
) -> None:
    with (
        mock.patch.object(calcul, "_CACHE_MAX", 3),
        mock.patch.object(calcul, "_ELIGIBILITES_MAX", 2),
        mock.patch.object(contrat, "_ETAPES_MAX", 5),
        mock.patch.object(contrat, "_UTILISES_MAX", 2),
    ):
        _verifier_lot(parametres, lot)
