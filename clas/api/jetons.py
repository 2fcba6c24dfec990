"""Créer, révoquer et reconnaître un jeton personnel d'API.

Le jeton en clair n'existe qu'au moment de sa création (montré une fois) ; la base n'en garde
que l'empreinte SHA-256. Un jeton de 256 bits tiré par `secrets` ne se devine pas : un hachage
lent (fait pour les mots de passe) n'ajouterait rien, et l'empreinte se cherche par index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clas.comptes import double_facteur
from clas.comptes.models import Utilisateur
from clas.core import courriels

from .models import JetonApi, valider_reseaux

PREFIXE = "clas_"
JOURS_MIN = 7
JOURS_MAX = 365
RAPPEL_AVANT = dt.timedelta(days=7)
# Un seul courriel « appel refusé » par jeton et par adresse pendant ce temps.
AVIS_REFUS_ESPACEMENT = 3600


def empreinte(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


@dataclass(frozen=True)
class JetonCree:
    jeton: JetonApi
    en_clair: str


def lire_reseaux(texte: str) -> list[str]:
    """« 192.0.2.0/24, 2001:db8::/32 » (virgules, espaces ou lignes) → liste normalisée."""
    morceaux = [m for m in texte.replace(",", " ").split() if m]
    valider_reseaux(morceaux)
    import ipaddress

    return [str(ipaddress.ip_network(m, strict=False)) for m in morceaux]


def creer(
    utilisateur: Utilisateur,
    nom: str,
    jours: int,
    *,
    lecture_seule: bool = True,
    reseaux: list[str] | None = None,
) -> JetonCree:
    """Un nouveau jeton valable `jours` jours (de 7 à 365). Lève ValidationError (par champ)."""
    nom = (nom or "").strip()
    erreurs: dict[str, str] = {}
    if not nom:
        erreurs["nom"] = "Donnez un nom au jeton (l'outil qui s'en servira, par exemple)."
    elif len(nom) > 100:
        erreurs["nom"] = "Le nom tient en 100 caractères au plus."
    if not JOURS_MIN <= jours <= JOURS_MAX:
        erreurs["jours"] = (
            f"Un jeton vaut de {JOURS_MIN} jours (une semaine) à {JOURS_MAX} jours (un an)."
        )
    try:
        valider_reseaux(reseaux or [])
    except ValidationError as erreur:
        erreurs["reseaux"] = " ".join(erreur.messages)
    if not utilisateur.is_active:
        erreurs["utilisateur"] = "Ce compte est désactivé : il ne peut pas avoir de jeton."
    if erreurs:
        raise ValidationError(erreurs)
    en_clair = PREFIXE + secrets.token_urlsafe(32)
    jeton = JetonApi.objects.create(
        utilisateur=utilisateur,
        nom=nom,
        prefixe=en_clair[:12],
        empreinte=empreinte(en_clair),
        lecture_seule=lecture_seule,
        reseaux=list(reseaux or []),
        expire_le=timezone.now() + dt.timedelta(days=jours),
    )
    return JetonCree(jeton=jeton, en_clair=en_clair)


def revoquer(jeton: JetonApi) -> None:
    """Idempotent : un jeton déjà révoqué garde sa date de révocation."""
    JetonApi.objects.filter(pk=jeton.pk, revoque_le__isnull=True).update(revoque_le=timezone.now())
    jeton.refresh_from_db(fields=["revoque_le"])


def trouver(en_clair: str) -> JetonApi | None:
    return (
        JetonApi.objects.select_related("utilisateur").filter(empreinte=empreinte(en_clair)).first()
    )


def noter_utilisation(jeton: JetonApi, adresse: str | None) -> None:
    maintenant = timezone.now()
    JetonApi.objects.filter(pk=jeton.pk).update(
        derniere_utilisation_le=maintenant, derniere_adresse=(adresse or "")[:45]
    )
    jeton.derniere_utilisation_le = maintenant
    jeton.derniere_adresse = (adresse or "")[:45]


def manque_double_facteur(utilisateur: Utilisateur) -> bool:
    """Le site exige la double authentification de cette personne et elle ne l'a pas : même
    règle que le middleware des pages (`comptes.double_facteur`)."""
    return (
        double_facteur.est_obligatoire()
        and double_facteur.est_concerne(utilisateur)
        and not double_facteur.est_active(utilisateur)
    )


def prevenir_appel_refuse(jeton: JetonApi, adresse: str | None) -> None:
    """Le propriétaire apprend qu'on a présenté son jeton depuis un réseau non autorisé
    (un courriel par heure et par adresse au plus, pour ne pas inonder sa boîte)."""
    cle = f"clas-api-refus-{jeton.pk}-{adresse}"
    if not cache.add(cle, True, timeout=AVIS_REFUS_ESPACEMENT):
        return
    contexte = {"jeton": jeton, "adresse": adresse or "inconnue", "utilisateur": jeton.utilisateur}
    transaction.on_commit(
        lambda: courriels.envoyer("api/email_appel_refuse", [jeton.utilisateur.email], contexte),
        robust=True,
    )


def a_rappeler(maintenant: dt.datetime | None = None) -> list[JetonApi]:
    """Les jetons actifs qui expirent dans la semaine et dont le rappel n'est pas parti."""
    maintenant = maintenant or timezone.now()
    return list(
        JetonApi.objects.actifs()
        .filter(expire_le__lte=maintenant + RAPPEL_AVANT, rappel_envoye_le__isnull=True)
        .select_related("utilisateur")
        .order_by("expire_le", "pk")
    )


def rappeler_expiration(jeton: JetonApi) -> bool:
    """Envoie le rappel une fois ; faux s'il était déjà parti."""
    with transaction.atomic():
        pris = JetonApi.objects.filter(pk=jeton.pk, rappel_envoye_le__isnull=True).update(
            rappel_envoye_le=timezone.now()
        )
        if not pris:
            return False
        contexte = {"jeton": jeton, "utilisateur": jeton.utilisateur}
        transaction.on_commit(
            lambda: courriels.envoyer(
                "api/email_expiration_proche", [jeton.utilisateur.email], contexte
            ),
            robust=True,
        )
    return True
