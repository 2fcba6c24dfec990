"""Les types des paramètres de l'API (chemin et filtres), bornés dans le schéma OpenAPI
comme dans le code : un identifiant tient dans une colonne de la base, un code de Caf a trois
caractères, une date porte son fuseau horaire. Ce qui dépasse est refusé par un 422 qui nomme
le paramètre, jamais par une erreur de la base (500)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from ninja import Path
from pydantic import AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

# Les clés primaires (BigAutoField) tiennent sur 64 bits ; on borne au plus grand entier
# exact en JSON (2^53 - 1), que tout client lit sans arrondi.
ID_MAX = 2**53 - 1

_DATE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]")


def _date_heure_iso(valeur: Any) -> Any:
    """pydantic lit aussi « 0.5 » comme un horodatage Unix : seul le format ISO 8601 est
    documenté, seul il est accepté."""
    if isinstance(valeur, str) and not _DATE_ISO.match(valeur):
        raise PydanticCustomError("datetime_parsing", "date et heure ISO 8601 attendue")
    return valeur


Identifiant = Annotated[int, Field(ge=1, le=ID_MAX)]
IdentifiantChemin = Annotated[int, Path(ge=1, le=ID_MAX, description="Identifiant.")]
CodeCaf = Annotated[str, Field(pattern=r"^[0-9]{2}[0-9AB]$", examples=["069"])]
AnneeScolaire = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{4}$", examples=["2025-2026"])]
# Les curseurs sont du base64 « url » : rien d'autre ne peut en être un.
Curseur = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=1000)]
DateHeure = Annotated[
    AwareDatetime,
    BeforeValidator(_date_heure_iso),
    Field(examples=["2026-09-01T08:00:00+02:00"]),
]
