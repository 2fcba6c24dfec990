"""Les endpoints de lecture. Chaque liste part des fonctions de visibilité des pages
(`Campagne.objects.visibles_par`, `Dossier.objects.visibles_par`, `versements_lisibles`…) :
un jeton voit exactement ce que son propriétaire voit dans le site, rien de plus."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field as Champ
from ninja import Query, Router, Schema

from clas.campagnes.models import Campagne
from clas.dossiers.models import Collectif, Dossier, DossierQuerySet, EtatDossier
from clas.referentiel.models import Caf, ParametresBareme
from clas.versements.models import EtatVersement, LotPaiement, Versement
from clas.versements.permissions import capacites_paiements, lots_lisibles, versements_lisibles

from . import donnees as s
from .auth import JetonPersonnel, RequeteApi
from .erreurs import ErreurApi, erreurs_possibles
from .pagination import LIMITE_DEFAUT, LIMITE_MAX, paginer
from .parametres import AnneeScolaire, CodeCaf, Curseur, DateHeure, Identifiant, IdentifiantChemin

routeur = Router(auth=JetonPersonnel())

LECTURE = erreurs_possibles(401, 403, 422, 429)
DETAIL = erreurs_possibles(401, 403, 404, 422, 429)


def _montant(valeur: Decimal | None) -> str | None:
    return None if valeur is None else f"{Decimal(valeur):.2f}"


def _etat(code: str, choix: Any) -> dict[str, str]:
    return {"code": code, "libelle": str(choix(code).label)}


class Pagination(Schema):
    curseur: Curseur | None = Champ(
        None, description="La valeur « suivant » de la page précédente."
    )
    limite: int = Champ(LIMITE_DEFAUT, ge=1, le=LIMITE_MAX, description="Lignes par page.")


# --- Référentiel ------------------------------------------------------------------------------


def _caf(caf: Caf) -> dict[str, str]:
    return {"code": caf.code, "departement": caf.departement, "nom": caf.nom}


@routeur.get(
    "/referentiel/caf",
    response={200: s.ListeCafSchema, **LECTURE},
    summary="Les 101 Caf",
    tags=["Référentiel"],
)
def liste_caf(request: RequeteApi) -> Any:
    return {"resultats": [_caf(caf) for caf in Caf.objects.order_by("code")]}


def _parametres(ligne: ParametresBareme) -> dict[str, Any]:
    return {"annee_scolaire": ligne.annee_scolaire, "parametres": ligne.vers_bareme().vers_dict()}


class FiltreParametres(Schema):
    annee_scolaire: AnneeScolaire | None = Champ(
        None, description="Une seule année (« 2025-2026 ») ; toutes par défaut."
    )


@routeur.get(
    "/referentiel/parametres",
    response={200: s.ListeParametresSchema, **LECTURE},
    summary="Les paramètres du barème par année scolaire",
    tags=["Référentiel"],
)
def liste_parametres(request: RequeteApi, filtres: Query[FiltreParametres]) -> Any:
    lignes = ParametresBareme.objects.order_by("annee_scolaire")
    if filtres.annee_scolaire:
        lignes = lignes.filter(annee_scolaire=filtres.annee_scolaire)
    return {"resultats": [_parametres(ligne) for ligne in lignes]}


# --- Campagnes --------------------------------------------------------------------------------


def _campagne(campagne: Campagne, maintenant: dt.datetime) -> dict[str, Any]:
    return {
        "id": campagne.pk,
        "titre": campagne.titre,
        "annee_scolaire": campagne.annee_scolaire,
        "caf": _caf(campagne.caf),
        "ouverture": campagne.ouverture,
        "cloture": campagne.cloture,
        "ouverte": campagne.est_ouverte(maintenant),
        "enveloppe": _montant(campagne.enveloppe),
        "date_limite_bilan": campagne.date_limite_bilan,
    }


class FiltreCampagnes(Pagination):
    annee_scolaire: AnneeScolaire | None = Champ(None, description="« 2025-2026 »")


@routeur.get(
    "/campagnes",
    response={200: s.PageCampagnesSchema, **LECTURE},
    summary="Les campagnes (appels à projets) visibles",
    description="Le national les voit toutes ; un agent celles de sa Caf ; un membre de "
    "structure celles de la Caf de ses structures.",
    tags=["Campagnes"],
)
def liste_campagnes(request: RequeteApi, filtres: Query[FiltreCampagnes]) -> Any:
    requete = Campagne.objects.visibles_par(request.user).select_related("caf")
    if filtres.annee_scolaire:
        requete = requete.filter(annee_scolaire=filtres.annee_scolaire)
    lignes, suivant = paginer(requete, filtres.curseur, filtres.limite)
    maintenant = timezone.now()
    return {"resultats": [_campagne(c, maintenant) for c in lignes], "suivant": suivant}


# --- Dossiers ---------------------------------------------------------------------------------


def _dossier_resume(dossier: Dossier) -> dict[str, Any]:
    decision = getattr(dossier, "decision", None)
    return {
        "id": dossier.pk,
        "numero": dossier.numero,
        "titre": dossier.titre,
        "etat": _etat(dossier.etat, EtatDossier),
        "structure": {
            "id": dossier.structure.pk,
            "nom": dossier.structure.nom,
            "siret": dossier.structure.siret,
            "commune": dossier.structure.commune,
        },
        "campagne_id": dossier.campagne_id,
        "annee_scolaire": dossier.campagne.annee_scolaire,
        "caf": dossier.campagne.caf.code,
        "ps_demandee": _montant(dossier.ps_demandee),
        "montant_decide": _montant(decision.montant) if decision is not None else None,
        "depose_le": dossier.depose_le,
        "modifie_le": dossier.updated_at,
    }


class FiltreDossiers(Pagination):
    campagne: Identifiant | None = Champ(None, description="Identifiant de la campagne.")
    etat: EtatDossier | None = Champ(None, description="Code de l'état (« accepte »…).")
    caf: CodeCaf | None = Champ(None, description="Code de la Caf (« 069 » pour le Rhône).")
    modifie_depuis: DateHeure | None = Champ(
        None,
        description="Seulement les dossiers modifiés à partir de cette date et heure, fuseau "
        "horaire compris (2026-09-01T08:00:00+02:00).",
    )


def _dossiers_visibles(request: RequeteApi) -> DossierQuerySet:
    return Dossier.objects.visibles_par(request.user).select_related(
        "structure", "campagne__caf", "decision"
    )


@routeur.get(
    "/dossiers",
    response={200: s.PageDossiersSchema, **LECTURE},
    summary="Les dossiers visibles, filtrés, par pages",
    description="Triés par date de modification puis identifiant : pour synchroniser, "
    "repartez de `modifie_depuis` ou suivez les curseurs jusqu'à `suivant: null`.",
    tags=["Dossiers"],
)
def liste_dossiers(request: RequeteApi, filtres: Query[FiltreDossiers]) -> Any:
    requete = _dossiers_visibles(request)
    if filtres.campagne is not None:
        requete = requete.filter(campagne_id=filtres.campagne)
    if filtres.etat is not None:
        requete = requete.filter(etat=filtres.etat)
    if filtres.caf:
        requete = requete.filter(campagne__caf__code=filtres.caf)
    if filtres.modifie_depuis is not None:
        requete = requete.filter(updated_at__gte=filtres.modifie_depuis)
    lignes, suivant = paginer(requete, filtres.curseur, filtres.limite, ("updated_at", "pk"))
    return {"resultats": [_dossier_resume(d) for d in lignes], "suivant": suivant}


def _versement(versement: Versement, dossier_id: int) -> dict[str, Any]:
    return {
        "id": versement.pk,
        "dossier_id": dossier_id,
        "nature": versement.nature,
        "montant": _montant(versement.montant),
        "etat": _etat(versement.etat, EtatVersement),
        "lot_id": versement.lot_id,
        "reference": versement.reference,
        "paye_le": versement.paye_le,
        "cree_le": versement.created_at,
    }


def _collectif(collectif: Collectif) -> dict[str, Any]:
    return {
        "id": collectif.pk,
        "nom": str(collectif),
        "lieu": collectif.lieu,
        "niveaux": list(collectif.niveaux or []),
        "nb_enfants": collectif.nb_enfants,
        "milieu_rural": collectif.milieu_rural,
        "enfant_en_situation_de_handicap": collectif.enfant_en_situation_de_handicap,
        "semaines_de_fonctionnement": collectif.semaines_de_fonctionnement,
        "bonus_projets_culturels": collectif.bonus_projets_culturels,
        "bonus_accompagnement_parents": collectif.bonus_accompagnement_parents,
        "nb_intervenants": len(collectif.intervenants.all()),
    }


def _decision(dossier: Dossier) -> dict[str, Any] | None:
    decision = getattr(dossier, "decision", None)
    if decision is None:
        return None
    resultat = decision.resultat or {}
    return {
        "nature": decision.nature,
        "montant": _montant(decision.montant),
        "decidee_le": decision.decidee_le,
        "entree_bareme": decision.entree_bareme or {},
        "parametres": decision.parametres or {},
        "explication": list(resultat.get("explication", [])),
    }


def _suite(dossier: Dossier) -> dict[str, Any]:
    """Convention, versements et bilan (après un accord)."""
    convention = getattr(dossier, "convention", None)
    if convention is None:
        return {"convention": None, "versements": [], "bilan": None}
    from clas.bilans.models import EtatBilan

    bilan = getattr(convention, "bilan", None)
    return {
        "convention": {
            "id": convention.pk,
            "montant_maximal": _montant(convention.montant_maximal),
            "taux_acompte": str(Decimal(convention.taux_acompte).normalize()),
            "date_limite_bilan": convention.date_limite_bilan,
            "signee_le": convention.signee_le,
            "montant_definitif": _montant(convention.montant_definitif),
        },
        "versements": [_versement(v, dossier.pk) for v in convention.versements.all()],
        "bilan": None
        if bilan is None
        else {
            "etat": _etat(bilan.etat, EtatBilan),
            "depose_le": bilan.depose_le,
            "accepte_le": bilan.accepte_le,
            "montant_recalcule": _montant(bilan.montant_recalcule),
            "montant_definitif": _montant(bilan.montant_definitif),
        },
    }


@routeur.get(
    "/dossiers/{dossier_id}",
    response={200: s.DossierDetailSchema, **DETAIL},
    summary="Un dossier : collectifs, budget, décision, convention, versements, bilan",
    description="La décision porte l'entrée du barème, les paramètres et l'explication "
    "figés au moment où elle a été prise.",
    tags=["Dossiers"],
)
def detail_dossier(request: RequeteApi, dossier_id: IdentifiantChemin) -> Any:
    requete = (
        _dossiers_visibles(request)
        .select_related("convention__bilan")
        .prefetch_related(
            Prefetch(
                "collectifs",
                queryset=Collectif.objects.prefetch_related("intervenants").order_by("ordre", "id"),
            ),
            "lignes_budget",
            Prefetch(
                "convention__versements", queryset=Versement.objects.order_by("created_at", "id")
            ),
        )
    )
    dossier = get_object_or_404(requete, pk=dossier_id)
    return {
        **_dossier_resume(dossier),
        "resume": dossier.resume,
        "collectifs": [_collectif(c) for c in dossier.collectifs.all()],
        "budget": [
            {
                "nature": ligne.nature,
                "compte": ligne.compte,
                "financeur": ligne.financeur,
                "libelle": ligne.libelle,
                "montant": _montant(ligne.montant),
            }
            for ligne in dossier.lignes_budget.all()
        ],
        "decision": _decision(dossier),
        **_suite(dossier),
    }


# --- Versements et lots (agents) ----------------------------------------------------------


def _exiger_paiements(request: RequeteApi) -> None:
    # La règle des pages (`capacites_paiements`) : les agents lisent les paiements de leur
    # Caf, l'administration nationale ceux de toutes les Caf (lecture seule) ; les porteurs,
    # rien.
    if not capacites_paiements(request.user)["voir"]:
        raise ErreurApi(
            403,
            "Les versements et les lots sont réservés aux agents des Caf et à "
            "l'administration nationale.",
        )


class FiltreVersements(Pagination):
    etat: EtatVersement | None = Champ(None, description="Code de l'état (« paye »…).")
    lot: Identifiant | None = Champ(None, description="Identifiant du lot.")
    dossier: Identifiant | None = Champ(None, description="Identifiant du dossier.")
    caf: CodeCaf | None = Champ(
        None, description="Code de la Caf (utile au national, qui lit toutes les Caf)."
    )


@routeur.get(
    "/versements",
    response={200: s.PageVersementsSchema, **LECTURE},
    summary="Les versements de la Caf de l'agent (toutes les Caf pour le national)",
    tags=["Paiements"],
)
def liste_versements(request: RequeteApi, filtres: Query[FiltreVersements]) -> Any:
    _exiger_paiements(request)
    requete = versements_lisibles(request.user).select_related("convention")
    if filtres.etat is not None:
        requete = requete.filter(etat=filtres.etat)
    if filtres.lot is not None:
        requete = requete.filter(lot_id=filtres.lot)
    if filtres.dossier is not None:
        requete = requete.filter(convention__dossier_id=filtres.dossier)
    if filtres.caf:
        requete = requete.filter(caf__code=filtres.caf)
    lignes, suivant = paginer(requete, filtres.curseur, filtres.limite)
    return {
        "resultats": [_versement(v, v.convention.dossier_id) for v in lignes],
        "suivant": suivant,
    }


class FiltreLots(Pagination):
    caf: CodeCaf | None = Champ(
        None, description="Code de la Caf (utile au national, qui lit toutes les Caf)."
    )


def _lot(lot: LotPaiement) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "numero": lot.numero,
        "caf": lot.caf.code,
        "date_execution": lot.date_execution,
        "nb_versements": lot.nb_versements,
        "montant_total": _montant(lot.montant_total),
        "traite_le": lot.traite_le,
        "cree_le": lot.created_at,
    }


@routeur.get(
    "/lots",
    response={200: s.PageLotsSchema, **LECTURE},
    summary="Les lots de paiement de la Caf de l'agent (toutes les Caf pour le national)",
    tags=["Paiements"],
)
def liste_lots(request: RequeteApi, filtres: Query[FiltreLots]) -> Any:
    _exiger_paiements(request)
    requete = lots_lisibles(request.user).select_related("caf")
    if filtres.caf:
        requete = requete.filter(caf__code=filtres.caf)
    lignes, suivant = paginer(requete, filtres.curseur, filtres.limite)
    return {"resultats": [_lot(lot) for lot in lignes], "suivant": suivant}
