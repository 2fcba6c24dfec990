"""`manage.py reparer_conventions` : la convention d'un accord qui n'en a pas est établie,
un PDF manquant est produit ; une seconde exécution ne fait rien."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clas.conventions.models import Convention

pytestmark = pytest.mark.django_db


def _lancer(*options: str) -> str:
    sortie = io.StringIO()
    call_command("reparer_conventions", *options, stdout=sortie)
    return sortie.getvalue()


def test_une_convention_manquante_est_etablie_avec_son_pdf_une_seule_fois(convention_decision):
    Convention.objects.filter(dossier=convention_decision.dossier).delete()

    assert "Simulation" in _lancer("--simulation")
    assert not Convention.objects.exists()

    assert "1 convention(s) établie(s), 1 PDF produit(s)." in _lancer()
    convention = Convention.objects.get(dossier=convention_decision.dossier)
    assert convention.decision == convention_decision
    assert convention.montant_maximal == convention_decision.montant
    assert convention.pdf

    assert "0 convention(s) établie(s), 0 PDF produit(s)." in _lancer()
    assert Convention.objects.count() == 1


def test_un_pdf_manquant_est_produit(convention):
    Convention.objects.filter(pk=convention.pk).update(pdf="")
    assert "1 PDF produit(s)" in _lancer()
    convention.refresh_from_db()
    assert convention.pdf


def test_l_accord_et_sa_convention_sont_enregistres_ensemble(
    decision_proposition, utilisateurs, django_capture_on_commit_callbacks
):
    """La convention existe dès la transaction de la décision, avant toute suite."""
    from clas.instruction import decisions

    with django_capture_on_commit_callbacks(execute=False):
        decision = decisions.valider(decision_proposition, utilisateurs["valideur"])
    convention = Convention.objects.get(dossier=decision.dossier)
    assert convention.decision == decision
    assert not convention.pdf  # le PDF vient après la transaction
