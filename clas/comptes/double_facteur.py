"""La double authentification des agents de Caf et de l'administration nationale.

Les appareils sont ceux de django-otp : une application d'authentification (TOTP, code à
6 chiffres) et 10 codes de secours à usage unique. Ce module y ajoute ce que la plateforme
décide : qui est concerné, la limite des essais par compte, le navigateur de confiance et
le journal (`EvenementDoubleFacteur`).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from base64 import b32encode
from dataclasses import dataclass
from textwrap import wrap

import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import DoubleFacteur, EvenementDoubleFacteur, Utilisateur
from .roles import agent_de

NB_CODES_DE_SECOURS = 10
ECHECS_AVANT_ATTENTE = 5
ATTENTE_APRES_ECHECS = dt.timedelta(minutes=15)
DUREE_CONFIANCE = dt.timedelta(days=30)
COOKIE_CONFIANCE = "clas_navigateur_de_confiance"
SEL_CONFIANCE = "clas.comptes.navigateur_de_confiance"
# Un code présenté jusqu'à 5 minutes en retard (ou déjà servi) est dit « expiré » plutôt que
# « faux » : la personne sait qu'il faut attendre le code suivant, pas vérifier sa saisie.
PAS_TOLERES_POUR_EXPIRE = 10

Type = EvenementDoubleFacteur.Type


def est_obligatoire() -> bool:
    return bool(settings.CLAS_2FA_OBLIGATOIRE)


def est_concerne(utilisateur: Utilisateur | AnonymousUser) -> bool:
    """Les agents de Caf et l'administration nationale ; pas les porteurs de projet."""
    if not utilisateur.is_authenticated:
        return False
    return bool(utilisateur.est_admin_national) or agent_de(utilisateur) is not None


def etat(utilisateur: Utilisateur) -> DoubleFacteur:
    return DoubleFacteur.objects.get_or_create(utilisateur=utilisateur)[0]


def application(utilisateur: Utilisateur) -> TOTPDevice | None:
    """L'application d'authentification confirmée de cette personne, s'il y en a une."""
    return TOTPDevice.objects.filter(user=utilisateur, confirmed=True).first()


def est_active(utilisateur: Utilisateur) -> bool:
    return bool(TOTPDevice.objects.filter(user=utilisateur, confirmed=True).exists())


def codes_restants(utilisateur: Utilisateur) -> int:
    return int(StaticToken.objects.filter(device__user=utilisateur, device__confirmed=True).count())


def journaliser(
    utilisateur: Utilisateur, type_: str, auteur: Utilisateur | None, motif: str = ""
) -> EvenementDoubleFacteur:
    return EvenementDoubleFacteur.objects.create(
        utilisateur=utilisateur, type=type_, auteur=auteur, motif=motif
    )


# --- Enrôlement ------------------------------------------------------------------------------


def application_en_attente(utilisateur: Utilisateur) -> TOTPDevice:
    """La clé proposée à l'enrôlement : la même tant qu'elle n'est pas confirmée, pour qu'un
    rechargement de la page ne rende pas caduque celle déjà scannée."""
    appareil = TOTPDevice.objects.filter(user=utilisateur, confirmed=False).first()
    if appareil is None:
        appareil = TOTPDevice.objects.create(
            user=utilisateur, name="Application d'authentification", confirmed=False
        )
    return appareil


def cle_lisible(appareil: TOTPDevice) -> str:
    """La clé en base 32, par groupes de 4, à saisir à la main si le QR code ne passe pas."""
    return " ".join(wrap(b32encode(appareil.bin_key).decode(), 4))


def qr_code_svg(appareil: TOTPDevice) -> SafeString:
    """Le QR code de l'adresse otpauth:// en SVG, rendu ici (ni CDN ni script)."""
    svg = segno.make(appareil.config_url, error="m").svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        title="QR code à scanner avec votre application d'authentification",
    )
    return mark_safe(svg)  # noqa: S308  # SVG produit par segno à partir de notre propre adresse


def nouveaux_codes_de_secours(utilisateur: Utilisateur) -> list[str]:
    """Remplace les codes de secours de la personne par 10 nouveaux et les renvoie : c'est
    la seule fois où ils sont lisibles à l'écran."""
    appareil, _ = StaticDevice.objects.get_or_create(
        user=utilisateur, defaults={"name": "Codes de secours", "confirmed": True}
    )
    appareil.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(NB_CODES_DE_SECOURS)]
    StaticToken.objects.bulk_create(StaticToken(device=appareil, token=code) for code in codes)
    return codes


# --- Vérification d'un code ------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """Le résultat d'un code saisi : l'appareil qui l'a accepté, ou le message à montrer."""

    appareil: TOTPDevice | StaticDevice | None = None
    erreur: str = ""
    code_de_secours: bool = False

    @property
    def acceptee(self) -> bool:
        return self.appareil is not None


def normaliser(code: str) -> str:
    """Espaces, tirets et majuscules ne comptent pas : « 123 456 », « ABCD-EFGH »."""
    return re.sub(r"[\s\-]", "", code or "").lower()


def message_attente(jusqu_a: dt.datetime) -> str:
    heure = timezone.localtime(jusqu_a).strftime("%H h %M")
    return (
        f"Trop de codes faux de suite : par sécurité, la vérification est suspendue. "
        f"Réessayez à partir de {heure}. Si vous avez perdu votre téléphone, utilisez un code "
        "de secours à ce moment-là, ou demandez à l'administration nationale de "
        "réinitialiser votre double authentification."
    )


def _message_code_faux(etat_: DoubleFacteur, code_de_secours: bool) -> str:
    restants = ECHECS_AVANT_ATTENTE - etat_.echecs
    if code_de_secours:
        debut = (
            "Ce code de secours n'est pas valable (il a peut-être déjà servi : chaque code ne "
            "sert qu'une fois)."
        )
    else:
        debut = (
            "Code incorrect : saisissez les 6 chiffres affichés en ce moment par votre "
            "application d'authentification."
        )
    pluriel = "s" if restants > 1 else ""
    return f"{debut} Encore {restants} essai{pluriel} avant une attente de 15 minutes."


def _est_expire(appareil: TOTPDevice, code: str) -> bool:
    """Le code a-t-il été valable il y a peu (ou déjà servi) ? Sans rien enregistrer."""
    maintenant = time.time()
    for retard in range(PAS_TOLERES_POUR_EXPIRE + 1):
        totp = TOTP(
            appareil.bin_key, appareil.step, appareil.t0, appareil.digits, appareil.drift - retard
        )
        totp.time = maintenant
        if totp.token() == int(code):
            return True
    return False


def verifier(
    utilisateur: Utilisateur, saisie: str, appareil: TOTPDevice | None = None
) -> Verification:
    """Vérifie un code à 6 chiffres (l'application `appareil`, par défaut la confirmée) ou,
    hors enrôlement, un code de secours (supprimé dès qu'il a servi). Après 5 codes faux de
    suite, tout code est refusé pendant 15 minutes, même juste."""
    code = normaliser(saisie)
    enrolement = appareil is not None
    if not code:
        return Verification(erreur="Saisissez le code à 6 chiffres de votre application.")
    est_totp = bool(re.fullmatch(r"[0-9]{6}", code))
    est_secours = not enrolement and bool(re.fullmatch(r"[a-z2-7]{8}", code))
    if not (est_totp or est_secours):
        if enrolement:
            return Verification(erreur="Le code se compose de 6 chiffres, par exemple 123456.")
        return Verification(
            erreur="Le code se compose de 6 chiffres (par exemple 123456), ou c'est un code "
            "de secours de 8 lettres et chiffres (par exemple abcd2345)."
        )
    with transaction.atomic():
        etat_ = DoubleFacteur.objects.select_for_update().get(pk=etat(utilisateur).pk)
        maintenant = timezone.now()
        if etat_.bloque_jusqu_a and etat_.bloque_jusqu_a > maintenant:
            return Verification(erreur=message_attente(etat_.bloque_jusqu_a))
        accepte: TOTPDevice | StaticDevice | None = None
        if est_totp:
            cible = appareil or application(utilisateur)
            if cible is not None:
                cible = TOTPDevice.objects.select_for_update().get(pk=cible.pk)
                if cible.verify_token(code):
                    accepte = cible
                elif _est_expire(cible, code):
                    # Un code expiré n'est pas une tentative de deviner : il ne compte pas.
                    return Verification(
                        erreur="Ce code a expiré ou a déjà servi : attendez que votre "
                        "application affiche le code suivant (il change toutes les 30 "
                        "secondes) et saisissez-le. Si cela se reproduit, vérifiez que votre "
                        "téléphone est réglé à l'heure automatique."
                    )
        else:
            secours = (
                StaticDevice.objects.select_for_update()
                .filter(user=utilisateur, confirmed=True)
                .first()
            )
            if secours is not None and secours.verify_token(code):
                accepte = secours
        if accepte is not None:
            etat_.echecs = 0
            etat_.bloque_jusqu_a = None
            etat_.save(update_fields=["echecs", "bloque_jusqu_a"])
            if est_secours:
                journaliser(utilisateur, Type.CODE_SECOURS_UTILISE, utilisateur)
            return Verification(appareil=accepte, code_de_secours=est_secours)
        etat_.echecs += 1
        if etat_.echecs >= ECHECS_AVANT_ATTENTE:
            etat_.echecs = 0
            etat_.bloque_jusqu_a = maintenant + ATTENTE_APRES_ECHECS
            etat_.save(update_fields=["echecs", "bloque_jusqu_a"])
            journaliser(utilisateur, Type.BLOCAGE, utilisateur)
            return Verification(erreur=message_attente(etat_.bloque_jusqu_a))
        etat_.save(update_fields=["echecs"])
        return Verification(erreur=_message_code_faux(etat_, est_secours))


def confirmer_enrolement(
    request: HttpRequest, appareil: TOTPDevice, saisie: str
) -> tuple[Verification, list[str]]:
    """Le premier code juste confirme l'application, crée les codes de secours et vaut
    vérification pour la session en cours."""
    utilisateur: Utilisateur = request.user  # type: ignore[assignment]  # vue réservée aux personnes connectées
    verification = verifier(utilisateur, saisie, appareil=appareil)
    if not verification.acceptee:
        return verification, []
    with transaction.atomic():
        appareil.confirmed = True
        appareil.save(update_fields=["confirmed"])
        # Une seule application : une ancienne clé confirmée (enrôlement relancé) disparaît.
        TOTPDevice.objects.filter(user=utilisateur).exclude(pk=appareil.pk).delete()
        codes = nouveaux_codes_de_secours(utilisateur)
        journaliser(utilisateur, Type.ACTIVATION, utilisateur)
    otp_login(request, appareil)
    return verification, codes


# --- Réinitialisation ------------------------------------------------------------------------


def reinitialiser(utilisateur: Utilisateur, auteur: Utilisateur | None, motif: str = "") -> None:
    """Supprime l'application et les codes de secours, oublie les navigateurs de confiance
    (la génération change) et journalise. À la prochaine page, un nouvel enrôlement.
    `auteur` : la personne elle-même, un administrateur national, ou None pour
    l'exploitation (commande `reinitialiser_double_facteur`)."""
    with transaction.atomic():
        etat_ = DoubleFacteur.objects.select_for_update().get(pk=etat(utilisateur).pk)
        TOTPDevice.objects.filter(user=utilisateur).delete()
        StaticDevice.objects.filter(user=utilisateur).delete()
        etat_.generation += 1
        etat_.echecs = 0
        etat_.bloque_jusqu_a = None
        etat_.save(update_fields=["generation", "echecs", "bloque_jusqu_a"])
        if auteur is None:
            type_ = Type.REINITIALISATION_EXPLOITATION
        elif auteur.pk == utilisateur.pk:
            type_ = Type.REINITIALISATION
        else:
            type_ = Type.REINITIALISATION_NATIONALE
        journaliser(utilisateur, type_, auteur, motif)


# --- Navigateur de confiance -----------------------------------------------------------------


def faire_confiance(response: HttpResponse, utilisateur: Utilisateur) -> None:
    """Un cookie signé, lié à la personne et à la génération de sa double authentification."""
    response.set_signed_cookie(
        COOKIE_CONFIANCE,
        f"{utilisateur.pk}:{etat(utilisateur).generation}",
        salt=SEL_CONFIANCE,
        max_age=int(DUREE_CONFIANCE.total_seconds()),
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Lax",
    )


def navigateur_de_confiance(request: HttpRequest, utilisateur: Utilisateur) -> bool:
    valeur = request.get_signed_cookie(
        COOKIE_CONFIANCE,
        default=None,
        salt=SEL_CONFIANCE,
        max_age=DUREE_CONFIANCE,
    )
    if not valeur:
        return False
    return bool(valeur == f"{utilisateur.pk}:{etat(utilisateur).generation}")


def verifier_par_confiance(request: HttpRequest, utilisateur: Utilisateur) -> bool:
    """Un navigateur de confiance vaut vérification pour la session : django-otp la retient."""
    if not navigateur_de_confiance(request, utilisateur):
        return False
    appareil = application(utilisateur)
    if appareil is None:
        return False
    otp_login(request, appareil)
    return True
