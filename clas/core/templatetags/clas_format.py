"""Filtres d'affichage à la française, chargés dans tous les gabarits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone

from clas.bareme import formater_euros
from clas.core.forms import SANS_NOM_D_ENFANT
from clas.core.validators import masquer_iban

register = template.Library()


@register.simple_tag
def sans_nom_d_enfant() -> str:
    """L'avertissement des textes libres écrits à la main dans un gabarit."""
    return SANS_NOM_D_ENFANT


@register.filter
def debut_minuscule(texte: object) -> str:
    """« Montant décidé…, toutes Caf » -> « montant décidé…, toutes Caf » : seule la première
    lettre passe en minuscule (un sigle ou un nom propre reste écrit comme il l'est)."""
    texte = str(texte)
    return texte[:1].lower() + texte[1:]


@register.filter
def euros(valeur: object) -> str:
    """2563 -> « 2 563,00 € »."""
    if valeur is None or valeur == "":
        return ""
    try:
        return formater_euros(Decimal(str(valeur)))
    except InvalidOperation:
        return str(valeur)


@register.filter
def date_fr(valeur: dt.date | dt.datetime | None) -> str:
    """jj/mm/aaaa ; une date-heure est d'abord ramenée à l'heure de Paris."""
    if valeur is None:
        return ""
    if isinstance(valeur, dt.datetime):
        if timezone.is_aware(valeur):
            valeur = timezone.localtime(valeur)
        return valeur.strftime("%d/%m/%Y à %H:%M")
    return valeur.strftime("%d/%m/%Y")


TAUX_PARAMETRES = {"taux", "taux_acompte"}


@register.filter
def pourcentage(valeur: object) -> str:
    """0.325 -> « 32,5 % »."""
    nombre = (Decimal(str(valeur)) * 100).normalize()
    texte = f"{nombre:f}".replace(".", ",")
    return f"{texte}\u00a0%"


@register.filter
def valeur_parametre(valeur: object, nom: str) -> str:
    """Un paramètre du barème tel qu'on le lit : taux en %, montants en euros."""
    from clas.bareme.parametres import PARAMETRES_ENTIERS

    if nom in TAUX_PARAMETRES:
        return pourcentage(valeur)
    if nom in PARAMETRES_ENTIERS:
        return str(valeur)
    return euros(valeur)


@register.filter
def cle(dictionnaire: object, nom: str) -> object:
    """Lire une clé d'un dictionnaire dans un gabarit : {{ valeurs|cle:"nb_enfants" }}."""
    if isinstance(dictionnaire, dict):
        return dictionnaire.get(nom, "")
    return ""


@register.filter
def contient(collection: Any, element: object) -> bool:
    # Une valeur de gabarit, de tout type : « in » qui ne s'y applique pas lève TypeError.
    try:
        return element in collection
    except TypeError:
        return False


CLASSES_ETAT = {
    "brouillon": "",
    "depose": "fr-badge--info",
    "en_instruction": "fr-badge--new",
    "complements_demandes": "fr-badge--warning",
    "accepte": "fr-badge--success",
    "refuse": "fr-badge--error",
    "sans_suite": "fr-badge--error",
    "cloture": "",
}


@register.filter
def classe_etat(etat: str) -> str:
    """La couleur DSFR d'un état de dossier, la même sur toutes les pages."""
    return CLASSES_ETAT.get(etat, "fr-badge--info")


@register.filter
def par_groupes(valeur: str, taille: int = 4) -> str:
    """IBAN lisible : « FR76 3000 6000 … » (espaces insécables)."""
    texte = str(valeur or "")
    return "\u00a0".join(texte[i : i + taille] for i in range(0, len(texte), taille))


@register.filter
def iban_masque(valeur: str) -> str:
    """IBAN masqué : « FR76 •••• •••• •••• •••• ••• 0189 » (historiques, listes)."""
    return masquer_iban(str(valeur or ""))


@register.filter
def siret(valeur: str) -> str:
    """SIRET lisible : « 312 045 678 00017 » (SIREN en 3 × 3, puis le NIC)."""
    texte = str(valeur or "")
    if len(texte) != 14:
        return texte
    return "\u00a0".join((texte[0:3], texte[3:6], texte[6:9], texte[9:]))
