"""Les écritures de l'API, avec un jeton « lecture et écriture ». Chacune appelle l'action de
la page (mêmes contrôles, même historique) : l'API n'a aucune règle à elle."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from clas.comptes.roles import agent_de
from clas.core.permissions import refuser_en_lecture_seule
from clas.dossiers import actions as actions_dossier
from clas.dossiers.models import Dossier
from clas.dossiers.permissions import role_dans_structure
from clas.instruction import actions as actions_instruction

from . import donnees as s
from .auth import JetonPersonnel, RequeteApi, exiger_ecriture
from .erreurs import erreurs_possibles
from .lecture import _dossier_resume, _dossiers_visibles
from .parametres import IdentifiantChemin

routeur = Router(auth=JetonPersonnel())

ECRITURE = erreurs_possibles(400, 401, 403, 404, 409, 422, 429)


def _dossier(request: RequeteApi, dossier_id: int) -> Dossier:
    """Le dossier s'il est visible (404 sinon, comme les pages) ; l'administration
    nationale, qui lit tout, reçoit le refus de la lecture seule (403, comme les pages)."""
    refuser_en_lecture_seule(request.user)
    return get_object_or_404(_dossiers_visibles(request), pk=dossier_id)


@routeur.post(
    "/dossiers/{dossier_id}/messages",
    response={201: s.MessageSchema, **ECRITURE},
    summary="Écrire un message dans le fil du dossier",
    description="Un membre de la structure écrit à la Caf ; un agent de la Caf du dossier "
    "écrit à la structure. Même action que la page du dossier.",
    tags=["Écritures"],
)
def ecrire_message(
    request: RequeteApi, dossier_id: IdentifiantChemin, corps: s.MessageEntreeSchema
) -> Any:
    exiger_ecriture(request)
    dossier = _dossier(request, dossier_id)
    if role_dans_structure(dossier, request.user) is None and agent_de(request.user) is not None:
        message = actions_instruction.ecrire_a_la_structure(dossier, request.user, corps.texte)
    else:
        message = actions_dossier.envoyer_message(dossier, request.user, corps.texte)
    return Status(
        201,
        {
            "id": message.pk,
            "dossier_id": dossier.pk,
            "texte": message.texte,
            "de_la_caf": message.de_la_caf,
            "envoye_le": message.created_at,
        },
    )


@routeur.post(
    "/dossiers/{dossier_id}/annotations",
    response={201: s.AnnotationSchema, **ECRITURE},
    summary="Annoter un dossier (agents de la Caf du dossier)",
    description="Une note interne à la Caf, jamais montrée à la structure.",
    tags=["Écritures"],
)
def annoter(
    request: RequeteApi, dossier_id: IdentifiantChemin, corps: s.AnnotationEntreeSchema
) -> Any:
    exiger_ecriture(request)
    dossier = _dossier(request, dossier_id)
    annotation = actions_instruction.annoter(dossier, request.user, corps.texte)
    return Status(
        201,
        {
            "id": annotation.pk,
            "dossier_id": dossier.pk,
            "texte": annotation.texte,
            "cree_le": annotation.created_at,
        },
    )


@routeur.post(
    "/dossiers/{dossier_id}/prise-en-instruction",
    response={200: s.DossierResumeSchema, **ECRITURE},
    summary="Prendre le dossier en instruction (instructeurs de la Caf du dossier)",
    description="« Déposé » → « en instruction », et l'agent en devient l'instructeur. "
    "Reprendre un dossier instruit par un autre agent demande un `motif`.",
    tags=["Écritures"],
)
def prendre(request: RequeteApi, dossier_id: IdentifiantChemin, corps: s.PriseEntreeSchema) -> Any:
    exiger_ecriture(request)
    dossier = _dossier(request, dossier_id)
    actions_instruction.prendre(dossier, request.user, corps.motif)
    return _dossier_resume(_dossier(request, dossier.pk))  # relu après la transition
