"""Paramètres du barème d'une année scolaire (CLAS.md §2.1), chacun avec sa source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

NOMS_PARAMETRES: tuple[str, ...] = (
    "taux",
    "prix_plafond",
    "montant_max_collectif",
    "bonus_projets_culturels",
    "bonus_accompagnement_parents",
    "semaines_reference",
    "effectif_min",
    "effectif_max",
    "effectif_min_derogatoire",
    "intervenants_min",
    "taux_acompte",
)

LIBELLES_PARAMETRES: dict[str, str] = {
    "taux": "Taux de prise en charge des dépenses",
    "prix_plafond": "Prix plafond par collectif (pour information)",
    "montant_max_collectif": "Montant maximal par collectif",
    "bonus_projets_culturels": "Bonus projets culturels et éducatifs, par collectif",
    "bonus_accompagnement_parents": "Bonus accompagnement des parents, par collectif",
    "semaines_reference": "Nombre de semaines de référence d'une année scolaire",
    "effectif_min": "Effectif minimal d'un collectif",
    "effectif_max": "Effectif maximal d'un collectif",
    "effectif_min_derogatoire": (
        "Effectif minimal dérogatoire (milieu rural ou enfant en situation de handicap)"
    ),
    "intervenants_min": "Nombre minimal d'intervenants par collectif",
    "taux_acompte": "Taux de l'acompte",
}

PARAMETRES_ENTIERS = frozenset(
    {
        "semaines_reference",
        "effectif_min",
        "effectif_max",
        "effectif_min_derogatoire",
        "intervenants_min",
    }
)

_TAUX = ("taux", "taux_acompte")
_MONTANTS = (
    "prix_plafond",
    "montant_max_collectif",
    "bonus_projets_culturels",
    "bonus_accompagnement_parents",
)


def texte_valeur(valeur: Decimal | int) -> str:
    """Valeur machine telle que stockée : « 0.325 », « 2563.00 », « 36 »."""
    return format(valeur, "f") if isinstance(valeur, Decimal) else str(valeur)


def _designation(nom: str) -> str:
    return f"« {nom} » ({LIBELLES_PARAMETRES[nom]})"


@dataclass(frozen=True)
class Parametres:
    annee_scolaire: str
    taux: Decimal
    prix_plafond: Decimal
    montant_max_collectif: Decimal
    bonus_projets_culturels: Decimal
    bonus_accompagnement_parents: Decimal
    semaines_reference: int
    effectif_min: int
    effectif_max: int
    effectif_min_derogatoire: int
    intervenants_min: int
    taux_acompte: Decimal
    # Exclu du hachage : un dict n'est pas hachable, et la source ne change pas le calcul.
    sources: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # Copie : une modification ultérieure du dict de l'appelant ne doit rien changer ici.
        object.__setattr__(self, "sources", dict(self.sources))
        problemes = self._problemes_de_type() or self._problemes_de_valeur()
        if problemes:
            raise ValueError(f"Paramètres {self.annee_scolaire} invalides : " + " ".join(problemes))

    def _problemes_de_type(self) -> list[str]:
        problemes = []
        for nom in NOMS_PARAMETRES:
            valeur = getattr(self, nom)
            if nom in PARAMETRES_ENTIERS:
                if not isinstance(valeur, int) or isinstance(valeur, bool):
                    problemes.append(f"{_designation(nom)} doit être un nombre entier.")
            elif not isinstance(valeur, Decimal) or not valeur.is_finite():
                problemes.append(f"{_designation(nom)} doit être un nombre décimal (Decimal).")
        return problemes

    def _problemes_de_valeur(self) -> list[str]:
        problemes = [
            f"{_designation(nom)} doit être compris entre 0 et 1 ; {getattr(self, nom)} saisi."
            for nom in _TAUX
            if not Decimal(0) <= getattr(self, nom) <= 1
        ]
        problemes += [
            f"{_designation(nom)} doit être positif ou nul ; {getattr(self, nom)} saisi."
            for nom in (*_MONTANTS, "intervenants_min", "effectif_min_derogatoire")
            if getattr(self, nom) < 0
        ]
        if self.semaines_reference < 1:
            problemes.append(f"{_designation('semaines_reference')} doit être au moins 1.")
        if self.effectif_min_derogatoire > self.effectif_min:
            problemes.append(
                "L'effectif minimal dérogatoire ne peut pas dépasser l'effectif minimal "
                f"({self.effectif_min_derogatoire} > {self.effectif_min})."
            )
        if self.effectif_min > self.effectif_max:
            problemes.append(
                "L'effectif minimal ne peut pas dépasser l'effectif maximal "
                f"({self.effectif_min} > {self.effectif_max})."
            )
        return problemes

    def source(self, nom: str) -> str:
        return self.sources.get(nom, "")

    def valeur(self, nom: str) -> Decimal | int:
        if nom not in NOMS_PARAMETRES:
            raise KeyError(f"Paramètre inconnu : « {nom} ».")
        valeur: Decimal | int = getattr(self, nom)
        return valeur

    def vers_dict(self) -> dict[str, dict[str, str]]:
        return {
            nom: {
                "libelle": LIBELLES_PARAMETRES[nom],
                "valeur": texte_valeur(self.valeur(nom)),
                "source": self.source(nom),
            }
            for nom in NOMS_PARAMETRES
        }

    @classmethod
    def depuis_dict(
        cls,
        annee_scolaire: str,
        valeurs: Mapping[str, object],
        sources: Mapping[str, str],
    ) -> Parametres:
        """Construit les paramètres à partir de valeurs texte, entières ou Decimal.

        Les clés inconnues sont ignorées ; toutes les valeurs manquantes ou invalides
        sont signalées ensemble.
        """
        # Any : les types sont vérifiés à la construction (__post_init__).
        converties: dict[str, Any] = {}
        problemes = []
        for nom in NOMS_PARAMETRES:
            if valeurs.get(nom) is None:
                problemes.append(f"{_designation(nom)} est manquant.")
                continue
            try:
                converties[nom] = _convertir(nom, valeurs[nom])
            except ValueError as erreur:
                problemes.append(str(erreur))
        if problemes:
            raise ValueError(f"Paramètres {annee_scolaire} invalides : " + " ".join(problemes))
        return cls(annee_scolaire=annee_scolaire, sources=dict(sources), **converties)


def _convertir(nom: str, brute: object) -> Decimal | int:
    attendu = "un nombre entier" if nom in PARAMETRES_ENTIERS else "un nombre décimal"
    invalide = ValueError(f"{_designation(nom)} doit être {attendu} ; « {brute} » reçu.")
    if isinstance(brute, bool) or not isinstance(brute, (str, int, float, Decimal)):
        raise invalide
    try:
        # Un float passe par son écriture courte (0.325 reste 0.325).
        valeur = Decimal(str(brute).strip())
    except InvalidOperation:
        raise invalide from None
    if not valeur.is_finite():
        raise invalide
    if nom in PARAMETRES_ENTIERS:
        if valeur != valeur.to_integral_value():
            raise invalide
        return int(valeur)
    return valeur
