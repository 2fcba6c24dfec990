"""L'historique sur la page d'un dossier : les 30 entrées les plus récentes, tout sur
demande (`?historique=tout`), côté Caf et côté structure, en un nombre constant de
requêtes quelle que soit sa longueur."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.historique import HISTORIQUE_RECENT
from clas.dossiers.models import Evenement
from tests.outils import texte

pytestmark = pytest.mark.django_db

PAGES = {
    "instructeur": ("/instruction/dossiers/{pk}/", "historique-complet"),
    "porteur": ("/dossiers/{pk}/", "historique"),
}


def _noter(dossier, nombre: int) -> None:
    for rang in range(nombre):
        Evenement.noter(dossier, TypeEvenement.ATTESTATION, f"Note numéro {rang:03d}.")


def _notes(page: str) -> list[str]:
    return re.findall(r"Note numéro (\d{3})\.", page)


@pytest.mark.parametrize("persona", PAGES)
def test_un_long_historique_montre_les_plus_recentes_et_tout_sur_demande(
    request, persona, dossier_depose
) -> None:
    client = request.getfixturevalue(persona)
    adresse, ancre = PAGES[persona]
    adresse = adresse.format(pk=dossier_depose.pk)
    _noter(dossier_depose, HISTORIQUE_RECENT + 20)

    page = texte(client.get(adresse))
    notes = _notes(page)
    assert len(notes) == HISTORIQUE_RECENT  # création et dépôt sont plus anciens
    assert notes[0] == f"{HISTORIQUE_RECENT + 19:03d}"  # la plus récente d'abord
    assert "Afficher tout l'historique" in page
    assert f'href="?historique=tout#{ancre}"' in client.get(adresse).content.decode()

    tout = client.get(adresse, {"historique": "tout"})
    assert len(_notes(texte(tout))) == HISTORIQUE_RECENT + 20
    assert "Dépôt" in texte(tout)
    assert "N'afficher que les 30 entrées les plus récentes" in texte(tout)


@pytest.mark.parametrize("persona", PAGES)
def test_un_historique_court_est_montre_en_entier_sans_lien(
    request, persona, dossier_depose
) -> None:
    client = request.getfixturevalue(persona)
    _noter(dossier_depose, 3)
    page = texte(client.get(PAGES[persona][0].format(pk=dossier_depose.pk)))
    assert len(_notes(page)) == 3
    assert "Afficher tout l'historique" not in page
    tout = texte(client.get(PAGES[persona][0].format(pk=dossier_depose.pk), {"historique": "tout"}))
    assert len(_notes(tout)) == 3
    assert "N'afficher que" not in tout


@pytest.mark.parametrize("persona", PAGES)
def test_la_page_fait_autant_de_requetes_avec_10_ou_200_entrees(
    request, persona, dossier_depose
) -> None:
    client = request.getfixturevalue(persona)
    adresse = PAGES[persona][0].format(pk=dossier_depose.pk)
    _noter(dossier_depose, 10)
    client.get(adresse)
    with CaptureQueriesContext(connection) as peu:
        client.get(adresse)
    _noter(dossier_depose, 190)
    with CaptureQueriesContext(connection) as beaucoup:
        client.get(adresse)
    assert len(beaucoup) == len(peu)
