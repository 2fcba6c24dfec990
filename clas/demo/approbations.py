"""Une modification du barème à quatre yeux dans la démo : l'administratrice nationale
propose une revalorisation du bonus « projets culturels » de l'année en cours (déjà
utilisée par les campagnes), que le second administrateur national approuve ou refuse."""

from __future__ import annotations

from decimal import Decimal

from clas.comptes.models import Utilisateur
from clas.referentiel.actions import proposer_parametres
from clas.referentiel.models import ParametresBareme

MOTIF = "Circulaire Cnaf (démonstration) : revalorisation du bonus projets culturels."
HAUSSE = Decimal("100.00")


def charger_approbations(annee: str, national: Utilisateur) -> None:
    """Idempotent : une proposition identique déjà en attente est gardée ; une fois
    approuvée, la recharger ne propose rien de plus (la valeur est déjà là)."""
    parametres = ParametresBareme.objects.filter(annee_scolaire=annee).first()
    if parametres is None or parametres.propositions.exists():
        return
    valeurs = parametres.valeurs()
    valeurs["bonus_projets_culturels"] += HAUSSE
    sources = dict(parametres.sources or {})
    sources["bonus_projets_culturels"] = MOTIF
    proposer_parametres(
        parametres, valeurs, sources, MOTIF, national, parametres.updated_at.isoformat()
    )
