"""Fixtures des données personnelles : un dossier clôturé, par le vrai circuit (convention
signée, acompte payé dans un lot et inscrit au grand livre, bilan accepté)."""

from __future__ import annotations

import pytest

from clas.dossiers.models import EtatDossier
from tests.conventions.conftest import convention, convention_decision  # noqa: F401
from tests.conventions.regularisation_fabrique import (  # noqa: F401
    ACOMPTE,
    accepter_bilan,
    regul_acompte_paye,
    regul_signee,
)
from tests.instruction.conftest import decision_instruit, decision_proposition  # noqa: F401


@pytest.fixture
def dossier_clos(regul_acompte_paye, utilisateurs):  # noqa: F811
    accepter_bilan(regul_acompte_paye, utilisateurs["instructeur"], str(ACOMPTE))
    dossier = regul_acompte_paye.dossier
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.CLOTURE
    return dossier
