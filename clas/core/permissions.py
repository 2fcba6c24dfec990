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
