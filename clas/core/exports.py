"""Les cellules des exports (CSV, XLSX) : un texte qui commence par = + - @, une
tabulation ou un retour chariot serait exécuté comme une formule par le tableur (injection
de formule, OWASP « CSV injection ») ; il est neutralisé par une apostrophe. Les montants
et les dates restent des nombres et des dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

DEBUTS_DANGEREUX = ("=", "+", "-", "@", "\t", "\r")


def texte_sur(valeur: str) -> str:
    """« =HYPERLINK(…) » → « '=HYPERLINK(…) » ; tout autre texte tel quel."""
    return "'" + valeur if valeur.startswith(DEBUTS_DANGEREUX) else valeur


def montant_csv(montant: Decimal) -> str:
    """4500 → « 4500,00 », −150 → « -150,00 » : sans séparateur de milliers, lu comme un
    nombre par un tableur français."""
    return f"{Decimal(montant):.2f}".replace(".", ",")


def cellule_csv(valeur: object) -> str:
    """Une cellule d'un CSV : montant à la française, date jj/mm/aaaa, texte neutralisé."""
    if valeur is None:
        return ""
    if isinstance(valeur, Decimal):
        return montant_csv(valeur)
    if isinstance(valeur, bool | int):
        return str(int(valeur))
    if isinstance(valeur, dt.datetime | dt.date):
        return valeur.strftime("%d/%m/%Y")
    return texte_sur(str(valeur))


def ligne_csv(valeurs: Iterable[object]) -> list[str]:
    return [cellule_csv(valeur) for valeur in valeurs]
