"""Un seul format d'erreur pour toute l'API, en français :
`{"erreurs": [{"champ": "…", "message": "…"}]}` (champ vide quand l'erreur ne vise pas un
champ), avec le code HTTP qui dit sa nature (400, 401, 403, 404, 409, 422, 429)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ErreurDjango
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as ErreurNinja

from clas.core.exceptions import ActionImpossible

from .schemas import RefusSchema

SANS_ECHAPPEMENT = {"ensure_ascii": False}
CORPS_ILLISIBLE = "Le corps de la requête doit être un objet JSON valide."

LIBELLES_CODES = {
    400: "Requête incorrecte (corps illisible)",
    401: "Jeton absent, inconnu, révoqué ou expiré, ou compte désactivé",
    403: "Action refusée à ce jeton ou à son propriétaire",
    404: "Introuvable, ou hors de vos droits",
    409: "Impossible dans l'état actuel de l'objet",
    422: "Donnée invalide (le champ fautif est nommé)",
    429: "Trop de requêtes : réessayez après `Retry-After` secondes",
}


# Les en-têtes qui accompagnent certains refus, décrits dans le schéma OpenAPI.
EN_TETES_DES_REFUS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": 'Toujours « Bearer realm="clas" » : le schéma attendu.',
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Secondes à attendre avant de réessayer.",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
LIBELLES_SUCCES = {200: "Réponse", 201: "Créé"}


class ErreurApi(Exception):
    """Un refus de l'API : son code HTTP, son message, le champ visé."""

    def __init__(
        self, statut: int, message: str, champ: str = "", retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.code_http = statut
        self.message = message
        self.champ = champ
        self.retry_after = retry_after


def reponse(
    statut: int, erreurs: list[dict[str, str]], retry_after: int | None = None
) -> JsonResponse:
    rendu = JsonResponse({"erreurs": erreurs}, status=statut, json_dumps_params=SANS_ECHAPPEMENT)
    if retry_after is not None:
        rendu["Retry-After"] = str(retry_after)
    if statut == 401:
        rendu["WWW-Authenticate"] = 'Bearer realm="clas"'
    return rendu


def une(statut: int, message: str, champ: str = "") -> JsonResponse:
    return reponse(statut, [{"champ": champ, "message": message}])


def erreurs_possibles(*codes: int) -> dict[int, type[RefusSchema]]:
    """Les réponses d'erreur documentées d'un endpoint (OpenAPI)."""
    return dict.fromkeys(codes, RefusSchema)


def documenter(schema: dict[str, Any]) -> dict[str, Any]:
    """Le schéma OpenAPI de ninja, ses réponses décrites en français : ce que veut dire chaque
    code d'erreur, et les en-têtes qui l'accompagnent (401, 429)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for code, decrite in operation.get("responses", {}).items():
                statut = int(code)
                decrite["description"] = LIBELLES_CODES.get(
                    statut, LIBELLES_SUCCES.get(statut, decrite.get("description", ""))
                )
                if statut in EN_TETES_DES_REFUS:
                    decrite["headers"] = EN_TETES_DES_REFUS[statut]
    for securite in schema.get("components", {}).get("securitySchemes", {}).values():
        securite["description"] = (
            "Jeton personnel, créé dans Mon compte › Jetons d'API ou par `manage.py "
            "creer_jeton` : « Authorization: Bearer clas_… ». Mêmes droits que son "
            "propriétaire ; lecture seule ou lecture et écriture."
        )
    return schema


# --- Les messages de validation de pydantic, en français ------------------------------------


def _message_validation(erreur: dict[str, Any]) -> str:
    type_ = str(erreur.get("type", ""))
    ctx = erreur.get("ctx") or {}
    messages = {
        "missing": "Ce champ est obligatoire.",
        "int_parsing": "Un nombre entier est attendu.",
        "int_type": "Un nombre entier est attendu.",
        "int_from_float": "Un nombre entier est attendu.",
        "bool_parsing": "true ou false est attendu.",
        "bool_type": "true ou false est attendu.",
        "string_type": "Du texte est attendu.",
        "string_too_short": f"Au moins {ctx.get('min_length')} caractère(s).",
        "string_too_long": f"Au plus {ctx.get('max_length')} caractères.",
        "greater_than_equal": f"La valeur doit être au moins {ctx.get('ge')}.",
        "greater_than": f"La valeur doit être supérieure à {ctx.get('gt')}.",
        "less_than_equal": f"La valeur doit être au plus {ctx.get('le')}.",
        "less_than": f"La valeur doit être inférieure à {ctx.get('lt')}.",
        "datetime_parsing": "Une date et heure ISO 8601 est attendue (2026-09-01T08:00:00+02:00).",
        "datetime_from_date_parsing": (
            "Une date et heure ISO 8601 est attendue (2026-09-01T08:00:00+02:00)."
        ),
        "datetime_type": "Une date et heure ISO 8601 est attendue (2026-09-01T08:00:00+02:00).",
        "timezone_aware": "Précisez le fuseau horaire (2026-09-01T08:00:00+02:00).",
        "enum": f"Valeur inconnue : choisissez parmi {ctx.get('expected', '')}.",
        "literal_error": f"Valeur inconnue : choisissez parmi {ctx.get('expected', '')}.",
        "json_invalid": CORPS_ILLISIBLE,
        "model_attributes_type": "Un objet JSON est attendu.",
        "model_type": "Un objet JSON est attendu.",
        "dict_type": "Un objet JSON est attendu.",
        "extra_forbidden": "Champ inconnu : retirez-le.",
        "string_pattern_mismatch": "Format invalide.",
        "texte_invisible": "Ce texte ne contient que des caractères invisibles : "
        "écrivez un texte lisible.",
    }
    return messages.get(type_, "Valeur invalide.")


def _champ(loc: Any) -> str:
    """("query", "limite") → « limite » ; ("body", "corps", "texte") → « texte »."""
    parties = [str(p) for p in (loc or ()) if p not in ("query", "path", "body", "header")]
    if parties and parties[0] in ("corps", "payload", "filtres"):
        parties = parties[1:]
    return ".".join(parties)


def brancher(api: NinjaAPI) -> None:
    """Chaque refus de l'API rendu dans le format commun."""

    @api.exception_handler(ErreurApi)
    def _erreur_api(request: HttpRequest, exc: ErreurApi) -> HttpResponse:
        return reponse(
            exc.code_http, [{"champ": exc.champ, "message": exc.message}], exc.retry_after
        )

    @api.exception_handler(AuthenticationError)
    def _non_authentifie(request: HttpRequest, exc: Exception) -> HttpResponse:
        return une(
            401,
            "Authentification requise : envoyez l'en-tête « Authorization: Bearer <jeton> » "
            "avec un jeton créé dans Mon compte › Jetons d'API.",
        )

    @api.exception_handler(ErreurNinja)
    def _invalide(request: HttpRequest, exc: ErreurNinja) -> HttpResponse:
        erreurs = [
            {"champ": _champ(e.get("loc")), "message": _message_validation(e)} for e in exc.errors
        ]
        corps_illisible = any(e.get("type") == "json_invalid" for e in exc.errors)
        return reponse(400 if corps_illisible else 422, erreurs)

    @api.exception_handler(ErreurDjango)
    def _invalide_action(request: HttpRequest, exc: ErreurDjango) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            erreurs = [
                {"champ": champ, "message": message}
                for champ, liste in exc.message_dict.items()
                for message in liste
            ]
        else:
            erreurs = [{"champ": "", "message": message} for message in exc.messages]
        return reponse(422, erreurs)

    @api.exception_handler(PermissionDenied)
    def _refuse(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or "Vos droits ne permettent pas cette action."
        return une(403, message)

    @api.exception_handler(ActionImpossible)
    def _impossible(request: HttpRequest, exc: ActionImpossible) -> HttpResponse:
        erreurs = [{"champ": "", "message": exc.message or str(exc)}]
        erreurs += [{"champ": "", "message": detail} for detail in exc.details]
        return reponse(409, erreurs)

    @api.exception_handler(Http404)
    def _introuvable(request: HttpRequest, exc: Http404) -> HttpResponse:
        return une(
            404, "Introuvable : cet objet n'existe pas ou vos droits ne permettent pas de le voir."
        )

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja refuse un corps illisible par un HttpError 400 en anglais
        # (« Cannot parse request body ») : le même message que pydantic, en français.
        if exc.status_code == 400:
            return une(400, CORPS_ILLISIBLE)
        return une(exc.status_code, str(exc))
