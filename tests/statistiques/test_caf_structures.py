"""La liste des structures de l'accueil de la Caf est paginée, à nombre de requêtes constant."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.statistiques.views import STRUCTURES_PAR_PAGE
from tests.factories import StructureFactory
from tests.outils import texte

pytestmark = pytest.mark.django_db


def lignes(page: str) -> int:
    tableau = page.split("Structures porteuses de la Caf", 1)[1].split("</table>", 1)[0]
    return len(re.findall(r"<tr><td>", tableau))


def test_les_structures_sont_paginees_et_le_compte_est_le_total(
    instructeur, caf_rhone, caf_somme
) -> None:
    StructureFactory.create_batch(STRUCTURES_PAR_PAGE + 3, caf=caf_rhone)
    StructureFactory.create(caf=caf_somme)  # pas dans la liste du Rhône
    total = caf_rhone.structures.count()

    premiere = texte(instructeur.get("/caf/"))
    derniere = texte(instructeur.get("/caf/", {"structures": "2"}))

    assert f"Structures de la Caf ({total})" in premiere
    assert lignes(premiere) == STRUCTURES_PAR_PAGE
    assert lignes(derniere) == total - STRUCTURES_PAR_PAGE
    assert "Page suivante" in premiere and "Page précédente" in derniere


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_structures(
    instructeur, caf_rhone
) -> None:
    StructureFactory.create_batch(3, caf=caf_rhone)
    with CaptureQueriesContext(connection) as peu:
        instructeur.get("/caf/")
    StructureFactory.create_batch(60, caf=caf_rhone)
    with CaptureQueriesContext(connection) as beaucoup:
        instructeur.get("/caf/")

    assert len(beaucoup) == len(peu)


def test_une_page_inexistante_montre_la_derniere_sans_erreur(instructeur, caf_rhone) -> None:
    assert instructeur.get("/caf/", {"structures": "999"}).status_code == 200
    assert instructeur.get("/caf/", {"structures": "abc"}).status_code == 200
