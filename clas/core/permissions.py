"""Garde des vues par rôle. Un visiteur anonyme est envoyé vers la connexion ; une personne
connectée sans le rôle reçoit un refus clair (403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de

Vue = Callable[..., HttpResponseBase]

# Le refus de toute action à l'administration nationale : elle lit, les Caf (ou la
# structure) agissent.
LECTURE_SEULE = (
    "L'administration nationale consulte les files et les dossiers de toutes les Caf en "
    "lecture seule : cette action revient aux agents de la Caf."
)
LECTURE_SEULE_STRUCTURE = (
    "L'administration nationale consulte les files et les dossiers de toutes les Caf en "
    "lecture seule : cette action revient à la structure porteuse."
)
METHODES_SURES = ("GET", "HEAD", "OPTIONS")


class RequeteConnectee(HttpRequest):
    """La requête d'une vue gardée par `connexion_requise`, `agent_requis` ou
    `national_requis` : son utilisateur est connecté. Un type pour mypy seulement (Django
    passe un HttpRequest) ; les vues gardées l'annoncent pour lire `request.user`."""

    user: Utilisateur


def _garde(condition: Callable[[Any], bool], refus: str) -> Callable[[Vue], Vue]:
    def decorateur(vue: Vue) -> Vue:
        @wraps(vue)
        def enveloppe(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not condition(request.user):
                raise PermissionDenied(refus)
            return vue(request, *args, **kwargs)

        return enveloppe

    return decorateur


national_requis = _garde(
    lambda u: u.est_admin_national, "Cette page est réservée à l'administration nationale."
)
agent_requis = _garde(
    lambda u: agent_de(u) is not None, "Cette page est réservée aux agents des Caf."
)
connexion_requise = _garde(lambda u: True, "")
# Les exports des listes : les agents pour leur Caf, l'administration nationale pour toutes.
agent_ou_national_requis = _garde(
    lambda u: u.est_admin_national or agent_de(u) is not None,
    "Cette page est réservée aux agents des Caf et à l'administration nationale.",
)


def en_lecture_seule(utilisateur: Any) -> bool:
    """L'administration nationale (sans rôle d'agent) lit les dossiers de toutes les Caf
    sans y agir."""
    return bool(
        utilisateur.is_authenticated
        and utilisateur.est_admin_national
        and agent_de(utilisateur) is None
    )


def refuser_en_lecture_seule(utilisateur: Any, refus: str = LECTURE_SEULE) -> None:
    """Refuse l'action à l'administration nationale, avec un message clair (403)."""
    if en_lecture_seule(utilisateur):
        raise PermissionDenied(refus)


def lecture_seule_refusee(
    *, refus: str = LECTURE_SEULE, toutes_methodes: bool = False
) -> Callable[[Vue], Vue]:
    """Garde d'une vue d'action : l'administration nationale reçoit `refus` (403) avant
    toute lecture de la base ; une lecture (GET) passe, sauf `toutes_methodes` (la page
    n'est que le formulaire de l'action). Les autres gardes de la vue s'appliquent ensuite."""

    def decorateur(vue: Vue) -> Vue:
        @wraps(vue)
        def enveloppe(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if toutes_methodes or request.method not in METHODES_SURES:
                refuser_en_lecture_seule(request.user, refus)
            return vue(request, *args, **kwargs)

        return enveloppe

    return decorateur
