"""La décision sur la page du dossier de la structure (inscrite par
`InstructionConfig.ready`, voir `clas.core.sections`) : tout vient de ce que la décision a
gardé, rien n'est recalculé. Aucune requête tant que le dossier n'est pas décidé."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clas.dossiers.models import Dossier, EtatDossier

from .lettre import corrections_retenues
from .models import Decision

ETATS_DECIDES = (EtatDossier.ACCEPTE, EtatDossier.REFUSE, EtatDossier.SANS_SUITE)


def decision_structure(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    if dossier.etat not in ETATS_DECIDES:
        return None
    decision = Decision.objects.filter(dossier_id=dossier.pk).first()
    if decision is None:
        return None
    return {"decision": decision, "corrections": corrections_retenues(dossier)}
