from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clas.bareme import arrondir, formater_euros, formater_nombre

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        pytest.param("2.345", "2.35", id="demi-centime-vers-le-haut"),
        pytest.param("2.125", "2.13", id="pas-d-arrondi-bancaire"),
        pytest.param("2.3449999", "2.34", id="juste-sous-le-demi-centime"),
        pytest.param("2563", "2563.00", id="entier-complete-a-deux-decimales"),
        pytest.param("-2.345", "-2.35", id="negatif-demi-centime-s-eloigne-de-zero"),
    ],
)
def test_arrondir_au_centime_le_plus_proche_demi_centime_vers_le_haut(
    montant: str, attendu: str
) -> None:
    assert str(arrondir(Decimal(montant))) == attendu


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        pytest.param("8889", f"8{NBSP}889,00{NBSP}€", id="milliers"),
        pytest.param("0", f"0,00{NBSP}€", id="zero"),
        pytest.param("1431.5", f"1{NBSP}431,50{NBSP}€", id="cinquante-centimes"),
        pytest.param("-1234.5", f"-1{NBSP}234,50{NBSP}€", id="negatif"),
        pytest.param("1234567.891", f"1{NBSP}234{NBSP}567,89{NBSP}€", id="millions-arrondi"),
        pytest.param("0.005", f"0,01{NBSP}€", id="arrondi-avant-affichage"),
        pytest.param("-0.001", f"0,00{NBSP}€", id="pas-de-moins-zero"),
        pytest.param("1E+3", f"1{NBSP}000,00{NBSP}€", id="notation-scientifique"),
    ],
)
def test_formater_euros_a_la_francaise(montant: str, attendu: str) -> None:
    assert formater_euros(Decimal(montant)) == attendu


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        pytest.param(Decimal("0.325"), "0,325", id="taux"),
        pytest.param(Decimal("0.70"), "0,70", id="zeros-conserves"),
        pytest.param(36, "36", id="entier"),
        pytest.param(1000, f"1{NBSP}000", id="entier-milliers"),
        pytest.param(Decimal("7886.00"), f"7{NBSP}886,00", id="montant"),
        pytest.param(Decimal("-1234.5"), f"-1{NBSP}234,5", id="negatif"),
    ],
)
def test_formater_nombre_ecrit_la_valeur_telle_quelle(valeur: Decimal | int, attendu: str) -> None:
    assert formater_nombre(valeur) == attendu


@given(
    montant=st.decimals(
        allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12
    )
)
def test_formater_euros_ecrit_le_nombre_arrondi_a_la_francaise(montant: Decimal) -> None:
    """Le format rapide (groupement de Python) écrit le même texte que `formater_nombre`."""
    assert formater_euros(montant) == f"{formater_nombre(arrondir(montant))}\u00a0€"


def test_formater_euros_n_ecrit_pas_moins_zero() -> None:
    assert formater_euros(Decimal("-0.001")) == "0,00\u00a0€"
    assert formater_euros(Decimal("-0.005")) == "-0,01\u00a0€"
