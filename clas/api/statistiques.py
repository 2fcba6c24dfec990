"""`/api/v1/statistiques` : les chiffres du tableau de bord (`/statistiques/`), pour les
mêmes personnes et le même périmètre (`capacites_statistiques`, `perimetre_de`), lus par la
même fonction et le même cache (`tableau_de_bord_en_cache`) : l'API et la page donnent les
mêmes nombres pour la même Caf et la même année. Ici, seulement leur mise en JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field as Champ
from ninja import Query, Router, Schema

from clas.comptes.roles import agent_de
from clas.referentiel.models import Caf
from clas.simulateur.formulaire import annee_scolaire_en_cours
from clas.statistiques.cache import tableau_de_bord_en_cache
from clas.statistiques.indicateurs import (
    ETATS_COMPTES,
    Annee,
    Delais,
    Perimetre,
    Repartition,
    annees_disponibles,
)
from clas.statistiques.permissions import REFUS, capacites_statistiques, perimetre_de
from clas.statistiques.views.tableau_de_bord import annee_par_defaut

from . import donnees as s
from .auth import JetonPersonnel, RequeteApi
from .erreurs import ErreurApi, erreurs_possibles
from .lecture import _caf, _montant
from .parametres import AnneeScolaire, CodeCaf

routeur = Router(auth=JetonPersonnel())


def _part(valeur: Decimal | None) -> str | None:
    return None if valeur is None else f"{valeur}"


def _delais(delais: Delais) -> dict[str, Any]:
    return {"nombre": delais.nombre, "mediane": delais.mediane, "decile_9": delais.decile_9}


def _annee(annee: Annee) -> dict[str, Any]:
    """Les chiffres d'une année, sous les noms du tableau de bord (`indicateurs.Annee`)."""
    return {
        "annee_scolaire": annee.annee,
        "dossiers": annee.dossiers,
        "dossiers_par_etat": [
            {
                "code": etat.value,
                "libelle": str(etat.label),
                "nombre": annee.dossiers_par_etat.get(etat, 0),
            }
            for etat in ETATS_COMPTES
        ],
        "projets_finances": annee.projets_finances,
        "collectifs": annee.collectifs,
        "enfants": annee.enfants,
        "collectifs_finances": annee.collectifs_finances,
        "enfants_finances": annee.enfants_finances,
        "collectifs_culturels": annee.collectifs_culturels,
        "collectifs_parents": annee.collectifs_parents,
        "collectifs_ruraux": annee.collectifs_ruraux,
        "part_culturels": _part(annee.part_culturels),
        "part_parents": _part(annee.part_parents),
        "part_rurale": _part(annee.part_rurale),
        "enveloppe": _montant(annee.enveloppe),
        "montant_demande": _montant(annee.montant_demande),
        "montant_propose": _montant(annee.montant_propose),
        "montant_decide": _montant(annee.montant_decide),
        "montant_verse": _montant(annee.montant_verse),
        "montant_recupere": _montant(annee.montant_recupere),
        "part_engagee": _part(annee.part_engagee),
        "part_decidee": _part(annee.part_decidee),
        "delai_decision": _delais(annee.delai_decision),
        "delai_premier_versement": _delais(annee.delai_premier_versement),
        "conventions_signees": annee.conventions_signees,
        "bilans_a_temps": annee.bilans_a_temps,
        "bilans_deposes_en_retard": annee.bilans_deposes_en_retard,
        "bilans_en_retard": annee.bilans_en_retard,
        "bilans_attendus": annee.bilans_attendus,
        "indus_ouverts": annee.indus_ouverts,
        "montant_indus_ouverts": _montant(annee.montant_indus_ouverts),
        "indus_en_retard": annee.indus_en_retard,
    }


def _repartition(ligne: Repartition) -> dict[str, Any]:
    return {
        "cle": ligne.cle,
        "libelle": ligne.libelle,
        "dossiers": ligne.dossiers,
        "projets_finances": ligne.projets_finances,
        "montant_decide": _montant(ligne.montant_decide),
    }


class FiltreStatistiques(Schema):
    annee_scolaire: AnneeScolaire | None = Champ(
        None,
        description="« 2025-2026 » ; par défaut, comme la page : l'année scolaire en cours si "
        "elle a une campagne, sinon la plus récente d'avant.",
    )
    caf: CodeCaf | None = Champ(
        None,
        description="Code de la Caf (national seulement ; sans lui, toutes les Caf). Un agent "
        "voit toujours sa Caf.",
    )


def _perimetre(request: RequeteApi, code_caf: str | None) -> Perimetre:
    """La règle de la page ; mais un code refusé ou inconnu est dit (la page, elle, montre
    alors les chiffres qu'elle peut, avec un avertissement)."""
    capacites = capacites_statistiques(request.user)
    if not capacites["voir"]:
        raise ErreurApi(403, REFUS)
    if code_caf and not capacites["choisir_caf"]:
        agent = agent_de(request.user)
        if agent is not None and agent.caf.code != code_caf:
            raise ErreurApi(403, "Un agent ne voit que les chiffres de sa Caf.", champ="caf")
    if code_caf and capacites["choisir_caf"] and not Caf.objects.filter(code=code_caf).exists():
        raise ErreurApi(422, f"Aucune Caf n'a le code « {code_caf} ».", champ="caf")
    return perimetre_de(request.user, code_caf or "")


@routeur.get(
    "/statistiques",
    url_name="api_statistiques",
    response={200: s.StatistiquesSchema, **erreurs_possibles(401, 403, 422, 429)},
    summary="Les chiffres du tableau de bord (agents des Caf, national)",
    description="Les mêmes nombres que la page Statistiques pour la même Caf et la même "
    "année : l'année choisie (`chiffres`), les quatre précédentes au plus, les répartitions "
    "par type de structure et, pour toutes les Caf, par département. Refusé aux porteurs "
    "(403), comme la page.",
    tags=["Statistiques"],
)
def statistiques(request: RequeteApi, filtres: Query[FiltreStatistiques]) -> Any:
    perimetre = _perimetre(request, filtres.caf)
    disponibles = annees_disponibles(perimetre)
    annee = filtres.annee_scolaire or (
        annee_par_defaut(disponibles)
        if disponibles
        else annee_scolaire_en_cours(timezone.localdate())
    )
    corps: dict[str, Any] = {
        "perimetre": {
            "caf": None if perimetre.caf is None else _caf(perimetre.caf),
            "libelle": perimetre.libelle,
        },
        "annee_scolaire": annee,
        "annees_disponibles": disponibles,
    }
    if annee not in disponibles:
        # Aucune campagne cette année-là : rien n'est compté (la page montre une autre année).
        return corps | {
            "chiffres": _annee(Annee(annee)),
            "annees_precedentes": [],
            "par_type_de_structure": [],
            "par_departement": [],
        }
    tableau = tableau_de_bord_en_cache(perimetre, annee, disponibles)
    return corps | {
        "chiffres": _annee(tableau.courante),
        "annees_precedentes": [_annee(a) for a in tableau.annees if a.annee != annee],
        "par_type_de_structure": [_repartition(r) for r in tableau.par_type],
        "par_departement": [_repartition(r) for r in tableau.par_departement],
    }
