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


def normaliser_siret(valeur: str) -> str:
    """« 732 829 320 00074 » → « 73282932000074 » (espaces, points et tirets retirés)."""
    return re.sub(r"[\s.\-]+", "", valeur or "")


# Codes postaux d'outre-mer dont la Caf n'est pas celle des trois premiers chiffres.
OUTRE_MER = {"977": "971", "978": "971"}  # Saint-Barthélemy, Saint-Martin → Guadeloupe


def departement_du_code_postal(code_postal: str) -> str:
    """Le département d'un code postal : 69001 → 69, 20000 → 2A, 20200 → 2B, 97490 → 974.

    Lève ValidationError (en français) pour un code postal mal formé ou sans département.
    """
    code = (code_postal or "").strip()
    if not re.fullmatch(r"\d{5}", code):
        raise ValidationError("Le code postal compte 5 chiffres, par exemple 69001.")
    if code.startswith("97"):
        prefixe = code[:3]
        return OUTRE_MER.get(prefixe, prefixe)
    if code.startswith("20"):
        if code[2] in "01":
            return "2A"
        if code[2] in "23456":
            return "2B"
        raise ValidationError(
            "Ce code postal corse n'existe pas : il commence par 200 ou 201 (Corse-du-Sud) "
            "ou par 202 à 206 (Haute-Corse)."
        )
    if code.startswith(("00", "98", "99")):
        raise ValidationError(
            "Ce code postal ne correspond à aucun département couvert par une Caf."
        )
    return code[:2]


def masquer_email(email: str) -> str:
    """« alice@centre-social.fr » → « a***@centre-social.fr »."""
    local, _, domaine = (email or "").partition("@")
    return f"{local[:1]}***@{domaine}" if domaine else "***"


def iban_fr(bban: str) -> str:
    """L'IBAN français d'un BBAN de 23 caractères, avec sa clé de contrôle calculée."""
    cle = 98 - _iban_en_nombre("FR00" + bban) % 97
    return f"FR{cle:02d}{bban}"


def masquer_iban(iban: str) -> str:
    """« FR7630006000011234567890189 » → « FR76 •••• •••• •••• •••• ••• 0189 » : le pays, la
    clé et les 4 derniers caractères, assez pour reconnaître un compte sans le divulguer."""
    iban = normaliser_iban(iban)
    if not iban:
        return ""
    if len(iban) <= 8:
        return "•" * len(iban)
    milieu = "•" * (len(iban) - 8)
    groupes = [milieu[i : i + 4] for i in range(0, len(milieu), 4)]
    return " ".join([iban[:4], *groupes, iban[-4:]])
