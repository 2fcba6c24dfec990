"""Un seul chemin pour les courriels de la plateforme : rendre le sujet et le corps (gabarits
texte `<gabarit>_sujet.txt` et `<gabarit>.txt`), joindre les PDF, envoyer ; et
`apres_validation` pour n'envoyer qu'une fois la transaction validée (jamais un courriel
pour une action annulée).

Une panne du serveur de courriel ne fait jamais échouer l'action : `EnvoiAvecReprises`, le
backend de courriel de la plateforme (`EMAIL_BACKEND`), passe chaque courriel au transport
réel (`CLAS_TRANSPORT_COURRIEL` : SMTP, console…) et confie celui qui ne part pas à la tâche
de fond `envoyer_courriel` (django-tasks), qui le retente jusqu'à `ESSAIS` fois, de plus en
plus espacées ; la personne qui agit en est avertie (`CourrielsDifferes`). Tous les courriels
en profitent, ceux d'`envoyer` comme ceux de `django.contrib.auth` et des comptes."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

journal = logging.getLogger("clas.courriels")

ESSAIS = 5  # le premier, tout de suite, puis 4 reprises
# L'attente avant chacune des reprises (essais 2 à 5) : un peu plus d'une heure et
# vingt minutes en tout, de quoi passer une coupure ordinaire du serveur de courriel.
ATTENTES = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
)
AVIS_DIFFERE = (
    "Votre action est bien enregistrée. Le courriel qui l'annonce n'a pas pu partir tout de "
    "suite : il sera renvoyé automatiquement dans les prochaines minutes, vous n'avez rien "
    "à refaire."
)

# Les courriels différés pendant la requête en cours (None hors d'une requête).
_differes: ContextVar[list[str] | None] = ContextVar("courriels_differes", default=None)


def envoyer(
    gabarit: str,
    destinataires: Iterable[str],
    contexte: dict[str, Any],
    *,
    sujet: str | None = None,
    pieces: Iterable[tuple[FieldFile | None, str]] = (),
) -> bool:
    """Envoie le courriel du gabarit à ces destinataires, avec les PDF `pieces` (fichier,
    nom) qui existent. Sans destinataire, rien n'est envoyé et c'est journalisé. Renvoie
    True si le courriel est parti."""
    destinataires = list(destinataires)
    if not destinataires:
        journal.warning("Courriel %s sans destinataire (%s)", gabarit, contexte.get("dossier"))
        return False
    if sujet is None:
        sujet = render_to_string(f"{gabarit}_sujet.txt", contexte)
    courriel = EmailMessage(
        subject=" ".join(sujet.split()),
        body=render_to_string(f"{gabarit}.txt", contexte),
        to=destinataires,
    )
    for fichier, nom in pieces:
        if fichier:
            with fichier.open("rb") as contenu:
                courriel.attach(nom, contenu.read(), "application/pdf")
    # Parti, ou confié aux reprises si le serveur de courriel est en panne.
    return courriel.send() == 1


class EnvoiAvecReprises(BaseEmailBackend):
    """Le backend de courriel de la plateforme : chaque courriel part par le transport réel ;
    celui qui échoue (SMTP, réseau, DNS…) est confié à la tâche de fond, et la requête en
    cours le note pour avertir la personne. Il ne lève donc jamais pour une panne d'envoi."""

    def send_messages(self, email_messages: Any) -> int:
        partis = 0
        for courriel in email_messages:
            try:
                partis += _transport().send_messages([courriel]) or 0
            except Exception:  # toute panne d'envoi : la reprise s'en charge
                journal.warning(
                    "Courriel « %s » non envoyé, confié aux reprises",
                    courriel.subject,
                    exc_info=True,
                )
                differes = _differes.get()
                if differes is not None:
                    differes.append(courriel.subject)
                _planifier(_en_donnees(courriel), essai=2)
        return partis


def _transport() -> BaseEmailBackend:
    return get_connection(settings.CLAS_TRANSPORT_COURRIEL, fail_silently=False)


def _en_donnees(courriel: EmailMessage) -> dict[str, Any]:
    """Le courriel en JSON, tel que la tâche de fond le reçoit (pièces en base64)."""
    pieces = []
    for piece in courriel.attachments:
        # Les pièces de la plateforme sont des (nom, contenu, type) ; un MIMEBase tout fait
        # n'est pas mis en JSON : l'erreur remonte, comme sans reprise.
        nom, contenu, type_mime = piece
        brut = contenu if isinstance(contenu, bytes) else str(contenu).encode()
        pieces.append([nom, base64.b64encode(brut).decode("ascii"), type_mime])
    alternatives = getattr(courriel, "alternatives", [])
    return {
        "sujet": courriel.subject,
        "corps": courriel.body,
        "de": courriel.from_email,
        "a": list(courriel.to),
        "cc": list(courriel.cc),
        "cci": list(courriel.bcc),
        "repondre_a": list(courriel.reply_to),
        "entetes": dict(courriel.extra_headers),
        "pieces": pieces,
        "alternatives": [[str(contenu), type_mime] for contenu, type_mime in alternatives],
    }


def _depuis_donnees(donnees: dict[str, Any]) -> EmailMultiAlternatives:
    courriel = EmailMultiAlternatives(
        subject=donnees["sujet"],
        body=donnees["corps"],
        from_email=donnees["de"],
        to=donnees["a"],
        cc=donnees["cc"],
        bcc=donnees["cci"],
        reply_to=donnees["repondre_a"],
        headers=donnees["entetes"],
    )
    for nom, contenu, type_mime in donnees["pieces"]:
        courriel.attach(nom, base64.b64decode(contenu), type_mime)
    for contenu, type_mime in donnees["alternatives"]:
        courriel.attach_alternative(contenu, type_mime)
    return courriel


def _planifier(donnees: dict[str, Any], essai: int) -> None:
    """Confie l'essai `essai` à la tâche de fond, après son attente si le backend sait
    différer (base de données) ; le backend immédiat (développement) le tente aussitôt."""
    tache = envoyer_courriel
    if tache.get_backend().supports_defer:
        tache = tache.using(run_after=timezone.now() + ATTENTES[essai - 2])
    tache.enqueue(donnees, essai)


@task()
def envoyer_courriel(donnees: dict[str, Any], essai: int) -> None:
    """Un nouvel essai d'un courriel qui n'est pas parti. En échec, l'essai suivant est
    planifié, jusqu'au dernier, puis l'abandon est journalisé (niveau erreur : l'exploitation
    le voit) ; l'exception remonte pour que la tâche soit notée en échec."""
    try:
        _transport().send_messages([_depuis_donnees(donnees)])
    except Exception:
        if essai >= ESSAIS:
            journal.error(
                "Courriel « %s » à %s abandonné après %d essais",
                donnees["sujet"],
                ", ".join(donnees["a"]),
                essai,
            )
        else:
            journal.warning("Courriel « %s » : essai %d en échec", donnees["sujet"], essai)
            _planifier(donnees, essai + 1)
        raise
    journal.info("Courriel « %s » parti à l'essai %d", donnees["sujet"], essai)


class CourrielsDifferes:
    """Middleware (après celui des messages) : si un courriel de la requête n'a pas pu
    partir, la personne lit qu'il arrivera quand même."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        jeton = _differes.set([])
        try:
            reponse = self.get_response(request)
            if _differes.get() and hasattr(request, "_messages"):
                messages.info(request, AVIS_DIFFERE)
        finally:
            _differes.reset(jeton)
        return reponse


def apres_validation(fonction: Callable[..., object], *args: Any) -> None:
    """`fonction(*args)` une fois la transaction validée ; une erreur (serveur de courriel
    absent…) est journalisée sans annuler l'action déjà enregistrée."""
    transaction.on_commit(partial(fonction, *args), robust=True)
