"""Force brute : les essais comptés par compte et par adresse IP, avec django-axes.

Axes compte les échecs de connexion lui-même (son moteur d'authentification et le signal
`user_login_failed`). Les autres portes qu'on pourrait essayer à la chaîne passent par
`compter_essai` et `refuser_si_verrouille` : mot de passe oublié, lien de nouveau mot de
passe faux, inscription et son lien de confirmation faux, demande d'un nouveau lien. Les
jetons d'API s'y branchent de même (`clas/api/auth.py`) : `verrou(request, None)` avant de
lire le jeton (429 en JSON), `compter_essai(request, None)` quand il est inconnu.

Réglages (config/settings.py) : 10 essais en 15 minutes sur un compte ou depuis une adresse
IP verrouillent 15 minutes après le dernier. Le verrou d'un compte se lève aussi par un lien
reçu par courriel (jeton signé, valable une heure, qui ne sert que pour ce verrou-là).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Utilisateur

SEL_DEBLOCAGE = "clas.comptes.deblocage"
VALIDITE_DEBLOCAGE = dt.timedelta(hours=1)


def adresse_ip(request: HttpRequest) -> str | None:
    """L'adresse du visiteur : REMOTE_ADDR, ou derrière `CLAS_MANDATAIRES` mandataires
    inverses, l'adresse qu'ils ont vue (X-Forwarded-For lu depuis la droite : ce qu'un
    visiteur écrit lui-même à gauche n'est pas cru)."""
    mandataires: int = settings.CLAS_MANDATAIRES
    if mandataires > 0:
        chaine = [
            adresse.strip()
            for adresse in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if adresse.strip()
        ]
        if len(chaine) >= mandataires:
            return str(chaine[-mandataires])
    adresse = request.META.get("REMOTE_ADDR")
    return str(adresse) if adresse else None


def _normalise(identifiant: object) -> str | None:
    texte = str(identifiant or "").strip().lower()
    return texte or None


def identifiant_saisi(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """Le compte visé, comme le formulaire le lit : « Nom@Exemple.fr » et « nom@exemple.fr »
    sont le même compte (AXES_USERNAME_CALLABLE)."""
    if credentials and credentials.get("username"):
        return _normalise(credentials["username"])
    return _normalise(request.POST.get("username") or request.POST.get("email"))


def parametres_verrou(
    request_ou_essai: Any, credentials: dict[str, Any] | None
) -> list[str | list[str]]:
    """Par compte et par adresse IP (AXES_LOCKOUT_PARAMETERS) ; un essai sans compte connu
    (lien faux) ne compte que pour l'adresse IP : sinon tous les essais sans compte, d'où
    qu'ils viennent, s'additionneraient sous le « compte » vide."""
    if isinstance(request_ou_essai, HttpRequest):
        identifiant = identifiant_saisi(request_ou_essai, credentials)
    else:
        identifiant = getattr(request_ou_essai, "username", None)
    return ["username", "ip_address"] if identifiant else ["ip_address"]


@dataclass(frozen=True)
class Verrou:
    jusqu_a: dt.datetime
    compte: bool  # le compte est verrouillé (sinon, seulement l'adresse IP)


def _fin(essais: Any) -> tuple[int, dt.datetime | None]:
    agregat = essais.aggregate(total=Sum("failures_since_start"), dernier=Max("attempt_time"))
    return int(agregat["total"] or 0), agregat["dernier"]


def verrou(request: HttpRequest, identifiant: str | None) -> Verrou | None:
    """Le verrou qui arrête ce visiteur pour ce compte, ou None. Même décision qu'axes
    (`is_locked`), avec en plus l'heure de fin et ce qui est verrouillé."""
    if not settings.AXES_ENABLED:
        return None
    identifiant = _normalise(identifiant)
    if not AxesProxyHandler.is_locked(request, {"username": identifiant}):
        return None
    depuis = timezone.now() - settings.AXES_COOLOFF_TIME
    recents = AccessAttempt.objects.filter(attempt_time__gte=depuis)
    limite: int = settings.AXES_FAILURE_LIMIT
    fins: list[tuple[bool, dt.datetime]] = []
    if identifiant:
        total, dernier = _fin(recents.filter(username=identifiant))
        if total >= limite and dernier is not None:
            fins.append((True, dernier))
    ip = adresse_ip(request)
    if ip:
        total, dernier = _fin(recents.filter(ip_address=ip))
        if total >= limite and dernier is not None:
            fins.append((False, dernier))
    if not fins:
        # Axes a verrouillé par une règle qu'on ne détaille pas : la durée entière.
        return Verrou(jusqu_a=timezone.now() + settings.AXES_COOLOFF_TIME, compte=False)
    return Verrou(
        jusqu_a=max(fin for _, fin in fins) + settings.AXES_COOLOFF_TIME,
        compte=any(compte for compte, _ in fins),
    )


def compter_essai(request: HttpRequest, identifiant: str | None) -> None:
    """Un essai de plus pour ce compte (s'il est connu) et cette adresse IP, compté par axes
    comme un échec de connexion. La demande en cours aboutit ; le verrou qu'elle a pu poser
    arrête la suivante (`refuser_si_verrouille`), pas celle-ci (le middleware d'axes
    remplacerait sinon sa réponse)."""
    if settings.AXES_ENABLED:
        user_login_failed.send(
            sender=__name__, credentials={"username": _normalise(identifiant)}, request=request
        )
        request.axes_locked_out = False  # type: ignore[attr-defined]  # attribut posé par axes


def refuser_si_verrouille(request: HttpRequest, identifiant: str | None) -> HttpResponse | None:
    """La page de verrouillage si ce compte ou cette adresse IP est verrouillé, sinon None."""
    if verrou(request, identifiant) is None:
        return None
    return reponse_verrouillage(request, None, {"username": identifiant})


def reponse_verrouillage(
    request: HttpRequest,
    reponse_origine: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """La page française du verrouillage (AXES_LOCKOUT_CALLABLE), code 429 : quand réessayer
    et comment débloquer le compte."""
    identifiant = identifiant_saisi(request, credentials)
    trouve = verrou(request, identifiant)
    jusqu_a = trouve.jusqu_a if trouve else timezone.now() + settings.AXES_COOLOFF_TIME
    return render(
        request,
        "comptes/verrouillage.html",
        {
            "titre": "Trop d'essais : accès suspendu",
            "jusqu_a": timezone.localtime(jusqu_a),
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "limite": settings.AXES_FAILURE_LIMIT,
            "compte_verrouille": trouve.compte if trouve else False,
            "email": identifiant or "",
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# --- Déblocage par courriel -------------------------------------------------------------------


def _debut_verrou(email: str) -> str | None:
    """L'heure du dernier essai compté sur ce compte : elle désigne le verrou en cours
    (un essai pendant le verrou n'est pas compté, elle ne bouge donc pas)."""
    depuis = timezone.now() - settings.AXES_COOLOFF_TIME
    total, dernier = _fin(AccessAttempt.objects.filter(username=email, attempt_time__gte=depuis))
    if total < settings.AXES_FAILURE_LIMIT or dernier is None:
        return None
    return dernier.isoformat()


def jeton_deblocage(utilisateur: Utilisateur) -> str | None:
    debut = _debut_verrou(utilisateur.email)
    if debut is None:
        return None
    return signing.dumps({"u": utilisateur.pk, "v": debut}, salt=SEL_DEBLOCAGE)


def envoyer_deblocage(request: HttpRequest, email: str) -> None:
    """Envoie le lien de déblocage si ce compte existe et est verrouillé ; un seul courriel
    par verrou, pour que la demande ne serve pas à inonder une boîte."""
    utilisateur = Utilisateur.objects.filter(email=_normalise(email) or "").first()
    if utilisateur is None:
        return
    jeton = jeton_deblocage(utilisateur)
    if jeton is None:
        return
    deja = f"clas-deblocage-{utilisateur.pk}-{_debut_verrou(utilisateur.email)}"
    if not cache.add(deja, True, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds())):
        return
    contexte = {
        "utilisateur": utilisateur,
        "lien": request.build_absolute_uri(reverse("deblocage", args=[jeton])),
        "validite_minutes": int(VALIDITE_DEBLOCAGE.total_seconds() // 60),
    }
    send_mail(
        render_to_string("comptes/email_deblocage_sujet.txt", contexte).strip(),
        render_to_string("comptes/email_deblocage.txt", contexte),
        None,
        [utilisateur.email],
    )


def debloquer(jeton: str) -> Utilisateur | None:
    """Lève le verrou du compte désigné par le jeton ; None si le jeton est faux, expiré ou
    si ce verrou n'existe plus (lien déjà utilisé, ou verrou fini)."""
    try:
        contenu = signing.loads(jeton, salt=SEL_DEBLOCAGE, max_age=VALIDITE_DEBLOCAGE)
        utilisateur = Utilisateur.objects.get(pk=contenu["u"])
    except (signing.BadSignature, KeyError, TypeError, Utilisateur.DoesNotExist):
        return None
    if _debut_verrou(utilisateur.email) != contenu.get("v"):
        return None
    AxesProxyHandler.reset_attempts(username=utilisateur.email)
    return utilisateur


def oublier_echecs(utilisateur: Utilisateur) -> None:
    """Le compte a prouvé qu'il tient sa boîte (nouveau mot de passe choisi) : ses échecs
    passés ne le bloquent plus. Le verrou d'une adresse IP, lui, reste."""
    if settings.AXES_ENABLED:
        AxesProxyHandler.reset_attempts(username=utilisateur.email)
