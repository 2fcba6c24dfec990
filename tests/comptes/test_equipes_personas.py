"""La matrice des personas des pages des équipes : le national gère toutes les Caf ; un
agent sans le rôle de responsable, un porteur, un anonyme n'y ont pas accès (le responsable
d'une Caf : tests/comptes/test_equipes.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clas.comptes.models import AgentCaf
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

CONSULTATIONS = ["equipes_accueil", "equipe_caf", "equipe_inviter", "equipe_agent"]
ACTIONS = ["equipe_roles", "equipe_desactiver", "equipe_reactiver", "equipe_renvoyer"]


def _adresse(nom: str, agent: AgentCaf) -> str:
    if nom == "equipes_accueil":
        return reverse(nom)
    if nom in ("equipe_caf", "equipe_inviter"):
        return reverse(nom, args=[agent.caf_id])
    return reverse(nom, args=[agent.pk])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("nom", CONSULTATIONS + ACTIONS)
def test_qui_ouvre_les_pages_des_equipes(client_de, utilisateurs, persona, nom) -> None:
    agent = AgentCaf.objects.get(utilisateur=utilisateurs["instructeur"])
    client = client_de(persona)
    url = _adresse(nom, agent)
    reponse = client.get(url) if nom in CONSULTATIONS else client.post(url, {})
    if persona == "anonyme":
        assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]
    elif persona == "national" and nom in CONSULTATIONS:
        assert reponse.status_code == 200, reponse.status_code
    elif persona == "national":
        # Le national agit ; un envoi vide est refusé pour son contenu (motif manquant, agent
        # déjà actif), pas pour ses droits.
        assert reponse.status_code in (302, 400, 403), reponse.status_code
    else:
        assert reponse.status_code in (403, 404), reponse.status_code


@pytest.mark.parametrize("persona", PERSONAS)
def test_qui_attribue_des_dossiers_depuis_la_file(client_de, persona) -> None:
    reponse = client_de(persona).post(reverse("instruction_attribuer"), {})
    if persona == "anonyme":
        assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]
    elif persona in ("porteur", "porteur_autre", "national"):
        assert reponse.status_code in (403, 404), reponse.status_code
    else:
        # Un agent sans le rôle de responsable : refus clair, ou retour à la file avec un message.
        assert reponse.status_code in (302, 403), reponse.status_code


@pytest.mark.parametrize("persona", PERSONAS)
def test_un_lien_d_invitation_faux_est_refuse_a_tous(client_de, persona) -> None:
    reponse = client_de(persona).get(reverse("invitation_accepter", args=["OQ", "faux-jeton"]))
    assert reponse.status_code in (200, 302, 400, 404)
    assert "Choisissez votre mot de passe" not in reponse.content.decode()
