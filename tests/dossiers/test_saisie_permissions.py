"""Qui ouvre les étapes de saisie et l'estimation d'un dossier, sur tous les personas.

Le dossier est le brouillon de la structure A (persona « porteur ») : un membre d'une autre
structure et les agents reçoivent 404 ; un visiteur anonyme va à la connexion."""

from __future__ import annotations

import pytest

from clas.dossiers.models import Dossier, EtatDossier
from tests.conftest import PERSONAS

from .outils_saisie import PROJET

pytestmark = pytest.mark.django_db

ETAPES = ["projet", "collectifs", "budget", "documents", "attestation"]
LECTURE = dict.fromkeys(PERSONAS, 404) | {"anonyme": "connexion", "porteur": 200}


def verifier(reponse, attendu, chemin: str) -> None:
    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next={chemin}"
    else:
        assert reponse.status_code == attendu, reponse.content[:300]


@pytest.mark.parametrize("etape", ETAPES)
@pytest.mark.parametrize(("persona", "attendu"), LECTURE.items())
def test_qui_ouvre_une_etape(client_de, dossier, persona, attendu, etape) -> None:
    chemin = f"/dossiers/{dossier.pk}/etapes/{etape}/"
    verifier(client_de(persona).get(chemin), attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), LECTURE.items())
def test_qui_ouvre_l_estimation(client_de, dossier, persona, attendu) -> None:
    chemin = f"/dossiers/{dossier.pk}/estimation/"
    verifier(client_de(persona).get(chemin), attendu, chemin)


# L'administration nationale, en lecture seule, reçoit un refus clair (403) avant toute lecture.
ECRITURE = LECTURE | {"porteur": 302, "national": 403}


@pytest.mark.parametrize(("persona", "attendu"), ECRITURE.items())
def test_qui_enregistre_une_etape(client_de, dossier, persona, attendu) -> None:
    chemin = f"/dossiers/{dossier.pk}/etapes/projet/"
    reponse = client_de(persona).post(chemin, {**PROJET, "version": "1"})
    verifier(reponse, attendu, chemin)
    assert (Dossier.objects.get(pk=dossier.pk).titre == PROJET["titre"]) == (attendu == 302)


DEPOSE = dict.fromkeys(PERSONAS, 404) | {"anonyme": "connexion", "porteur": 200}


@pytest.mark.parametrize(("persona", "attendu"), DEPOSE.items())
def test_un_dossier_depose_reste_reserve_aux_membres_dans_la_saisie(
    client_de, dossier, persona, attendu
) -> None:
    """Les agents voient un dossier déposé sur sa page de suivi, pas dans la saisie."""
    Dossier.objects.filter(pk=dossier.pk).update(etat=EtatDossier.DEPOSE)
    chemin = f"/dossiers/{dossier.pk}/etapes/projet/"
    verifier(client_de(persona).get(chemin), attendu, chemin)


def test_un_dossier_inexistant_est_introuvable(porteur, dossier) -> None:
    assert porteur.get("/dossiers/999999/etapes/projet/").status_code == 404
