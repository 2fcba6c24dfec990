"""Qui atteint la page d'un dossier côté Caf et ses actions : tous les personas, toutes
les URL (DESIGN.md §6). Un agent d'une autre Caf et un porteur reçoivent 404 ; le national
lit la page et chaque action lui est refusée (403, lecture seule) ;
le valideur et le comptable voient, annotent et écrivent, mais ne prennent ni ne corrigent
le dossier (403)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clas.dossiers.models import EtatDossier
from tests.conftest import PERSONAS

DONNEES = {
    "instruction_prendre": {"instructeur_vu": ""},
    "instruction_corriger": {
        "collectif": "",
        "dossier-depenses_totales": "14000",
        "dossier-motif": "Frais de siège non éligibles.",
    },
    "instruction_annoter": {"texte": "Appeler la directrice."},
    "instruction_message": {"texte": "Bonjour, pouvez-vous préciser les horaires ?"},
    "instruction_complements": {
        "etapes": ["budget"],
        "message": "Détaillez les frais de personnel.",
        "echeance": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    },
}

# Ce que reçoit chaque persona connecté, agent de la Caf ou non.
REFUS_404 = {"porteur", "porteur_autre", "instructeur_autre_caf"}
ATTENDU = {
    # url: {persona: statut} pour les agents de la Caf du dossier
    "instruction_dossier": {"instructeur": 200, "valideur": 200, "comptable": 200, "national": 200},
    "instruction_calcul": {"instructeur": 200, "valideur": 200, "comptable": 200, "national": 200},
    "instruction_prendre": {"instructeur": 302, "valideur": 403, "comptable": 403, "national": 403},
    "instruction_corriger": {
        "instructeur": 302,
        "valideur": 403,
        "comptable": 403,
        "national": 403,
    },
    "instruction_annoter": {"instructeur": 302, "valideur": 302, "comptable": 302, "national": 403},
    "instruction_message": {"instructeur": 302, "valideur": 302, "comptable": 302, "national": 403},
    "instruction_complements": {
        "instructeur": 302,
        "valideur": 403,
        "comptable": 403,
        "national": 403,
    },
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("nom", list(ATTENDU))
def test_chaque_persona_recoit_la_bonne_reponse_sur_chaque_url(
    request, client_de, persona, nom, utilisateurs
) -> None:
    # Prendre : sur un dossier déposé ; les autres actions : sur un dossier en instruction
    # attribué au persona « instructeur ».
    fixture = "dossier_depose" if nom == "instruction_prendre" else "dossier_instruit"
    dossier = request.getfixturevalue(fixture)
    client = client_de(persona)
    url = reverse(nom, args=[dossier.pk])
    donnees = DONNEES.get(nom)
    reponse = client.post(url, donnees) if donnees else client.get(url)

    if persona == "anonyme":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith(reverse("connexion"))
    elif persona in REFUS_404:
        assert reponse.status_code == 404
    else:
        assert reponse.status_code == ATTENDU[nom][persona], reponse.content[:2000]


LECTURES = {"instruction_dossier", "instruction_calcul"}


@pytest.mark.parametrize("nom", [n for n in ATTENDU if n not in LECTURES])
def test_les_actions_refusent_get(instructeur, dossier_instruit, nom) -> None:
    assert instructeur.get(reverse(nom, args=[dossier_instruit.pk])).status_code == 405


@pytest.mark.parametrize("nom", sorted(LECTURES))
def test_un_brouillon_n_est_pas_visible_cote_caf(instructeur, dossier, nom) -> None:
    assert dossier.etat == EtatDossier.BROUILLON
    assert instructeur.get(reverse(nom, args=[dossier.pk])).status_code == 404


def test_un_dossier_inconnu_donne_404(instructeur, utilisateurs) -> None:
    assert instructeur.get(reverse("instruction_dossier", args=[999999])).status_code == 404


def test_un_instructeur_non_attribue_ne_corrige_pas_et_ne_demande_pas_de_complements(
    dossier_instruit, dossier_collegue
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(dossier_collegue)
    for nom in ("instruction_corriger", "instruction_complements"):
        reponse = client.post(reverse(nom, args=[dossier_instruit.pk]), DONNEES[nom])
        assert reponse.status_code == 403
    page = client.get(reverse("instruction_dossier", args=[dossier_instruit.pk]))
    assert 'id="form-prendre"' in page.content.decode()
    assert "Corriger ce collectif" not in page.content.decode()
