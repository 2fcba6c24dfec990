"""Fixtures des conventions : un dossier accepté (4 500,00 €) et sa convention."""

from __future__ import annotations

import pytest

from clas.conventions.models import Convention
from clas.instruction import decisions
from tests.factories import MembreStructureFactory
from tests.instruction.conftest import decision_instruit, decision_proposition  # noqa: F401

# Les fixtures de la régularisation (indu, remboursements, avenants, clôture).
from .regularisation_fabrique import regul_acompte_paye, regul_indu, regul_signee  # noqa: F401


@pytest.fixture
def convention_decision(decision_proposition, utilisateurs, django_capture_on_commit_callbacks):  # noqa: F811
    """L'accord de 4 500,00 € validé, avec ses suites (lettre, courriel, convention)."""
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.valider(decision_proposition, utilisateurs["valideur"])
    decision.refresh_from_db()
    return decision


@pytest.fixture
def convention(convention_decision) -> Convention:
    return Convention.objects.get(dossier=convention_decision.dossier)


@pytest.fixture
def convention_contributeur(structure_a):
    """Un contributeur de la structure A : il voit le dossier mais ne signe pas."""
    return MembreStructureFactory(
        utilisateur__email="contributeur.a@exemple.fr", structure=structure_a, role="contributeur"
    ).utilisateur


@pytest.fixture
def convention_signataire(structure_a):
    return MembreStructureFactory(
        utilisateur__email="signataire.a@exemple.fr", structure=structure_a, role="signataire"
    ).utilisateur
