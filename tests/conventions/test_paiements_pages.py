"""La liste des lots de /paiements/ est paginée (l'onglet reste celui des lots) ; le nombre
affiché est le total ; les requêtes ne croissent pas avec le nombre de lots."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clas.versements.models import LotPaiement
from clas.versements.views import LOTS_PAR_PAGE
from tests.outils import texte

pytestmark = pytest.mark.django_db


def creer_lots(caf, comptable, nombre: int, debut: int = 0) -> None:
    LotPaiement.objects.bulk_create(
        LotPaiement(
            caf=caf,
            numero=f"LOT-PAGE-{rang:04d}",
            date_execution=timezone.localdate(),
            nb_versements=0,
            montant_total=Decimal("0"),
            iban_emetteur="FR7630006000011234567890189",
            bic_emetteur="AGRIFRPP",
            titulaire_emetteur="Caf",
            cree_par=comptable,
        )
        for rang in range(debut, debut + nombre)
    )


def test_les_lots_sont_pagines_dans_leur_onglet(comptable, caf_rhone, utilisateurs) -> None:
    creer_lots(caf_rhone, utilisateurs["comptable"], LOTS_PAR_PAGE + 2)

    premiere = texte(comptable.get("/paiements/", {"onglet": "lots"}))
    seconde = texte(comptable.get("/paiements/", {"onglet": "lots", "lots": "2"}))

    assert f"Lots ({LOTS_PAR_PAGE + 2})" in premiere
    assert len(re.findall(r"LOT-PAGE-\d{4}</a>", premiere)) == LOTS_PAR_PAGE
    assert len(re.findall(r"LOT-PAGE-\d{4}</a>", seconde)) == 2
    assert 'href="?lots=2&onglet=lots"' in premiere  # texte() décode &amp;


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_lots(
    comptable, caf_rhone, utilisateurs
) -> None:
    creer_lots(caf_rhone, utilisateurs["comptable"], 2)
    with CaptureQueriesContext(connection) as peu:
        comptable.get("/paiements/", {"onglet": "lots"})
    creer_lots(caf_rhone, utilisateurs["comptable"], 60, debut=2)
    with CaptureQueriesContext(connection) as beaucoup:
        comptable.get("/paiements/", {"onglet": "lots"})

    assert len(beaucoup) == len(peu)
