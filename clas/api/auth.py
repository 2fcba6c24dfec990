"""L'authentification de l'API par jeton personnel (« Authorization: Bearer <jeton> »).

Dans l'ordre : verrou de force brute (django-axes, par adresse IP), jeton connu, ni révoqué
ni expiré, compte actif (sinon 401) ; réseau autorisé, double authentification exigée par le
site (sinon 403) ; débit par jeton (sinon 429). La requête porte ensuite l'utilisateur du
jeton : les endpoints appliquent ses droits, par les mêmes fonctions que les pages.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from clas.comptes import force_brute
from clas.comptes.models import Utilisateur

from . import jetons
from .erreurs import ErreurApi
from .models import JetonApi


class RequeteApi(HttpRequest):
    """Une requête authentifiée par jeton (type pour mypy) : `user` est son propriétaire."""

    user: Utilisateur
    auth: JetonApi


def _secondes_restantes_de_la_minute() -> int:
    return 60 - int(time.time()) % 60


def limiter_debit(jeton: JetonApi) -> None:
    """Au plus CLAS_API_REQUETES_PAR_MINUTE requêtes par jeton et par minute (fenêtre fixe,
    compteur dans le cache de Django)."""
    limite: int = settings.CLAS_API_REQUETES_PAR_MINUTE
    cle = f"clas-api-debit-{jeton.pk}-{int(time.time()) // 60}"
    cache.add(cle, 0, timeout=120)
    try:
        nombre = cache.incr(cle)
    except ValueError:  # clé expirée entre add et incr
        cache.set(cle, 1, timeout=120)
        nombre = 1
    if nombre > limite:
        attente = _secondes_restantes_de_la_minute()
        raise ErreurApi(
            429,
            f"Trop de requêtes : ce jeton a droit à {limite} requêtes par minute. "
            f"Réessayez dans {attente} secondes.",
            retry_after=attente,
        )


def _verifier_force_brute(request: HttpRequest) -> None:
    trouve = force_brute.verrou(request, None)
    if trouve is not None:
        attente = max(1, int((trouve.jusqu_a - timezone.now()).total_seconds()))
        raise ErreurApi(
            429,
            "Trop de jetons faux présentés depuis cette adresse : accès suspendu "
            f"pendant {attente // 60 + 1} minutes.",
            retry_after=attente,
        )


def reconnaitre(request: HttpRequest, en_clair: str) -> JetonApi:
    """Le jeton de la requête, ou ErreurApi (401, 403, 429)."""
    _verifier_force_brute(request)
    jeton = jetons.trouver(en_clair.strip())
    if jeton is None:
        force_brute.compter_essai(request, None)
        raise ErreurApi(401, "Jeton inconnu : vérifiez-le, ou créez-en un dans Mon compte.")
    if jeton.est_revoque:
        raise ErreurApi(401, "Ce jeton a été révoqué : créez-en un autre dans Mon compte.")
    if jeton.est_expire:
        fin = timezone.localtime(jeton.expire_le).strftime("%d/%m/%Y")
        raise ErreurApi(401, f"Ce jeton a expiré le {fin} : créez-en un autre dans Mon compte.")
    utilisateur = jeton.utilisateur
    if not utilisateur.is_active:
        raise ErreurApi(401, "Le compte de ce jeton est désactivé.")
    adresse = force_brute.adresse_ip(request)
    if not jeton.accepte_adresse(adresse):
        jetons.prevenir_appel_refuse(jeton, adresse)
        raise ErreurApi(
            403,
            f"Ce jeton n'est pas accepté depuis l'adresse {adresse or 'inconnue'} : "
            "son propriétaire en est prévenu par courriel.",
        )
    if jetons.manque_double_facteur(utilisateur):
        raise ErreurApi(
            403,
            "Le site exige la double authentification pour votre compte : activez-la "
            "(Mon compte › Sécurité) pour que ce jeton soit accepté.",
        )
    limiter_debit(jeton)
    jetons.noter_utilisation(jeton, adresse)
    return jeton


class JetonPersonnel(HttpBearer):
    """Le schéma de sécurité « bearer » de l'OpenAPI, vérifié par `reconnaitre`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        jeton = reconnaitre(request, token)
        request.user = jeton.utilisateur
        return jeton


def exiger_ecriture(request: HttpRequest) -> None:
    """Les écritures demandent un jeton « lecture et écriture »."""
    jeton: JetonApi = request.auth  # type: ignore[attr-defined]  # posé par ninja
    if jeton.lecture_seule:
        raise ErreurApi(
            403,
            "Ce jeton est en lecture seule : créez un jeton « lecture et écriture » pour "
            "écrire par l'API.",
        )
