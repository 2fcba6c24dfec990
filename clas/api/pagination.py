"""Pagination par curseur : une page est lue après la dernière ligne de la précédente (pas de
décalage, qui se trompe quand des lignes arrivent entre deux pages et ralentit au fond de la
liste). Le curseur est opaque : les valeurs de tri de la dernière ligne, encodées."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import models

from .erreurs import ErreurApi

M = TypeVar("M", bound=models.Model)

LIMITE_DEFAUT = 50
LIMITE_MAX = 200
REFUS_CURSEUR = "Curseur invalide : reprenez la valeur « suivant » de la page précédente."


def _encoder(valeurs: Sequence[Any]) -> str:
    texte = json.dumps([v.isoformat() if isinstance(v, dt.datetime) else v for v in valeurs])
    return base64.urlsafe_b64encode(texte.encode()).decode().rstrip("=")


def _decoder(curseur: str, champs: Sequence[str], modele: type[models.Model]) -> list[Any]:
    try:
        brut = base64.urlsafe_b64decode(curseur + "=" * (-len(curseur) % 4))
        valeurs = json.loads(brut)
    except (ValueError, UnicodeDecodeError):
        raise ErreurApi(422, REFUS_CURSEUR, champ="curseur") from None
    if not isinstance(valeurs, list) or len(valeurs) != len(champs):
        raise ErreurApi(422, REFUS_CURSEUR, champ="curseur")
    lues = []
    for champ, valeur in zip(champs, valeurs, strict=True):
        champ_modele = modele._meta.get_field(champ)
        if not isinstance(champ_modele, models.Field):
            raise TypeError(f"{champ} n'est pas un champ de {modele.__name__}.")
        try:
            lues.append(champ_modele.to_python(valeur))
        except Exception:
            raise ErreurApi(422, REFUS_CURSEUR, champ="curseur") from None
    if any(v is None for v in lues):
        raise ErreurApi(422, REFUS_CURSEUR, champ="curseur")
    return lues


def _apres(champs: Sequence[str], valeurs: Sequence[Any]) -> models.Q:
    """(a, b) > (x, y) écrit en Q : a > x, ou a = x et b > y."""
    condition = models.Q()
    for rang in range(len(champs)):
        egaux = {champ: valeurs[i] for i, champ in enumerate(champs[:rang])}
        condition |= models.Q(**egaux, **{f"{champs[rang]}__gt": valeurs[rang]})
    return condition


def paginer(
    requete: models.QuerySet[M], curseur: str | None, limite: int, champs: Sequence[str] = ("pk",)
) -> tuple[list[M], str | None]:
    """Les `limite` lignes après le curseur, dans l'ordre de `champs` (le dernier unique), et
    le curseur de la page suivante (None à la fin)."""
    requete = requete.order_by(*champs)
    if curseur:
        champs_modele = ["id" if c == "pk" else c for c in champs]
        requete = requete.filter(_apres(champs, _decoder(curseur, champs_modele, requete.model)))
    lignes = list(requete[: limite + 1])
    if len(lignes) <= limite:
        return lignes, None
    lignes = lignes[:limite]
    dernier = lignes[-1]
    return lignes, _encoder([getattr(dernier, c) for c in champs])
