"""Montants en euros : l'unique arrondi du projet et l'affichage à la française."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENTIME = Decimal("0.01")

_ESPACE_INSECABLE = "\u00a0"


def arrondir(montant: Decimal) -> Decimal:
    """Arrondit au centime, demi-centime vers le haut (2,345 → 2,35)."""
    return montant.quantize(CENTIME, rounding=ROUND_HALF_UP)


# « 8,889.00 » (format de Python) → « 8 889,00 ».
_A_LA_FRANCAISE = str.maketrans({",": _ESPACE_INSECABLE, ".": ","})


def formater_euros(montant: Decimal) -> str:
    """« 8 889,00 € » : arrondi au centime, espaces insécables, virgule décimale."""
    arrondi = arrondir(montant)
    # Le format de Python groupe les milliers (le barème en écrit des dizaines de milliers
    # par seconde) ; même texte que `formater_nombre(arrondi)`, « -0,00 » compris.
    texte = format(arrondi, ",f").translate(_A_LA_FRANCAISE)
    if texte[0] == "-" and not arrondi < 0:
        texte = texte[1:]
    return f"{texte}{_ESPACE_INSECABLE}€"


def formater_nombre(valeur: Decimal | int) -> str:
    """Écrit la valeur telle quelle, à la française : 7886.00 → « 7 886,00 », 0.325 → « 0,325 »."""
    # Le format "f" évite la notation scientifique (Decimal("1E+3") → "1000").
    texte = format(valeur, "f") if isinstance(valeur, Decimal) else str(valeur)
    signe = "-" if valeur < 0 else ""  # « -0,00 » n'a pas de sens
    entiere, _, decimales = texte.lstrip("-").partition(".")
    groupes = f"{int(entiere):,}".replace(",", _ESPACE_INSECABLE)
    return f"{signe}{groupes},{decimales}" if decimales else f"{signe}{groupes}"
