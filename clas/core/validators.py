"""Contrôle des identifiants : SIRET/SIREN (python-stdnum), IBAN/BIC (schwifty), RNA.

Les règles de clé viennent de bibliothèques tenues à jour (le SIRET des établissements de
La Poste, qui ne suit pas la clé de Luhn ; la longueur de l'IBAN par pays, sa clé nationale,
la zone SEPA) ; ce module ne fait que traduire leurs refus en messages qui disent quoi corriger.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN, registry
from schwifty import exceptions as erreurs_bancaires
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret


def siret_valide_depuis(debut: str) -> str:
    """Le SIRET valide tiré de 13 chiffres : le 9ᵉ devient la clé du SIREN et un 14ᵉ, celle du
    SIRET (les deux clés de Luhn que vérifie `valider_siret`). Sert aux données de démonstration."""
    siren = debut[:8] + luhn.calc_check_digit(debut[:8])
    return siren + debut[9:13] + luhn.calc_check_digit(siren + debut[9:13])


def valider_siret(valeur: str) -> None:
    if len(valeur) != 14 or not valeur.isdigit():
        raise ValidationError("Le SIRET compte exactement 14 chiffres, sans espace.")
    if not stdnum_siret.is_valid(valeur):
        raise ValidationError(
            "Ce SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque chiffre."
        )


def valider_rna(valeur: str) -> None:
    if valeur and not re.fullmatch(r"W\d{9}", valeur):
        raise ValidationError(
            "Le numéro RNA s'écrit W suivi de 9 chiffres, par exemple W691234567."
        )


def normaliser_iban(valeur: str) -> str:
    return re.sub(r"\s+", "", valeur or "").upper()


def _pays_sepa(code: str) -> bool:
    try:
        return registry.get_iban_spec(code).in_sepa_zone
    except (KeyError, erreurs_bancaires.SchwiftyException):
        return False


def valider_iban(valeur: str) -> None:
    iban = normaliser_iban(valeur)
    if not iban:
        return
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        raise ValidationError(
            "L'IBAN commence par 2 lettres (FR) et 2 chiffres, puis compte 23 caractères "
            "pour un compte français, par exemple FR76 3000 6000 0112 3456 7890 189."
        )
    try:
        IBAN(iban, validate_bban=True)
    except erreurs_bancaires.InvalidCountryCode:
        raise ValidationError(
            f"« {iban[:2]} » n'est pas un pays qui a des IBAN : l'IBAN commence par le code du "
            "pays du compte (FR pour la France)."
        ) from None
    except erreurs_bancaires.InvalidLength:
        raise ValidationError(_longueur_attendue(iban)) from None
    except (erreurs_bancaires.InvalidChecksumDigits, erreurs_bancaires.InvalidBBANChecksum):
        raise ValidationError(
            "Cet IBAN n'est pas valide (clé de contrôle incorrecte) : vérifiez chaque caractère."
        ) from None
    except erreurs_bancaires.SchwiftyException:
        raise ValidationError(
            "Cet IBAN n'a pas la forme attendue pour son pays : recopiez-le depuis le RIB."
        ) from None
    if not _pays_sepa(iban[:2]):
        raise ValidationError(
            "La Caf ne verse que sur un compte de la zone SEPA (euro) : cet IBAN est celui "
            "d'un autre pays."
        )


def _longueur_attendue(iban: str) -> str:
    if iban.startswith("FR"):
        return "Un IBAN français compte exactement 27 caractères."
    try:
        attendu = registry.get_iban_spec(iban[:2]).iban_length
    except (KeyError, erreurs_bancaires.SchwiftyException, AttributeError):
        return "Cet IBAN n'a pas la bonne longueur pour son pays : recopiez-le depuis le RIB."
    return f"Un IBAN de ce pays compte exactement {attendu} caractères (ici {len(iban)})."


def valider_bic(valeur: str) -> None:
    if not valeur:
        return
    bic = valeur.strip().upper()
    message_forme = (
        "Le BIC compte 8 ou 11 caractères : 4 lettres de banque, 2 lettres de pays, "
        "2 de lieu, éventuellement 3 d'agence (par exemple AGRIFRPP ou BNPAFRPPXXX)."
    )
    if not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", bic):
        raise ValidationError(message_forme)
    try:
        BIC(bic)
    except erreurs_bancaires.InvalidCountryCode:
        raise ValidationError(
            f"« {bic[4:6]} » (5ᵉ et 6ᵉ lettres du BIC) n'est pas un code de pays."
        ) from None
    except erreurs_bancaires.SchwiftyException:
        raise ValidationError(message_forme) from None
    if not _pays_sepa(bic[4:6]):
        raise ValidationError(
            "Ce BIC est celui d'une banque hors de la zone SEPA : la Caf ne verse que sur "
            "un compte de la zone SEPA (euro)."
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


def iban_fr(banque_guichet_compte: str) -> str:
    """L'IBAN français de 21 caractères (banque 5, guichet 5, compte 11), avec la clé RIB et la
    clé IBAN calculées par schwifty. Sert aux données de démonstration."""
    return str(
        IBAN.generate(
            "FR", bank_code=banque_guichet_compte[:10], account_code=banque_guichet_compte[10:21]
        )
    )


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
