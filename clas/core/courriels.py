"""Un seul chemin pour les courriels de la plateforme : rendre le sujet et le corps (gabarits
texte `<gabarit>_sujet.txt` et `<gabarit>.txt`), joindre les PDF, envoyer ; et
`apres_validation` pour n'envoyer qu'une fois la transaction validée (jamais un courriel
pour une action annulée)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string

journal = logging.getLogger("clas.courriels")


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
    courriel.send()
    return True


def apres_validation(fonction: Callable[..., object], *args: Any) -> None:
    """`fonction(*args)` une fois la transaction validée ; une erreur (serveur de courriel
    absent…) est journalisée sans annuler l'action déjà enregistrée."""
    transaction.on_commit(partial(fonction, *args), robust=True)
