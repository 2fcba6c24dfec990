"""La liste des campagnes (le national voit les 101 Caf) et celle des propositions à valider
sont paginées ; le nombre affiché est le total."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.campagnes.views import CAMPAGNES_PAR_PAGE
from clas.referentiel.models import Caf
from tests.instruction.outils import creer_campagne
from tests.outils import texte

pytestmark = pytest.mark.django_db


def test_le_national_voit_les_campagnes_par_pages(national, utilisateurs) -> None:
    for caf in Caf.objects.order_by("code")[: CAMPAGNES_PAR_PAGE + 5]:
        creer_campagne(caf, cree_par=utilisateurs["valideur"])

    premiere = texte(national.get("/campagnes/"))
    seconde = texte(national.get("/campagnes/", {"page": "2"}))

    assert f"Campagnes ({CAMPAGNES_PAR_PAGE + 5})" in premiere
    corps = premiere.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert len(re.findall(r"<tr\b", corps)) == CAMPAGNES_PAR_PAGE
    assert "Page suivante" in premiere and "Page précédente" in seconde


def test_la_liste_des_campagnes_a_un_nombre_de_requetes_constant(national, utilisateurs) -> None:
    cafs = list(Caf.objects.order_by("code")[:40])
    for caf in cafs[:3]:
        creer_campagne(caf, cree_par=utilisateurs["valideur"])
    with CaptureQueriesContext(connection) as peu:
        national.get("/campagnes/")
    for caf in cafs[3:]:
        creer_campagne(caf, cree_par=utilisateurs["valideur"])
    with CaptureQueriesContext(connection) as beaucoup:
        national.get("/campagnes/")

    assert len(beaucoup) == len(peu)
