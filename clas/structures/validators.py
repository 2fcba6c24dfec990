"""Contrôle des identifiants d'entreprise (SIRET, clé de Luhn)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def somme_luhn(chiffres: str) -> int:
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        chiffre = int(caractere)
        if rang % 2 == 1:
            chiffre *= 2
            if chiffre > 9:
                chiffre -= 9
        total += chiffre
    return total


def cle_luhn(debut: str) -> str:
    """Le chiffre à ajouter à `debut` pour que l'ensemble passe la clé de Luhn."""
    return str((10 - somme_luhn(debut + "0") % 10) % 10)


def valider_siret(valeur: str) -> None:
    if len(valeur) != 14 or not valeur.isdigit():
        raise ValidationError("Le SIRET compte exactement 14 chiffres, sans espace.")
    if somme_luhn(valeur) % 10 != 0:
        raise ValidationError(
            "Ce SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque chiffre."
        )
