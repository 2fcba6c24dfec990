"""Les sessions : leur durée pour les agents et l'administration nationale, et la liste des
sessions ouvertes de chacun.

- Un agent de Caf ou un administrateur national est déconnecté après
  `CLAS_SESSION_AGENT_INACTIVITE` sans activité (30 minutes) et `CLAS_SESSION_AGENT_DUREE_MAX`
  en tout (8 heures) ; les porteurs gardent `SESSION_COOKIE_AGE`. Les heures de connexion
  et de dernière activité sont dans la session ; `comptes.middleware.SessionsSuivies` les
  contrôle à chaque requête.
- Chaque session connectée a sa `SessionOuverte` (même clé que la session de Django) :
  navigateur et système lus dans le User-Agent (ua-parser), adresse IP tronquée (/24 en IPv4,
  /48 en IPv6 : assez pour reconnaître un lieu, pas une personne), dernière activité. Fermer
  une session supprime la session de Django : la personne y est aussitôt déconnectée.

Pourquoi pas django-user-sessions : sa dernière version (2.0.0, décembre 2022) ne se déclare
pas compatible avec Django 5, et elle remplace `django.contrib.sessions` (moteur, middleware
et table) ; un petit modèle à côté des sessions de Django suffit ici.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils import timezone
from ua_parser import parse

from .double_facteur import est_concerne
from .force_brute import adresse_ip
from .models import SessionOuverte, Utilisateur

CLE_CONNEXION = "clas_connexion"
CLE_ACTIVITE = "clas_activite"
# La dernière activité d'une session de porteur n'est écrite qu'une fois par minute : une
# écriture à chaque requête pour une liste à la minute près ne vaudrait pas son coût.
PAS_ACTIVITE = dt.timedelta(minutes=1)
# Celle d'un agent, dont l'inactivité ferme la session, toutes les 20 secondes au plus : la
# session se ferme au pire 20 s avant la limite, jamais après ; écrire la session à chaque
# page coûtait trois allers-retours (BEGIN, UPDATE, COMMIT) et une écriture par page lue.
PAS_ACTIVITE_AGENT = dt.timedelta(seconds=20)

MESSAGE_INACTIVITE = (
    "Votre session a expiré après {minutes} minutes sans activité : reconnectez-vous pour "
    "continuer."
)
MESSAGE_DUREE = (
    "Votre session a expiré après {heures} heures de connexion : reconnectez-vous pour continuer."
)


def est_limite(utilisateur: Utilisateur | AnonymousUser) -> bool:
    """Les sessions courtes : agents de Caf et administration nationale."""
    return est_concerne(utilisateur)


def magasin(cle: str | None = None) -> SessionBase:
    moteur = import_module(settings.SESSION_ENGINE)
    store: SessionBase = moteur.SessionStore(session_key=cle)
    return store


def _vivante(utilisateur: Utilisateur, cle: str) -> bool:
    """La session existe encore, n'a pas expiré, et c'est bien celle de cette personne."""
    donnees = magasin(cle).load()
    return str(donnees.get("_auth_user_id", "")) == str(utilisateur.pk)


def appareil(user_agent: str) -> str:
    """« Firefox 128 sur Windows 10 », ou « Navigateur inconnu »."""
    resultat = parse(user_agent[:1000]) if user_agent else None
    if resultat is None or resultat.user_agent is None:
        return "Navigateur inconnu"
    navigateur = " ".join(
        morceau for morceau in (resultat.user_agent.family, resultat.user_agent.major) if morceau
    )
    if resultat.os is not None and resultat.os.family != "Other":
        systeme = " ".join(
            morceau for morceau in (resultat.os.family, resultat.os.major) if morceau
        )
        return f"{navigateur} sur {systeme}"[:200]
    return navigateur[:200]


def ip_tronquee(adresse: str | None) -> str:
    """203.0.113.42 → « 203.0.113.x » ; 2001:db8:85a3::1 → « 2001:db8:85a3:… »."""
    if not adresse:
        return ""
    try:
        ip = ipaddress.ip_address(adresse)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(str(ip).split(".")[:3]) + ".x"
    reseau = ipaddress.ip_network(f"{ip}/48", strict=False)
    return ":".join(reseau.network_address.exploded.split(":")[:3]) + ":…"


def _maintenant() -> float:
    return timezone.now().timestamp()


def ouvrir(request: HttpRequest, utilisateur: Utilisateur) -> None:
    """À la connexion (signal `user_logged_in`) : les heures de la session et sa ligne."""
    session = request.session
    maintenant = _maintenant()
    session[CLE_CONNEXION] = maintenant
    session[CLE_ACTIVITE] = maintenant
    if est_limite(utilisateur):
        session.set_expiry(int(settings.CLAS_SESSION_AGENT_DUREE_MAX.total_seconds()))
    if not session.session_key:
        session.save()
    SessionOuverte.objects.update_or_create(
        cle=session.session_key,
        defaults={
            "utilisateur": utilisateur,
            "appareil": appareil(request.META.get("HTTP_USER_AGENT", "")),
            "adresse_ip": ip_tronquee(adresse_ip(request)),
            "ouverte_le": timezone.now(),
            "derniere_activite": timezone.now(),
        },
    )


def oublier(request: HttpRequest) -> None:
    """À la déconnexion (signal `user_logged_out`) : la ligne de cette session part."""
    cle = getattr(request, "session", None) and request.session.session_key
    if cle:
        SessionOuverte.objects.filter(cle=cle).delete()


def expiree(request: HttpRequest, utilisateur: Utilisateur) -> str | None:
    """Le message si la session de cet agent a dépassé ses limites, sinon None."""
    if not est_limite(utilisateur):
        return None
    maintenant = _maintenant()
    session = request.session
    activite = session.get(CLE_ACTIVITE)
    connexion = session.get(CLE_CONNEXION)
    inactivite: dt.timedelta = settings.CLAS_SESSION_AGENT_INACTIVITE
    duree_max: dt.timedelta = settings.CLAS_SESSION_AGENT_DUREE_MAX
    if connexion is not None and maintenant - float(connexion) > duree_max.total_seconds():
        return MESSAGE_DUREE.format(heures=int(duree_max.total_seconds() // 3600))
    if activite is not None and maintenant - float(activite) > inactivite.total_seconds():
        return MESSAGE_INACTIVITE.format(minutes=int(inactivite.total_seconds() // 60))
    return None


def noter_activite(request: HttpRequest, utilisateur: Utilisateur) -> None:
    """Une requête de plus : l'heure dans la session (toutes les 20 secondes au plus pour un
    agent, dont l'inactivité ferme la session) et, une fois par minute, dans la liste."""
    session = request.session
    maintenant = _maintenant()
    if CLE_CONNEXION not in session:
        # Session ouverte avant ce suivi : elle commence maintenant.
        session[CLE_CONNEXION] = maintenant
    precedente = float(session.get(CLE_ACTIVITE) or 0)
    ecart = maintenant - precedente
    pas = PAS_ACTIVITE_AGENT if est_limite(utilisateur) else PAS_ACTIVITE
    if ecart >= pas.total_seconds():
        session[CLE_ACTIVITE] = maintenant
    if ecart >= PAS_ACTIVITE.total_seconds() and session.session_key:
        mises_a_jour = SessionOuverte.objects.filter(
            cle=session.session_key, utilisateur=utilisateur
        ).update(derniere_activite=timezone.now())
        if not mises_a_jour:
            SessionOuverte.objects.update_or_create(
                cle=session.session_key,
                defaults={
                    "utilisateur": utilisateur,
                    "appareil": appareil(request.META.get("HTTP_USER_AGENT", "")),
                    "adresse_ip": ip_tronquee(adresse_ip(request)),
                },
            )


def _encore_valable(utilisateur: Utilisateur, ligne: SessionOuverte) -> bool:
    if not _vivante(utilisateur, ligne.cle):
        return False
    if not est_limite(utilisateur):
        return True
    maintenant = timezone.now()
    inactivite: dt.timedelta = settings.CLAS_SESSION_AGENT_INACTIVITE
    duree_max: dt.timedelta = settings.CLAS_SESSION_AGENT_DUREE_MAX
    return (
        maintenant - ligne.derniere_activite <= inactivite + PAS_ACTIVITE
        and maintenant - ligne.ouverte_le <= duree_max
    )


def ouvertes(request: HttpRequest, utilisateur: Utilisateur) -> list[dict[str, Any]]:
    """Les sessions ouvertes de cette personne, la session en cours d'abord ; les lignes des
    sessions expirées (ou effacées par `clearsessions`) sont supprimées au passage."""
    courante = request.session.session_key
    resultat: list[dict[str, Any]] = []
    for ligne in SessionOuverte.objects.filter(utilisateur=utilisateur):
        if ligne.cle != courante and not _encore_valable(utilisateur, ligne):
            magasin().delete(ligne.cle)
            ligne.delete()
            continue
        resultat.append({"session": ligne, "courante": ligne.cle == courante})
    resultat.sort(key=lambda element: not element["courante"])
    return resultat


def fermer(utilisateur: Utilisateur, ligne: SessionOuverte) -> None:
    """Ferme cette session : la session de Django est supprimée, la personne y est
    déconnectée à sa prochaine requête."""
    if ligne.utilisateur_id != utilisateur.pk:
        raise ValueError("Une personne ne ferme que ses propres sessions.")
    magasin().delete(ligne.cle)
    ligne.delete()


def fermer_les_autres(request: HttpRequest, utilisateur: Utilisateur) -> int:
    autres = SessionOuverte.objects.filter(utilisateur=utilisateur).exclude(
        cle=request.session.session_key or ""
    )
    nombre = 0
    for ligne in autres:
        fermer(utilisateur, ligne)
        nombre += 1
    return nombre
