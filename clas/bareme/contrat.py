"""Le contrat JSON du barème, commun à la ligne de commande, à l'API et au simulateur.

`lire_entree` vérifie une valeur JSON décodée et signale toutes les erreurs à la fois ;
`resultat_vers_json` et `entree_vers_json` écrivent les montants en texte à deux décimales.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

# L'échappement de `json.dumps(..., ensure_ascii=False)`, dans sa version en C.
from json.encoder import encode_basestring as _texte_json
from typing import TypeVar

from clas.bareme.argent import arrondir, formater_nombre
from clas.bareme.calcul import (
    CollectifEntree,
    Entree,
    Etape,
    ParametreUtilise,
    Resultat,
    ResultatCollectif,
)

_T = TypeVar("_T")

COLLECTIFS_MAX = 200
NOM_LONGUEUR_MAX = 200
ENTIER_MAX = 1000
SEMAINES_MAX = 52
MONTANT_LIMITE = Decimal("1000000000")

CHAMPS_ENTREE = ("annee_scolaire", "depenses_totales", "cofinancements", "collectifs")
CHAMPS_ENTIERS = ("nb_enfants", "nb_intervenants", "semaines_de_fonctionnement")
CHAMPS_BOOLEENS = (
    "milieu_rural",
    "enfant_en_situation_de_handicap",
    "bonus_projets_culturels",
    "bonus_accompagnement_parents",
)
# `retenu` (vrai par défaut) : faux quand l'instructeur de la Caf écarte le collectif.
CHAMPS_COLLECTIF = ("nom", *CHAMPS_ENTIERS, *CHAMPS_BOOLEENS, "retenu")

OBLIGATOIRE = "Ce champ est obligatoire."

# Séparateurs de milliers admis : espace, espace insécable, espace fine insécable.
_SEPARATEURS_MILLIERS = re.compile("[ \u00a0\u202f]")
# ASCII : \d de Python admettrait aussi « ١٠ » (chiffres arabo-indiens), hors du contrat.
_NOMBRE_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
_NOMBRE_ENTIER = re.compile(r"[+-]?\d+", re.ASCII)
_CHIFFRES_MAX = 30


@dataclass(frozen=True)
class Erreur:
    champ: str
    message: str


class EntreeInvalide(Exception):
    """Toutes les erreurs d'une entrée, chacune rattachée au chemin de son champ."""

    def __init__(self, erreurs: list[Erreur]) -> None:
        super().__init__(" ".join(f"{e.champ or 'entrée'} : {e.message}" for e in erreurs))
        self.erreurs = erreurs

    def vers_json(self) -> dict[str, list[dict[str, str]]]:
        return {"erreurs": [{"champ": e.champ, "message": e.message} for e in self.erreurs]}


class _Invalide(Exception):
    """Valeur refusée ; le message dit quoi corriger."""


def lire_entree(donnees: object, annees_disponibles: Collection[str]) -> Entree:
    """Valide une entrée JSON décodée ; lève `EntreeInvalide` avec toutes les erreurs."""
    if not isinstance(donnees, Mapping):
        raise EntreeInvalide(
            [Erreur("", 'L\'entrée doit être un objet JSON, par exemple {"annee_scolaire": …}.')]
        )
    erreurs = _champs_inconnus(donnees, CHAMPS_ENTREE, "")
    annee = _lire(erreurs, "annee_scolaire", donnees, lambda v: _annee(v, annees_disponibles))
    depenses = _lire(erreurs, "depenses_totales", donnees, _montant)
    cofinancements = _lire(erreurs, "cofinancements", donnees, _montant, defaut=Decimal("0.00"))
    collectifs = _lire_collectifs(erreurs, donnees)
    if erreurs:
        raise EntreeInvalide(erreurs)
    assert annee is not None and depenses is not None and cofinancements is not None
    assert collectifs is not None
    return Entree(annee, depenses, cofinancements, collectifs)


def _lire(
    erreurs: list[Erreur],
    champ: str,
    donnees: Mapping[str, object],
    convertir: Callable[[object], _T],
    *,
    defaut: _T | None = None,
    prefixe: str = "",
) -> _T | None:
    """Convertit un champ ; une valeur absente ou nulle prend le défaut s'il y en a un."""
    valeur = donnees.get(champ)
    if valeur is None:
        if defaut is None:
            erreurs.append(Erreur(prefixe + champ, OBLIGATOIRE))
        return defaut
    try:
        return convertir(valeur)
    except _Invalide as invalide:
        erreurs.append(Erreur(prefixe + champ, str(invalide)))
        return None


def _champs_inconnus(
    donnees: Mapping[object, object], acceptes: tuple[str, ...], prefixe: str
) -> list[Erreur]:
    return [
        Erreur(
            f"{prefixe}{cle}",
            f"Champ inconnu : « {cle} ». Champs acceptés : {', '.join(acceptes)}.",
        )
        for cle in donnees
        if cle not in acceptes
    ]


def _annee(valeur: object, annees_disponibles: Collection[str]) -> str:
    if not isinstance(valeur, str):
        raise _Invalide("Saisissez l'année scolaire en texte, par exemple « 2025-2026 ».")
    annee = valeur.strip()
    if annee not in annees_disponibles:
        disponibles = ", ".join(sorted(annees_disponibles)) or "aucune"
        raise _Invalide(f"Année scolaire inconnue : {annee}. Années disponibles : {disponibles}.")
    return annee


def _montant(valeur: object) -> Decimal:
    # Un lot répète les mêmes montants : le texte lu une fois (un refus n'est pas gardé).
    if type(valeur) is str:
        return _montant_texte(valeur)
    return _montant_lu(valeur)


def _montant_lu(valeur: object) -> Decimal:
    montant = _nombre_decimal(valeur)
    if montant < 0:
        raise _Invalide("Le montant doit être positif ou nul.")
    if montant >= MONTANT_LIMITE:
        raise _Invalide("Le montant doit être inférieur à 1 000 000 000 €.")
    if montant != arrondir(montant):
        raise _Invalide("Saisissez au plus deux décimales (les centimes), par exemple 24000.50.")
    return abs(arrondir(montant))  # abs : « -0 » devient 0.00


_montant_texte = lru_cache(maxsize=4096)(_montant_lu)


def _nombre_decimal(valeur: object) -> Decimal:
    if isinstance(valeur, int) and not isinstance(valeur, bool):
        return Decimal(valeur)
    if isinstance(valeur, float) and math.isfinite(valeur):
        # str() donne l'écriture la plus courte : 0.1 reste 0.1.
        return Decimal(str(valeur))
    if isinstance(valeur, str):
        texte = _SEPARATEURS_MILLIERS.sub("", valeur.strip().removesuffix("€").strip())
        texte = texte.replace(",", ".")
        if _NOMBRE_DECIMAL.fullmatch(texte):
            return Decimal(texte)
    # Le message n'est écrit qu'en cas de refus : le lot en valide des dizaines de milliers.
    raise _Invalide(
        f"Montant invalide : « {_afficher(valeur)} ». Saisissez un nombre, par exemple 24000.00"
    )


def _lire_collectifs(
    erreurs: list[Erreur], donnees: Mapping[str, object]
) -> tuple[CollectifEntree, ...] | None:
    liste = donnees.get("collectifs")
    if liste is None:
        erreurs.append(Erreur("collectifs", OBLIGATOIRE))
        return None
    if not isinstance(liste, list):
        message = 'Saisissez la liste des collectifs, par exemple [{"nb_enfants": 10, …}].'
        erreurs.append(Erreur("collectifs", message))
        return None
    if not liste:
        erreurs.append(Erreur("collectifs", "Déclarez au moins un collectif."))
        return None
    if len(liste) > COLLECTIFS_MAX:
        message = f"Au plus {COLLECTIFS_MAX} collectifs par dossier ; {len(liste)} déclarés."
        erreurs.append(Erreur("collectifs", message))
        return None
    nombre_erreurs = len(erreurs)
    collectifs = [_lire_collectif(erreurs, index, element) for index, element in enumerate(liste)]
    if len(erreurs) > nombre_erreurs:
        return None
    return tuple(c for c in collectifs if c is not None)


def _lire_collectif(erreurs: list[Erreur], index: int, element: object) -> CollectifEntree | None:
    # Le cas courant (des entiers et des booléens JSON, sans champ inconnu) sans passer par la
    # lecture champ par champ ; toute autre valeur suit la lecture complète, qui dit pourquoi.
    if type(element) is dict and element.keys() <= _CHAMPS_COLLECTIF:
        collectif = _collectif_simple(index, element)
        if collectif is not None:
            return collectif
    prefixe = f"collectifs[{index}]."
    if not isinstance(element, Mapping):
        message = (
            "Chaque collectif doit être un objet JSON, par exemple "
            '{"nb_enfants": 10, "nb_intervenants": 2, "semaines_de_fonctionnement": 36}.'
        )
        erreurs.append(Erreur(f"collectifs[{index}]", message))
        return None
    erreurs += _champs_inconnus(element, CHAMPS_COLLECTIF, prefixe)
    nom = _lire(erreurs, "nom", element, _nom, defaut="", prefixe=prefixe)
    entiers = {
        champ: _lire(erreurs, champ, element, _entier_pour(champ), prefixe=prefixe)
        for champ in CHAMPS_ENTIERS
    }
    booleens = {
        champ: _lire(erreurs, champ, element, _booleen, defaut=False, prefixe=prefixe)
        for champ in CHAMPS_BOOLEENS
    }
    retenu = _lire(erreurs, "retenu", element, _booleen, defaut=True, prefixe=prefixe)
    if nom is None or retenu is None or None in entiers.values() or None in booleens.values():
        return None
    return CollectifEntree(
        nom=nom or f"Collectif {index + 1}",
        nb_enfants=_present(entiers["nb_enfants"]),
        nb_intervenants=_present(entiers["nb_intervenants"]),
        semaines_de_fonctionnement=_present(entiers["semaines_de_fonctionnement"]),
        milieu_rural=_present(booleens["milieu_rural"]),
        enfant_en_situation_de_handicap=_present(booleens["enfant_en_situation_de_handicap"]),
        bonus_projets_culturels=_present(booleens["bonus_projets_culturels"]),
        bonus_accompagnement_parents=_present(booleens["bonus_accompagnement_parents"]),
        retenu=retenu,
    )


_CHAMPS_COLLECTIF = frozenset(CHAMPS_COLLECTIF)


def _collectif_simple(index: int, element: dict[str, object]) -> CollectifEntree | None:
    """Le collectif si chaque champ a déjà sa forme finale (sinon None) : le même résultat
    que la lecture complète, en une passe."""
    nom = element.get("nom")
    if nom is None:
        nom = ""
    elif type(nom) is not str:
        return None
    else:
        nom = nom.strip()
        if len(nom) > NOM_LONGUEUR_MAX:
            return None
    enfants = element.get("nb_enfants")
    intervenants = element.get("nb_intervenants")
    semaines = element.get("semaines_de_fonctionnement")
    if not (
        type(enfants) is int
        and type(intervenants) is int
        and type(semaines) is int
        and 0 <= enfants <= ENTIER_MAX
        and 0 <= intervenants <= ENTIER_MAX
        and 0 <= semaines <= SEMAINES_MAX
    ):
        return None
    rural = element.get("milieu_rural")
    handicap = element.get("enfant_en_situation_de_handicap")
    culturel = element.get("bonus_projets_culturels")
    parents = element.get("bonus_accompagnement_parents")
    retenu = element.get("retenu")
    for valeur in (rural, handicap, culturel, parents, retenu):
        if not (valeur is None or valeur is True or valeur is False):
            return None
    return CollectifEntree(
        nom=nom or f"Collectif {index + 1}",
        nb_enfants=enfants,
        nb_intervenants=intervenants,
        semaines_de_fonctionnement=semaines,
        milieu_rural=rural is True,
        enfant_en_situation_de_handicap=handicap is True,
        bonus_projets_culturels=culturel is True,
        bonus_accompagnement_parents=parents is True,
        retenu=retenu is not False,  # vrai par défaut
    )


def _present(valeur: _T | None) -> _T:
    assert valeur is not None
    return valeur


def _nom(valeur: object) -> str:
    if not isinstance(valeur, str):
        raise _Invalide("Saisissez le nom du collectif en texte.")
    nom = valeur.strip()
    if len(nom) > NOM_LONGUEUR_MAX:
        raise _Invalide(f"Le nom fait au plus {NOM_LONGUEUR_MAX} caractères ; {len(nom)} saisis.")
    return nom


def _entier_pour(champ: str) -> Callable[[object], int]:
    maximum = SEMAINES_MAX if champ == "semaines_de_fonctionnement" else ENTIER_MAX

    def convertir(valeur: object) -> int:
        nombre = _entier(valeur)
        if nombre < 0:
            raise _Invalide("Le nombre doit être positif ou nul.")
        if nombre > maximum:
            if maximum == SEMAINES_MAX:
                raise _Invalide(f"Une année compte au plus {SEMAINES_MAX} semaines.")
            raise _Invalide(f"Le nombre doit être au plus {formater_nombre(maximum)}.")
        return nombre

    return convertir


def _entier(valeur: object) -> int:
    if isinstance(valeur, int) and not isinstance(valeur, bool):
        return valeur
    if isinstance(valeur, float) and valeur.is_integer():
        return int(valeur)
    # La longueur borne int() : Python refuse de convertir un texte de plus de 4 300 chiffres.
    texte = valeur.strip() if isinstance(valeur, str) else ""
    if _NOMBRE_ENTIER.fullmatch(texte) and len(texte) <= _CHIFFRES_MAX:
        return int(texte)
    raise _Invalide(
        f"Nombre entier invalide : « {_afficher(valeur)} ». Saisissez un nombre entier, "
        "par exemple 10."
    )


def _booleen(valeur: object) -> bool:
    if not isinstance(valeur, bool):
        raise _Invalide(f"Répondez true ou false ; « {_afficher(valeur)} » reçu.")
    return valeur


def _afficher(valeur: object) -> str:
    """La valeur telle que l'utilisateur l'a écrite en JSON."""
    try:
        texte = valeur if isinstance(valeur, str) else json.dumps(valeur, ensure_ascii=False)
    except (TypeError, ValueError):  # objet non JSON, ou entier de plus de 4 300 chiffres
        texte = type(valeur).__name__
    return texte if len(texte) <= 50 else texte[:50] + "…"


def _texte_montant(montant: Decimal) -> str:
    return format(arrondir(montant), "f")


def resultat_vers_json(resultat: Resultat) -> dict[str, object]:
    return _resultat_sans_parametres(resultat) | {"parametres": resultat.parametres.vers_dict()}


def _resultat_sans_parametres(resultat: Resultat) -> dict[str, object]:
    return {
        "annee_scolaire": resultat.annee_scolaire,
        "montant_total": _texte_montant(resultat.montant_total),
        "montant_avant_plafonnement": _texte_montant(resultat.montant_avant_plafonnement),
        "plafond_reste_a_charge": _texte_montant(resultat.plafond_reste_a_charge),
        "plafonnement_reste_a_charge": resultat.plafonnement_reste_a_charge,
        "reduction_plafonnement": _texte_montant(resultat.reduction_plafonnement),
        "collectifs": [
            {
                "nom": c.nom,
                "eligible": c.eligible,
                "montant": _texte_montant(c.montant),
                "motifs_ineligibilite": [
                    {"code": m.code, "message": m.message} for m in c.motifs_ineligibilite
                ],
            }
            for c in resultat.collectifs
        ],
        "explication": [
            {
                "code": e.code,
                "libelle": e.libelle,
                "valeur": e.valeur,
                "formule": e.formule,
                "collectif": e.collectif,
                "parametres": [
                    {"nom": p.nom, "libelle": p.libelle, "valeur": p.valeur, "source": p.source}
                    for p in e.parametres
                ],
            }
            for e in resultat.explication
        ],
    }


class EncodeurDeLot:
    """Une ligne JSON par résultat (ou refus) d'un lot : le texte de
    `json.dumps(resultat_vers_json(r), ensure_ascii=False, separators=(",", ":"))`, écrit
    directement en UTF-8 (sans dictionnaires intermédiaires) ; les paramètres de chaque année,
    et chaque étape ou résultat de collectif partagé d'un projet à l'autre par le calcul,
    encodés une seule fois pour tout le lot."""

    def __init__(self) -> None:
        self._encodeur = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), check_circular=False
        )
        # Par objet (gardé avec son texte : l'identité d'un objet disparu peut être reprise).
        # Le calcul partage ces objets d'un projet à l'autre : peu d'entrées par lot.
        self._parametres: dict[int, tuple[object, bytes]] = {}
        self._utilises: dict[int, tuple[object, str]] = {}
        # Le texte de chaque étape par identité ; `_gardees` garde les étapes en vie, donc
        # leur identité ne peut pas être reprise par une autre tant qu'elles sont là.
        self._etapes: dict[int, bytes] = {}
        self._gardees: list[Etape] = []
        self._resultats: dict[int, bytes] = {}
        self._resultats_gardes: list[ResultatCollectif] = []

    def resultat(self, resultat: Resultat) -> str:
        return self.resultat_utf8(resultat).decode()

    def refus(self, refus: Mapping[str, object]) -> str:
        return self._encodeur.encode(refus)

    def refus_utf8(self, refus: Mapping[str, object]) -> bytes:
        return self.refus(refus).encode()

    def resultat_utf8(self, resultat: Resultat) -> bytes:
        """La ligne en UTF-8 : assemblée d'octets déjà encodés, sans conversion du texte."""
        parametres = resultat.parametres
        connu = self._parametres.get(id(parametres))
        if connu is None or connu[0] is not parametres:
            connu = (parametres, self._encodeur.encode(parametres.vers_dict()).encode())
            self._parametres[id(parametres)] = connu
        # Les montants sont des chiffres, un point et un signe : rien à échapper. Les clés
        # dans l'ordre de `resultat_vers_json`, « parametres » en dernier.
        tete = (
            f'{{"annee_scolaire":{_texte_json(resultat.annee_scolaire)},'
            f'"montant_total":"{_texte_montant(resultat.montant_total)}",'
            f'"montant_avant_plafonnement":"{_texte_montant(resultat.montant_avant_plafonnement)}",'
            f'"plafond_reste_a_charge":"{_texte_montant(resultat.plafond_reste_a_charge)}",'
            f'"plafonnement_reste_a_charge":{_JSON_BOOLEEN[resultat.plafonnement_reste_a_charge]},'
            f'"reduction_plafonnement":"{_texte_montant(resultat.reduction_plafonnement)}",'
            '"collectifs":['
        )
        return b"".join(
            (
                tete.encode(),
                self._collectifs(resultat.collectifs),
                b'],"explication":[',
                self._explication(resultat.explication),
                b'],"parametres":',
                connu[1],
                b"}",
            )
        )

    def _collectifs(self, collectifs: tuple[ResultatCollectif, ...]) -> bytes:
        textes: list[bytes | None] = list(map(self._resultats.get, map(id, collectifs)))
        if None in textes:
            if len(self._resultats_gardes) >= _ETAPES_MAX:
                self._resultats.clear()
                self._resultats_gardes.clear()
            for rang, (texte, collectif) in enumerate(zip(textes, collectifs, strict=True)):
                if texte is None:
                    texte = textes[rang] = _collectif_json(collectif).encode()
                    self._resultats[id(collectif)] = texte
                    self._resultats_gardes.append(collectif)
        return b",".join(textes)  # type: ignore[arg-type]  # plus aucun None

    def _explication(self, etapes: tuple[Etape, ...]) -> bytes:
        textes: list[bytes | None] = list(map(self._etapes.get, map(id, etapes)))
        if None in textes:
            if len(self._gardees) >= _ETAPES_MAX:
                self._etapes.clear()
                self._gardees.clear()
            for rang, (texte, etape) in enumerate(zip(textes, etapes, strict=True)):
                if texte is None:
                    texte = textes[rang] = self._etape_json(etape).encode()
                    # Les étapes des collectifs et les deux premières du projet reviennent
                    # d'un projet à l'autre ; celles du plafonnement sont neuves à chaque fois.
                    if etape.code not in _ETAPES_DU_PLAFONNEMENT:
                        self._etapes[id(etape)] = texte
                        self._gardees.append(etape)
        return b",".join(textes)  # type: ignore[arg-type]  # plus aucun None

    def _etape_json(self, e: Etape) -> str:
        collectif = "null" if e.collectif is None else str(e.collectif)
        return (
            f'{{"code":{_texte_json(e.code)},"libelle":{_texte_json(e.libelle)},'
            f'"valeur":{_texte_json(e.valeur)},"formule":{_texte_json(e.formule)},'
            f'"collectif":{collectif},"parametres":{self._parametres_utilises(e.parametres)}}}'
        )

    def _parametres_utilises(self, utilises: tuple[ParametreUtilise, ...]) -> str:
        connu = self._utilises.get(id(utilises))
        if connu is None or connu[0] is not utilises:
            if len(self._utilises) >= _UTILISES_MAX:
                self._utilises.clear()
            texte = self._encodeur.encode(
                [
                    {"nom": p.nom, "libelle": p.libelle, "valeur": p.valeur, "source": p.source}
                    for p in utilises
                ]
            )
            connu = self._utilises[id(utilises)] = (utilises, texte)
        return connu[1]


_ETAPES_DU_PLAFONNEMENT = frozenset({"montant_avant_plafonnement", "plafonnement", "montant_total"})
_JSON_BOOLEEN = {True: "true", False: "false"}
_UTILISES_MAX = 4096
_ETAPES_MAX = 8192


def _collectif_json(c: ResultatCollectif) -> str:
    motifs = ",".join(
        f'{{"code":{_texte_json(m.code)},"message":{_texte_json(m.message)}}}'
        for m in c.motifs_ineligibilite
    )
    return (
        f'{{"nom":{_texte_json(c.nom)},"eligible":{_JSON_BOOLEEN[c.eligible]},'
        f'"montant":"{_texte_montant(c.montant)}","motifs_ineligibilite":[{motifs}]}}'
    )


def entree_vers_json(entree: Entree) -> dict[str, object]:
    """L'inverse de `lire_entree`, pour conserver une entrée telle qu'elle a été calculée."""
    return {
        "annee_scolaire": entree.annee_scolaire,
        "depenses_totales": _texte_montant(entree.depenses_totales),
        "cofinancements": _texte_montant(entree.cofinancements),
        "collectifs": [_collectif_vers_json(c) for c in entree.collectifs],
    }


def _collectif_vers_json(c: CollectifEntree) -> dict[str, object]:
    donnees: dict[str, object] = {
        "nom": c.nom,
        "nb_enfants": c.nb_enfants,
        "nb_intervenants": c.nb_intervenants,
        "semaines_de_fonctionnement": c.semaines_de_fonctionnement,
        "milieu_rural": c.milieu_rural,
        "enfant_en_situation_de_handicap": c.enfant_en_situation_de_handicap,
        "bonus_projets_culturels": c.bonus_projets_culturels,
        "bonus_accompagnement_parents": c.bonus_accompagnement_parents,
    }
    if not c.retenu:  # n'apparaît que s'il vaut faux : l'entrée publique reste inchangée
        donnees["retenu"] = False
    return donnees
