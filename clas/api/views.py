"""La documentation de l'API, en français, dans la mise en page du site : ce qu'est l'API,
la liste de ses points d'entrée (lue dans le schéma OpenAPI : elle suit le code), les jetons
personnels, un exemple de simulation calculé à l'ouverture de la page (il reste donc vrai
quand les paramètres du barème changent), le lien vers le schéma OpenAPI."""

from __future__ import annotations

import copy
import json
import types
import typing
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from pydantic.fields import FieldInfo

from clas.bareme import EntreeInvalide, resultat_vers_json
from clas.referentiel.services import simuler

from .erreurs import LIBELLES_CODES
from .schemas import CollectifEntreeSchema, SimulationEntreeSchema

# L'exemple chiffré de CLAS.md §2.2 : 8 889,00 €.
EXEMPLE: dict[str, Any] = {
    "annee_scolaire": "2025-2026",
    "depenses_totales": "24000.00",
    "cofinancements": "10000.00",
    "collectifs": [
        {
            "nom": "CP-CE1",
            "nb_enfants": 10,
            "nb_intervenants": 2,
            "semaines_de_fonctionnement": 36,
            "bonus_projets_culturels": True,
            "bonus_accompagnement_parents": True,
        },
        {
            "nom": "CE2-CM1",
            "nb_enfants": 10,
            "nb_intervenants": 2,
            "semaines_de_fonctionnement": 36,
            "bonus_projets_culturels": True,
        },
        {
            "nom": "CM2-6e",
            "nb_enfants": 10,
            "nb_intervenants": 2,
            "semaines_de_fonctionnement": 36,
            "bonus_projets_culturels": True,
        },
    ],
}

# Les types de l'entrée, par les types de base qui les composent (« nombre ou chaîne »…).
TYPES = {
    frozenset({"str"}): "texte",
    frozenset({"int"}): "nombre entier",
    frozenset({"bool"}): "booléen (true ou false)",
    frozenset({"float", "str"}): "nombre ou texte (« 24000.00 »)",
    frozenset({"int", "str"}): "nombre entier ou texte (« 10 »)",
    frozenset({"list"}): "liste de collectifs (1 à 200)",
}


def _types_de_base(annotation: Any) -> set[str]:
    """`Annotated[int, …] | Annotated[str, …] | None` → {"int", "str"}."""
    origine = typing.get_origin(annotation)
    if origine is typing.Annotated:
        return _types_de_base(typing.get_args(annotation)[0])
    if origine in (typing.Union, types.UnionType):
        return {nom for membre in typing.get_args(annotation) for nom in _types_de_base(membre)}
    if origine is list:
        return {"list"}
    nom = getattr(annotation, "__name__", str(annotation))
    return set() if nom == "NoneType" else {nom}


def _type_lisible(champ: FieldInfo) -> str:
    noms = _types_de_base(champ.annotation)
    return TYPES.get(frozenset(noms), " ou ".join(sorted(noms)))


def _champs(schema: type[Any]) -> list[dict[str, Any]]:
    lignes = []
    for nom, champ in schema.model_fields.items():
        defaut = None if champ.is_required() else champ.default
        lignes.append(
            {
                "nom": nom,
                "type": _type_lisible(champ),
                "obligatoire": champ.is_required(),
                "defaut": json.dumps(defaut, ensure_ascii=False) if defaut is not None else "",
                "description": champ.description or "",
            }
        )
    return lignes


def _en_json(valeur: Any) -> str:
    return json.dumps(valeur, ensure_ascii=False, indent=2)


def _reponse_abregee(sortie: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
    """La réponse de l'exemple, l'explication et les paramètres réduits à leur début."""
    abregee = dict(sortie)
    explication = sortie.get("explication", [])
    parametres = sortie.get("parametres", {})
    abregee["explication"] = explication[:1] + (["…"] if len(explication) > 1 else [])
    premiers = list(parametres.items())[:1]
    abregee["parametres"] = dict(premiers) | ({"…": "…"} if len(parametres) > 1 else {})
    return abregee, len(explication), len(parametres)


METHODES = ("get", "post", "put", "patch", "delete")


def points_d_entree() -> list[dict[str, Any]]:
    """Chaque point de l'API, dans l'ordre du schéma OpenAPI : méthode, adresse, rôle, jeton
    demandé ou non, codes de réponse."""
    from .urls import api  # l'instance est montée par config/urls, qui importe aussi ce module

    schema = api.get_openapi_schema()
    return [
        {
            "methode": methode.upper(),
            "adresse": adresse,
            "role": operation.get("summary", ""),
            "jeton": bool(operation.get("security")),
            "codes": ", ".join(str(c) for c in sorted(operation.get("responses", {}), key=int)),
        }
        for adresse, operations in schema["paths"].items()
        for methode, operation in operations.items()
        if methode in METHODES
    ]


def documentation(request: HttpRequest) -> HttpResponse:
    contexte: dict[str, Any] = {
        "titre": "Documentation de l'API",
        "url_simulations": request.build_absolute_uri("/api/v1/simulations"),
        "url_base": request.build_absolute_uri("/api/v1/"),
        "url_openapi": reverse("api-1.0.0:openapi-json"),
        "points": points_d_entree(),
        # Les libellés de l'OpenAPI, sans leur balisage Markdown.
        "codes_erreur": [(code, texte.replace("`", "")) for code, texte in LIBELLES_CODES.items()],
        "requete": _en_json(EXEMPLE),
        "champs_simulation": _champs(SimulationEntreeSchema),
        "champs_collectif": _champs(CollectifEntreeSchema),
    }
    try:
        sortie = resultat_vers_json(simuler(copy.deepcopy(EXEMPLE)))
    except (EntreeInvalide, KeyError):
        # Les paramètres de l'année de l'exemple ne sont pas en base : pas d'exemple calculé.
        contexte["reponse"] = None
    else:
        abregee, nb_etapes, nb_parametres = _reponse_abregee(sortie)
        contexte.update(
            reponse=_en_json(abregee),
            montant_total=Decimal(str(sortie["montant_total"])),
            nb_etapes=nb_etapes,
            nb_parametres=nb_parametres,
        )
    invalide = copy.deepcopy(EXEMPLE)
    del invalide["collectifs"][0]["nb_enfants"]
    invalide["collectifs"][1]["nb_intervenants"] = -1
    try:
        simuler(invalide)
        contexte["refus"] = None
    except EntreeInvalide as refus:
        contexte["refus"] = _en_json(refus.vers_json())
    return render(request, "api/documentation.html", contexte)
