"""Ce qu'on tape, nettoyé avant tout formulaire : caractères de contrôle et de direction.

Un texte recopié d'un traitement de texte ou d'un courriel porte parfois des caractères
invisibles : un octet nul (que PostgreSQL refuse), des caractères de contrôle, ou des
caractères qui inversent le sens d'affichage (U+202E…) et font lire « fdp.exe » pour « exe.pdf »
dans une liste. Ils sont retirés de chaque valeur de formulaire (GET et POST) avant qu'une vue
ne la lise : ils n'ont de sens dans aucun champ de la plateforme, et les retirer plutôt que de
refuser la saisie évite à la personne de chercher un caractère qu'elle ne voit pas. Les sauts
de ligne et tabulations restent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict

# C0 sauf tabulation et sauts de ligne, DEL, C1 ; puis les marques et surcharges de direction
# (U+200E/F, U+202A–202E, U+2066–2069) et les séparateurs de ligne Unicode.
INVISIBLES = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def nettoyer(texte: str) -> str:
    return INVISIBLES.sub("", texte)


def _nettoyee(valeurs: Any) -> Any:
    if not any(
        INVISIBLES.search(cle) or any(INVISIBLES.search(v) for v in liste)
        for cle, liste in valeurs.lists()
    ):
        return valeurs
    propre = QueryDict(mutable=True, encoding=valeurs.encoding)
    for cle, liste in valeurs.lists():
        propre.setlist(nettoyer(cle), [nettoyer(valeur) for valeur in liste])
    propre._mutable = False
    return propre


class SaisieNettoyee:
    """Retire les caractères invisibles de `request.GET` et `request.POST` (les fichiers
    envoyés, eux, sont contrôlés à leur dépôt)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _nettoyee(request.GET)
        if request.method == "POST":
            request.POST = _nettoyee(request.POST)
        return self.get_response(request)
