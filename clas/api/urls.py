"""L'API de la plateforme, version 1 : documentée en français à /api/ (clas/api/views.py),
schéma OpenAPI à /api/v1/openapi.json."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI

from clas.bareme import EntreeInvalide, resultat_vers_json
from clas.referentiel.services import simuler

from . import ecriture, erreurs, lecture, statistiques
from .schemas import RefusSchema, SimulationEntreeSchema, SimulationSortieSchema

SANS_ECHAPPEMENT = {"ensure_ascii": False}

api = NinjaAPI(
    title="API de la plateforme Clas",
    version="1.0.0",
    description=(
        "Calcul et explication de la prestation de service Clas (contrat local "
        "d'accompagnement à la scolarité), et les données de la plateforme avec un jeton "
        "personnel (« Authorization: Bearer <jeton> », créé dans Mon compte › Jetons d'API), "
        "avec exactement les droits de son propriétaire. Les montants sont des chaînes à "
        'deux décimales. Toute erreur a la forme `{"erreurs": [{"champ", "message"}]}`.'
    ),
    # Pas de Swagger : son interface est en anglais ; la documentation est une page du site.
    docs_url=None,
    openapi_url="/openapi.json",
)
erreurs.brancher(api)
api.add_router("", lecture.routeur)
api.add_router("", statistiques.routeur)
api.add_router("", ecriture.routeur)


def _refus(champ: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"erreurs": [{"champ": champ, "message": message}]},
        status=422,
        json_dumps_params=SANS_ECHAPPEMENT,
    )


@api.post(
    "/simulations",
    response={200: SimulationSortieSchema, 422: RefusSchema},
    summary="Simuler la prestation de service Clas",
    description=(
        "Sans authentification. Même contrat que la commande `clas simuler` et le "
        "simulateur web. Une entrée invalide est refusée (422) avec la liste de toutes les "
        "erreurs."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/SimulationEntreeSchema"}
                }
            },
        }
    },
    tags=["Simulation"],
)
def simulations(request: HttpRequest) -> Any:
    try:
        donnees = json.loads(request.body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _refus("", "Le corps de la requête doit être un objet JSON valide.")
    except RecursionError:
        # « [[[[…]]]] » sur des milliers de niveaux épuise la pile du décodeur : refusé, pas 500.
        return _refus(
            "", "Le corps de la requête est trop imbriqué : un objet JSON simple est attendu."
        )
    try:
        resultat = simuler(donnees)
    except EntreeInvalide as refus:
        return JsonResponse(refus.vers_json(), status=422, json_dumps_params=SANS_ECHAPPEMENT)
    return JsonResponse(resultat_vers_json(resultat), json_dumps_params=SANS_ECHAPPEMENT)


# Le schéma d'entrée n'est pas lu par ninja (le contrat valide lui-même) : on l'ajoute aux
# composants de la documentation.
_openapi_initial = api.get_openapi_schema


def _openapi_avec_entree(*args: Any, **kwargs: Any) -> Any:
    schema = _openapi_initial(*args, **kwargs)
    composants = schema.setdefault("components", {}).setdefault("schemas", {})
    definition = SimulationEntreeSchema.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    composants.update(definition.pop("$defs", {}))
    composants["SimulationEntreeSchema"] = definition
    return erreurs.documenter(schema)


# Une instance de NinjaAPI : son schéma est complété ici, sans sous-classe.
api.get_openapi_schema = _openapi_avec_entree  # type: ignore[method-assign]  # schéma complété sur l'instance
