"""Les versements sur les pages du dossier, structure et Caf (inscrits par
`VersementsConfig.ready`, voir `clas.core.sections`). Aucune requête tant que le dossier
n'est pas accepté ; ensuite un nombre fixe de requêtes, quel que soit le nombre de
versements (lus une fois, partagés avec la régularisation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clas.comptes.roles import agent_de
from clas.conventions.models import Convention
from clas.conventions.sections import convention_du_dossier
from clas.core.sections import lus_une_fois
from clas.dossiers.models import Dossier

from . import grand_livre
from .models import EtatVersement, NatureVersement, Versement
from .permissions import capacites_paiements


def versements_de(convention: Convention) -> list[Versement]:
    """Les versements de la convention, lus une fois par page : les sections des versements
    et de la régularisation les partagent."""
    return lus_une_fois(
        convention,
        "versements",
        Versement.objects.select_related("lot", "valide_par", "reemission").order_by(
            "created_at", "pk"
        ),
    )


def versements_structure(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Ce que la structure voit de son argent : l'acompte, ses versements et la situation."""
    convention = convention_du_dossier(dossier)
    if convention is None or not convention.est_signee:
        return None
    versements = versements_de(convention)
    return {
        "convention": convention,
        "versements": versements,
        "acompte": next((v for v in versements if v.nature == NatureVersement.ACOMPTE), None),
        "situation": grand_livre.situation(convention, versements),
        # Le montant définitif, une fois le bilan accepté (None avant).
        "montant_definitif": convention.montant_definitif,
    }


def versements_caf(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Côté Caf : les versements du dossier, leur lot, et si l'agent peut les valider."""
    convention = convention_du_dossier(dossier)
    if convention is None:
        return None
    agent = agent_de(utilisateur) if utilisateur is not None else None
    de_la_caf = agent is not None and agent.caf_id == dossier.campagne.caf_id
    versements = versements_de(convention)
    return {
        "convention": convention,
        "versements": versements,
        "situation": grand_livre.situation(convention, versements),
        "peut_valider": de_la_caf and capacites_paiements(utilisateur)["valider"],
        "a_valider": [v for v in versements if v.etat == EtatVersement.A_VALIDER],
    }
