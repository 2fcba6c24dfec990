"""La convention sur la page du dossier de la structure : ce qui s'affiche et qui signe."""

from __future__ import annotations

from typing import Any

from django import template

from clas.conventions.actions import peut_signer
from clas.conventions.models import Convention
from clas.dossiers.models import Dossier, EtatDossier
from clas.versements.models import NatureVersement, Versement

register = template.Library()


@register.simple_tag(takes_context=True)
def convention_du_dossier(context: template.Context, dossier: Dossier) -> dict[str, Any] | None:
    """Aucune requête tant que le dossier n'est pas accepté ; sinon la convention, son
    acompte et si la personne connectée peut signer."""
    if dossier.etat not in (EtatDossier.ACCEPTE, EtatDossier.CLOTURE):
        return None
    convention = (
        Convention.objects.select_related("signee_par").filter(dossier_id=dossier.pk).first()
    )
    if convention is None:
        return None
    request = context.get("request")
    utilisateur = getattr(request, "user", None)
    return {
        "convention": convention,
        "acompte": Versement.objects.filter(
            convention=convention, nature=NatureVersement.ACOMPTE
        ).first(),
        "peut_signer": (
            not convention.est_signee
            and utilisateur is not None
            and peut_signer(dossier, utilisateur)
        ),
    }
