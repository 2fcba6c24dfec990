"""Une panne du serveur de courriel ne fait perdre aucune action : l'inscription et
l'invitation réussissent, la personne lit que le courriel arrivera, et la tâche de fond
`envoyer_courriel` le retente (backend immédiat du développement, puis backend base de
données servi par `db_worker`, avec ses attentes) jusqu'au succès ou à l'abandon journalisé.

Le transport réel est remplacé par `TransportEnPanne` : il échoue (SMTP) autant de fois
qu'on le lui dit, puis dépose le courriel dans `mail.outbox` comme le backend locmem."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks.backends.database.models import DBTaskResult

from clas.comptes.models import Utilisateur
from clas.core import courriels
from clas.core.courriels import AVIS_DIFFERE, envoyer
from clas.structures.models import Invitation, Structure
from tests.outils import texte

TRANSPORT = f"{__name__}.TransportEnPanne"
MOT = "un-mot-de-passe-bien-long-2026"


class TransportEnPanne(EmailBackend):
    pannes_restantes = 0
    essais = 0

    def send_messages(self, messages: Any) -> int:
        TransportEnPanne.essais += 1
        if TransportEnPanne.pannes_restantes > 0:
            TransportEnPanne.pannes_restantes -= 1
            raise smtplib.SMTPServerDisconnected("Connexion fermée par le serveur")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def transport_en_panne(settings) -> type[TransportEnPanne]:
    # pytest-django met le backend locmem ; on remet celui de la plateforme devant le faux
    # transport.
    settings.EMAIL_BACKEND = "clas.core.courriels.EnvoiAvecReprises"
    settings.CLAS_TRANSPORT_COURRIEL = TRANSPORT
    TransportEnPanne.pannes_restantes = 0
    TransportEnPanne.essais = 0
    return TransportEnPanne


@pytest.fixture
def base_de_donnees(settings) -> None:
    """Les reprises passent par la base, comme en production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}


def inscrire(client: Client) -> Any:
    return client.post(
        "/inscription/",
        {
            "email": "camille.martin@centre-social.fr",
            "prenom": "Camille",
            "nom": "Martin",
            "password1": MOT,
            "password2": MOT,
        },
        follow=True,
    )


def travailleur() -> None:
    """Une passe du travailleur de production sur les tâches dues."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db
def test_sans_panne_le_courriel_part_sans_tache_ni_avertissement(anonyme: Client) -> None:
    page = texte(inscrire(anonyme))
    assert len(mail.outbox) == 1
    assert AVIS_DIFFERE not in page
    assert TransportEnPanne.essais == 1


@pytest.mark.django_db
def test_une_panne_smtp_ne_fait_pas_echouer_l_inscription_et_le_courriel_arrive(
    anonyme: Client, transport_en_panne
) -> None:
    """Backend immédiat (développement, tests) : les reprises sont tentées aussitôt."""
    transport_en_panne.pannes_restantes = 2
    reponse = inscrire(anonyme)
    assert reponse.status_code == 200
    assert reponse.redirect_chain[-1][0] == "/inscription/envoyee/"
    assert Utilisateur.objects.filter(email="camille.martin@centre-social.fr").exists()
    assert AVIS_DIFFERE in texte(reponse)
    assert transport_en_panne.essais == 3
    assert len(mail.outbox) == 1
    assert "/inscription/confirmer/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # `on_commit` dans la requête
def test_une_panne_pendant_une_invitation_ne_l_annule_pas(
    porteur: Client, structure_a: Structure, transport_en_panne
) -> None:
    """Un courriel de `envoyer`, après validation de la transaction (`on_commit`)."""
    transport_en_panne.pannes_restantes = 1
    reponse = porteur.post(
        f"/structures/{structure_a.pk}/membres/",
        {"email": "nouvelle@exemple.fr", "role": "contributeur"},
        follow=True,
    )
    assert reponse.status_code == 200
    assert Invitation.objects.filter(email="nouvelle@exemple.fr").exists()
    assert AVIS_DIFFERE in texte(reponse)
    assert [m.to for m in mail.outbox] == [["nouvelle@exemple.fr"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_en_production_la_tache_est_retentee_avec_ses_attentes_jusqu_au_succes(
    anonyme: Client, base_de_donnees, transport_en_panne
) -> None:
    transport_en_panne.pannes_restantes = 3  # le premier envoi et deux reprises
    depart = timezone.now()
    with time_machine.travel(depart, tick=False) as horloge:
        reponse = inscrire(anonyme)
        assert AVIS_DIFFERE in texte(reponse)
        assert Utilisateur.objects.filter(email="camille.martin@centre-social.fr").exists()
        assert mail.outbox == []
        tache = DBTaskResult.objects.get()
        assert tache.args_kwargs["args"][1] == 2  # le deuxième essai
        assert tache.run_after == depart + dt.timedelta(minutes=1)

        travailleur()  # pas encore l'heure
        assert DBTaskResult.objects.get().status == "READY"

        for attente in courriels.ATTENTES[:3]:
            horloge.shift(attente)
            travailleur()
        assert len(mail.outbox) == 1
        assert "/inscription/confirmer/" in mail.outbox[0].body
        essais = DBTaskResult.objects.order_by("enqueued_at", "run_after")
        assert [t.status for t in essais] == ["FAILED", "FAILED", "SUCCEEDED"]
        assert [t.args_kwargs["args"][1] for t in essais] == [2, 3, 4]
    assert transport_en_panne.essais == 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_apres_le_dernier_essai_le_courriel_est_abandonne_et_journalise(
    base_de_donnees, transport_en_panne, caplog
) -> None:
    transport_en_panne.pannes_restantes = 1000
    with time_machine.travel(timezone.now(), tick=False) as horloge:
        assert envoyer("comptes/email_inscription", ["a@exemple.fr"], _contexte()) is False
        for attente in courriels.ATTENTES:
            horloge.shift(attente)
            travailleur()
        horloge.shift(dt.timedelta(days=1))
        with caplog.at_level(logging.ERROR, logger="clas.courriels"):
            travailleur()
    assert transport_en_panne.essais == courriels.ESSAIS
    assert DBTaskResult.objects.count() == courriels.ESSAIS - 1
    assert not DBTaskResult.objects.exclude(status="FAILED").exists()
    assert mail.outbox == []
    assert any("abandonné après 5 essais" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_la_reprise_garde_les_destinataires_le_corps_et_les_pieces_jointes(
    transport_en_panne,
) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db.models.fields.files import FieldFile

    from clas.conventions.models import Convention

    chemin = default_storage.save("lettre.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    piece = FieldFile(Convention(), Convention._meta.get_field("pdf"), chemin)
    transport_en_panne.pannes_restantes = 1
    assert (
        envoyer(
            "comptes/email_inscription",
            ["a@exemple.fr", "b@exemple.fr"],
            _contexte(),
            pieces=[(piece, "lettre.pdf")],
        )
        is False
    )
    (courriel,) = mail.outbox
    assert courriel.to == ["a@exemple.fr", "b@exemple.fr"]
    assert "https://clas.example.fr/lien" in courriel.body
    assert courriel.attachments[0][0] == "lettre.pdf"
    assert courriel.attachments[0][1] == b"%PDF-1.4\n%%EOF\n"


def _contexte() -> dict[str, Any]:
    return {
        "utilisateur": Utilisateur(prenom="Camille", nom="Martin", email="a@exemple.fr"),
        "lien": "https://clas.example.fr/lien",
        "validite_jours": 3,
    }
