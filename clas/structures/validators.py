"""Contrôle des identifiants d'entreprise (SIRET, clé de Luhn)."""

from __future__ import annotations

import re

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


def valider_rna(valeur: str) -> None:
    if valeur and not re.fullmatch(r"W\d{9}", valeur):
        raise ValidationError(
            "Le numéro RNA s'écrit W suivi de 9 chiffres, par exemple W691234567."
        )


def _iban_en_nombre(iban: str) -> int:
    reordonne = iban[4:] + iban[:4]
    return int("".join(str(int(caractere, 36)) for caractere in reordonne))


def normaliser_iban(valeur: str) -> str:
    return re.sub(r"\s+", "", valeur or "").upper()


def valider_iban(valeur: str) -> None:
    iban = normaliser_iban(valeur)
    if not iban:
        return
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        raise ValidationError(
            "L'IBAN commence par 2 lettres (FR) et 2 chiffres, puis compte 23 caractères "
            "pour un compte français, par exemple FR76 3000 6000 0112 3456 7890 189."
        )
    if iban.startswith("FR") and len(iban) != 27:
        raise ValidationError("Un IBAN français compte exactement 27 caractères.")
    if _iban_en_nombre(iban) % 97 != 1:
        raise ValidationError(
            "Cet IBAN n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque caractère."
        )


def valider_bic(valeur: str) -> None:
    if valeur and not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", valeur.upper()):
        raise ValidationError(
            "Le BIC compte 8 ou 11 caractères : 4 lettres de banque, 2 lettres de pays, "
            "2 de lieu, éventuellement 3 d'agence (par exemple AGRIFRPP ou BNPAFRPPXXX)."
        )
