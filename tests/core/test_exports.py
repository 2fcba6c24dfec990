"""Les cellules des exports : aucune formule, des nombres et des dates lisibles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clas.core.exports import cellule_csv, ligne_csv, texte_sur


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 00", "'+33 6 00"),
        ("-2", "'-2"),
        ("@SOMME(A1)", "'@SOMME(A1)"),
        ("\tcaché", "'\tcaché"),
        ("\rcaché", "'\rcaché"),
        ("Centre social", "Centre social"),
        ("", ""),
    ],
)
def test_un_texte_qui_serait_une_formule_est_neutralise(valeur, attendu):
    assert texte_sur(valeur) == attendu


def test_les_montants_et_les_dates_restent_des_nombres_et_des_dates():
    assert cellule_csv(Decimal("-150")) == "-150,00"  # un montant négatif n'est pas un texte
    assert cellule_csv(Decimal("4500")) == "4500,00"
    assert cellule_csv(dt.date(2026, 12, 2)) == "02/12/2026"
    assert cellule_csv(None) == ""
    assert cellule_csv(3) == "3"
    assert ligne_csv(["=A1", Decimal("1.5")]) == ["'=A1", "1,50"]
