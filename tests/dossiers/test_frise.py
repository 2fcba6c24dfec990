"""La frise d'un dossier, fonction pure : pour chaque moment de la vie du dossier, les étapes
faites, celle en cours (avec ce qui vient ensuite et son échéance), celles à venir."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clas.dossiers.frise import Faits, construire_frise

J = dt.date
CODES = [
    "depot",
    "instruction",
    "decision",
    "convention",
    "acompte",
    "bilan",
    "regularisation",
    "cloture",
]
ACCORD = {
    "decision": "accord",
    "decidee_le": J(2026, 8, 20),
    "montant_accorde": Decimal("4500"),
    "depose_le": J(2026, 6, 1),
    "date_limite_bilan": J(2027, 9, 30),
}
SIGNEE = {**ACCORD, "convention_etablie_le": J(2026, 8, 20), "convention_signee_le": J(2026, 9, 1)}
ACOMPTE_PAYE = {
    **SIGNEE,
    "acompte_etat": "paye",
    "acompte_montant": Decimal("3150"),
    "acompte_paye_le": J(2026, 9, 10),
}
BILAN_ACCEPTE = {**ACOMPTE_PAYE, "bilan_etat": "accepte", "bilan_accepte_le": J(2027, 7, 1)}


def statuts(frise) -> list[str]:
    return [j.statut for j in frise.jalons]


@pytest.mark.parametrize(
    ("faits", "courant", "echeance", "a_vous", "mot"),
    [
        (Faits("brouillon", cloture_depots=J(2026, 7, 18)), "depot", J(2026, 7, 18), True,
         "avant le 18/07/2026"),
        (Faits("depose", depose_le=J(2026, 6, 1)), "instruction", None, False, "instruit"),
        (Faits("complements_demandes", depose_le=J(2026, 6, 1),
               echeance_complements=J(2026, 6, 20)), "instruction", J(2026, 6, 20), True,
         "compléments"),
        (Faits("accepte", **ACCORD), "convention", None, False, "établit la convention"),
        (Faits("accepte", **{**ACCORD, "convention_etablie_le": J(2026, 8, 20)}), "convention",
         None, True, "signe"),
        (Faits("accepte", **{**SIGNEE, "acompte_etat": "mis_en_paiement",
                              "acompte_montant": Decimal("3150")}), "acompte", None, False,
         "3\u00a0150,00\u00a0€ mis en paiement"),
        (Faits("accepte", **ACOMPTE_PAYE), "bilan", J(2027, 9, 30), True, "avant le 30/09/2027"),
        (Faits("accepte", **{**ACOMPTE_PAYE, "bilan_etat": "depose"}), "bilan", None, False,
         "examine"),
        (Faits("accepte", **{**ACOMPTE_PAYE, "bilan_etat": "a_corriger"}), "bilan",
         J(2027, 9, 30), True, "corrections"),
        (Faits("accepte", **{**BILAN_ACCEPTE, "indu_etat": "ouvert",
                              "indu_montant": Decimal("450"), "indu_echeance": J(2027, 8, 31)}),
         "regularisation", J(2027, 8, 31), True, "Remboursez l'indu de 450,00\u00a0€"),
        (Faits("accepte", **{**BILAN_ACCEPTE, "solde_etat": "a_valider",
                              "solde_montant": Decimal("900")}), "regularisation", None, False,
         "Solde de 900,00\u00a0€ à valider"),
        (Faits("accepte", **BILAN_ACCEPTE), "cloture", None, False, "clôturé"),
    ],
)  # fmt: skip
def test_l_etape_en_cours_dit_ce_qui_vient_et_son_echeance(
    faits, courant, echeance, a_vous, mot
) -> None:
    frise = construire_frise(faits)
    assert [j.code for j in frise.jalons] == CODES
    assert frise.courant is not None and frise.courant.code == courant
    assert frise.courant.echeance == echeance
    assert frise.courant.par_la_structure is a_vous
    assert mot in frise.courant.detail
    rang = CODES.index(courant)
    assert statuts(frise) == ["fait"] * rang + ["en_cours"] + ["a_venir"] * (7 - rang)
    assert frise.rang_courant == rang + 1


def test_les_etapes_faites_portent_leur_date() -> None:
    frise = construire_frise(Faits("accepte", **ACOMPTE_PAYE))
    dates = {j.code: j.date for j in frise.jalons}
    assert dates["depot"] == J(2026, 6, 1)
    assert dates["decision"] == J(2026, 8, 20)
    assert dates["convention"] == J(2026, 9, 1)
    assert dates["acompte"] == J(2026, 9, 10)
    assert "4\u00a0500,00\u00a0€ accordés" in frise.jalons[2].detail


def test_une_etape_a_venir_montre_deja_son_echeance() -> None:
    frise = construire_frise(Faits("accepte", **ACCORD))
    bilan = frise.jalons[CODES.index("bilan")]
    assert bilan.statut == "a_venir"
    assert bilan.echeance == J(2027, 9, 30)
    assert frise.suivant is not None and frise.suivant.code == "acompte"


def test_un_indu_rembourse_puis_la_cloture_terminent_la_frise() -> None:
    frise = construire_frise(
        Faits(
            "cloture",
            **{
                **BILAN_ACCEPTE,
                "indu_etat": "rembourse",
                "indu_montant": Decimal("450"),
                "indu_rembourse_le": J(2027, 8, 1),
            },
            cloture_le=J(2027, 8, 1),
        )
    )
    assert statuts(frise) == ["fait"] * 8
    assert frise.terminee and frise.courant is None and frise.rang_courant == 8
    assert frise.jalons[6].titre == "Indu"
    assert frise.jalons[7].date == J(2027, 8, 1)


def test_ni_solde_ni_indu_quand_les_versements_egalent_le_montant_definitif() -> None:
    frise = construire_frise(Faits("accepte", **BILAN_ACCEPTE))
    regularisation = frise.jalons[6]
    assert regularisation.statut == "fait"
    assert "Ni solde ni indu" in regularisation.detail


@pytest.mark.parametrize(("etat", "decision"), [("refuse", "refus"), ("sans_suite", "sans_suite")])
def test_apres_un_refus_les_etapes_de_l_argent_sont_sans_objet(etat, decision) -> None:
    frise = construire_frise(
        Faits(etat, depose_le=J(2026, 6, 1), decision=decision, decidee_le=J(2026, 8, 1))
    )
    assert statuts(frise) == ["fait"] * 3 + ["sans_objet"] * 5
    assert frise.terminee
