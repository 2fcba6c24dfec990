"""IBAN et BIC contrôlés par schwifty : longueur du pays, clé IBAN et clé RIB, zone SEPA."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clas.core.validators import iban_fr, valider_bic, valider_iban, valider_rna


@pytest.mark.parametrize(
    "iban",
    [
        "FR7630006000011234567890189",
        "fr76 3000 6000 0112 3456 7890 189",  # espaces et minuscules, comme on les recopie
        "DE89370400440532013000",  # Allemagne : 22 caractères, zone SEPA
        "MC5811222000010123456789030",  # Monaco : hors UE, mais zone SEPA
        iban_fr("102780730000023456789"),
    ],
)
def test_un_iban_de_la_zone_sepa_est_accepte(iban: str) -> None:
    valider_iban(iban)


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("FR7630006000011234567890188", "clé de contrôle incorrecte"),
        # Clé IBAN juste mais clé RIB (les deux derniers chiffres du compte) fausse.
        ("FR7610278073000002345678943", "clé de contrôle incorrecte"),
        ("FR763000600001123456789018", "27 caractères"),
        ("DE8937040044053201300", r"exactement 22 caractères \(ici 21\)"),
        ("XX7630006000011234567890189", "« XX » n'est pas un pays"),
        ("BR1500000000000010932840814P2", "zone SEPA"),  # Brésil : IBAN valide, hors SEPA
        ("3000600001123456789018", "commence par 2 lettres"),
    ],
)
def test_un_iban_faux_est_refuse_avec_ce_qu_il_faut_corriger(iban: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        valider_iban(iban)


@pytest.mark.parametrize("bic", ["AGRIFRPP", "BNPAFRPPXXX", "agrifrpp", "DEUTDEFF", ""])
def test_un_bic_de_la_zone_sepa_est_accepte(bic: str) -> None:
    valider_bic(bic)


@pytest.mark.parametrize(
    ("bic", "message"),
    [
        ("AGRIFR", "8 ou 11 caractères"),
        ("AGRI1RPP", "8 ou 11 caractères"),
        ("AGRIXXPP", "n'est pas un code de pays"),
        ("CHASUS33", "hors de la zone SEPA"),
    ],
)
def test_un_bic_faux_est_refuse_avec_ce_qu_il_faut_corriger(bic: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        valider_bic(bic)


def test_iban_fr_calcule_la_cle_rib_et_la_cle_iban() -> None:
    assert iban_fr("300060000112345678901") == "FR7630006000011234567890189"


@pytest.mark.parametrize(("rna", "valide"), [("W691234567", True), ("W69123456", False)])
def test_le_rna_est_controle_par_sa_forme(rna: str, valide: bool) -> None:
    if valide:
        valider_rna(rna)
    else:
        with pytest.raises(ValidationError, match="W suivi de 9 chiffres"):
            valider_rna(rna)
