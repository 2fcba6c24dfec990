"""La matrice des personas de l'attribution des dossiers depuis la file et du lien
d'invitation d'un agent (les pages des équipes : tests/instruction/test_equipe_vues.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db


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
