"""L'invitation d'un agent : le courriel avec son lien signé, le mot de passe choisi par
l'invité (erreur, correction, enregistrement), un lien qui ne sert qu'une fois."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from clas.comptes import equipes
from clas.comptes.models import AgentCaf, EvenementAgent, Utilisateur
from tests.outils import texte

pytestmark = pytest.mark.django_db


def _authentifie(email: str, mot_de_passe: str) -> bool:
    """Le mot de passe est-il accepté (par les moteurs du site, django-axes compris) ?"""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    return (
        authenticate(RequestFactory().post("/connexion/"), username=email, password=mot_de_passe)
        is not None
    )


LIEN = re.compile(r"https?://\S+(/invitation/\S+/\S+/)")
MOT = "un-mot-de-passe-bien-long-2026"


def inviter(client: Client, caf_id: int, **changements: object) -> object:
    donnees: dict[str, object] = {
        "email": "paul.durand@caf69.fr",
        "prenom": "Paul",
        "nom": "Durand",
        "roles": ["est_instructeur"],
    }
    donnees.update(changements)
    return client.post(f"/equipes/{caf_id}/inviter/", donnees)


def lien_recu() -> str:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    trouve = LIEN.search(mail.outbox[0].body)
    assert trouve, mail.outbox[0].body
    return trouve.group(1)


def test_l_invitation_part_par_courriel_apres_l_enregistrement(
    responsable, caf_rhone, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        reponse = inviter(responsable, caf_rhone.pk)

    agent = AgentCaf.objects.get(utilisateur__email="paul.durand@caf69.fr")
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/equipes/agents/{agent.pk}/"
    message = mail.outbox[0]
    assert message.to == ["paul.durand@caf69.fr"]
    assert "Caf du Rhône" in message.subject
    assert "instructeur" in message.body and "Isabelle Fontaine" in message.body
    lien_recu()


def test_l_invite_choisit_son_mot_de_passe_apres_une_erreur_et_arrive_sur_sa_page(
    responsable, caf_rhone, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        inviter(responsable, caf_rhone.pk)
    lien = lien_recu()
    invite = Client()

    page = invite.get(lien)
    assert page.status_code == 200
    assert "Caf du Rhône" in texte(page) and "paul.durand@caf69.fr" in texte(page)

    erreur = invite.post(lien, {"new_password1": MOT, "new_password2": MOT + "x"})
    assert erreur.status_code == 200
    assert "mots de passe ne correspondent pas" in texte(erreur)
    assert not Utilisateur.objects.get(email="paul.durand@caf69.fr").has_usable_password()

    correction = invite.post(lien, {"new_password1": MOT, "new_password2": MOT})
    assert correction.status_code == 302
    utilisateur = Utilisateur.objects.get(email="paul.durand@caf69.fr")
    assert utilisateur.check_password(MOT)
    assert invite.get("/mon-accueil/")["Location"] == "/caf/"
    assert EvenementAgent.objects.filter(
        agent__utilisateur=utilisateur, type=EvenementAgent.Type.INVITATION_ACCEPTEE
    ).exists()

    # Le lien a servi : rouvert, il est refusé ; le mot de passe choisi reste.
    rechargement = Client().get(lien)
    assert rechargement.status_code == 400
    assert "n'est plus valable" in texte(rechargement)
    assert _authentifie("paul.durand@caf69.fr", MOT)


def test_un_lien_d_invitation_altere_est_refuse(responsable, caf_rhone) -> None:
    inviter(responsable, caf_rhone.pk)
    agent = AgentCaf.objects.get(utilisateur__email="paul.durand@caf69.fr")
    lien = lien_recu() if mail.outbox else ""
    assert not lien  # le courriel ne part qu'après la transaction (capturé ci-dessus)

    reponse = Client().get(f"/invitation/{agent.utilisateur_id}/faux-jeton/")

    assert reponse.status_code == 400
    assert "n'est plus valable" in texte(reponse)


def test_le_lien_d_un_agent_desactive_ne_sert_plus(
    responsable, utilisateurs, caf_rhone, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        inviter(responsable, caf_rhone.pk)
    lien = lien_recu()
    agent = AgentCaf.objects.get(utilisateur__email="paul.durand@caf69.fr")

    equipes.desactiver(agent, utilisateurs["national"], "Erreur d'adresse")

    assert Client().get(lien).status_code == 400
    envoi = Client().post(
        "/inscription/nouveau-lien/", {"email": "paul.durand@caf69.fr"}, follow=False
    )
    assert envoi.status_code == 302
    assert len(mail.outbox) == 1  # aucun lien de confirmation : l'inscription ne le réactive pas


def test_l_invitation_renvoyee_est_journalisee(
    responsable, caf_rhone, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        inviter(responsable, caf_rhone.pk)
    agent = AgentCaf.objects.get(utilisateur__email="paul.durand@caf69.fr")

    with django_capture_on_commit_callbacks(execute=True):
        reponse = responsable.post(f"/equipes/agents/{agent.pk}/renvoyer-l-invitation/")

    assert reponse.status_code == 302
    assert len(mail.outbox) == 2
    assert EvenementAgent.objects.filter(
        agent=agent, type=EvenementAgent.Type.INVITATION_RENVOYEE
    ).exists()
