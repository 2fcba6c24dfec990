"""Les faits de la frise d'un dossier (voir `clas.dossiers.frise`), lus ici parce que les
bilans voient toutes les applications du dessous : décision, convention, versements, bilan
et indu. Un nombre constant de requêtes, quel que soit le nombre de dossiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.conventions.models import Convention
from clas.dossiers.frise import Faits, Frise, construire_frise
from clas.dossiers.models import DemandeComplements, Dossier, EtatDossier, Evenement
from clas.instruction.models import Decision
from clas.versements.models import EtatVersement, NatureVersement, Versement

from .models import Bilan, Indu

APRES_DEPOT = (
    EtatDossier.DEPOSE,
    EtatDossier.EN_INSTRUCTION,
    EtatDossier.COMPLEMENTS_DEMANDES,
    EtatDossier.ACCEPTE,
    EtatDossier.REFUSE,
    EtatDossier.SANS_SUITE,
    EtatDossier.CLOTURE,
)


def _jour(moment: dt.datetime | dt.date | None) -> dt.date | None:
    if moment is None or not isinstance(moment, dt.datetime):
        return moment
    return timezone.localtime(moment).date()


def _par_dossier(objets: Iterable[Any], cle: str = "dossier_id") -> dict[int, Any]:
    return {getattr(o, cle): o for o in objets}


def faits_des_dossiers(dossiers: list[Dossier]) -> dict[int, Faits]:
    """Les faits de chaque dossier (leur campagne doit être chargée)."""
    apres = [d.pk for d in dossiers if d.etat in APRES_DEPOT]
    decisions = _par_dossier(Decision.objects.filter(dossier_id__in=apres)) if apres else {}
    accordes = [pk for pk, d in decisions.items() if d.nature == "accord"]
    conventions = (
        _par_dossier(Convention.objects.filter(dossier_id__in=accordes)) if accordes else {}
    )
    par_convention = {c.pk: c.dossier_id for c in conventions.values()}
    versements: dict[tuple[int, str], Versement] = {}
    bilans: dict[int, Bilan] = {}
    indus: dict[int, Indu] = {}
    if par_convention:
        # Le versement actif de chaque nature (un rejeté laisse la place à sa réémission).
        for v in Versement.objects.filter(convention_id__in=par_convention).order_by("id"):
            cle = (par_convention[v.convention_id], v.nature)
            if v.etat != EtatVersement.REJETE or cle not in versements:
                versements[cle] = v
        bilans = {
            par_convention[b.convention_id]: b
            for b in Bilan.objects.filter(convention_id__in=par_convention).only(
                "id", "convention_id", "etat", "depose_le", "accepte_le"
            )
        }
        indus = {
            par_convention[i.convention_id]: i
            for i in Indu.objects.filter(convention_id__in=par_convention)
        }
    echeances: dict[int, dt.date] = {}
    en_complements = [d.pk for d in dossiers if d.etat == EtatDossier.COMPLEMENTS_DEMANDES]
    if en_complements:
        for demande in DemandeComplements.objects.filter(
            dossier_id__in=en_complements, repondue_le__isnull=True
        ).order_by("created_at", "id"):
            echeances[demande.dossier_id] = demande.echeance
    clotures: dict[int, dt.date | None] = {}
    clotures_ids = [d.pk for d in dossiers if d.etat == EtatDossier.CLOTURE]
    if clotures_ids:
        for evenement in Evenement.objects.filter(
            dossier_id__in=clotures_ids, type="cloturer"
        ).order_by("created_at", "id"):
            clotures[evenement.dossier_id] = _jour(evenement.created_at)

    faits = {}
    for dossier in dossiers:
        pk = dossier.pk
        decision = decisions.get(pk)
        convention = conventions.get(pk)
        acompte = versements.get((pk, NatureVersement.ACOMPTE))
        solde = versements.get((pk, NatureVersement.SOLDE))
        bilan = bilans.get(pk)
        indu = indus.get(pk)
        faits[pk] = Faits(
            etat=dossier.etat,
            cloture_depots=_jour(dossier.campagne.cloture),
            depose_le=_jour(dossier.depose_le),
            echeance_complements=echeances.get(pk),
            decision=decision.nature if decision else "",
            decidee_le=_jour(decision.decidee_le) if decision else None,
            montant_accorde=decision.montant if decision else None,
            convention_etablie_le=_jour(convention.created_at) if convention else None,
            convention_signee_le=_jour(convention.signee_le) if convention else None,
            acompte_etat=acompte.etat if acompte else "",
            acompte_montant=acompte.montant if acompte else None,
            acompte_paye_le=acompte.paye_le if acompte else None,
            date_limite_bilan=(
                convention.date_limite_bilan if convention else dossier.campagne.date_limite_bilan
            ),
            bilan_etat=bilan.etat if bilan else "",
            bilan_depose_le=_jour(bilan.depose_le) if bilan else None,
            bilan_accepte_le=_jour(bilan.accepte_le) if bilan else None,
            solde_etat=solde.etat if solde else "",
            solde_montant=solde.montant if solde else None,
            solde_paye_le=solde.paye_le if solde else None,
            indu_etat=indu.etat if indu else "",
            indu_montant=indu.montant if indu else None,
            indu_echeance=indu.echeance if indu else None,
            indu_rembourse_le=_jour(indu.rembourse_le) if indu else None,
            cloture_le=clotures.get(pk),
        )
    return faits


def frises_des_dossiers(dossiers: list[Dossier]) -> dict[int, Frise]:
    return {pk: construire_frise(f) for pk, f in faits_des_dossiers(dossiers).items()}


def frise_du_dossier(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """La section « frise » de la page du dossier (côté structure)."""
    frise = frises_des_dossiers([dossier])[dossier.pk]
    return {"frise": frise, "nb_etapes": len(frise.jalons)}


DOSSIERS_A_L_ACCUEIL = 5  # par structure ; tous les dossiers sont sur « Mes dossiers » (paginée)


def accueil_des_structures(structures: list[Any], utilisateur: Any) -> dict[str, Any] | None:
    """Pour l'accueil « Ma structure » : par structure, la campagne ouverte et sa date de
    clôture (avec le dossier s'il existe), ses derniers dossiers, leur état et ce qu'il reste
    à faire. Quatre à onze requêtes, quel que soit le nombre de structures ou de dossiers."""
    if not structures:
        return None
    ouvertes = list(
        Campagne.objects.ouvertes()
        .filter(caf_id__in={s.caf_id for s in structures})
        .order_by("cloture", "id")
    )
    dossiers = list(
        Dossier.objects.filter(structure__in=structures)
        .select_related("campagne")
        .order_by("-campagne__annee_scolaire", "-created_at", "-id")
    )
    par_structure: dict[int, list[Dossier]] = {s.pk: [] for s in structures}
    for dossier in dossiers:
        par_structure[dossier.structure_id].append(dossier)
    affiches = [d for s in structures for d in par_structure[s.pk][:DOSSIERS_A_L_ACCUEIL]]
    frises = frises_des_dossiers(affiches)
    blocs = []
    for structure in structures:
        siens = par_structure[structure.pk]
        existants = {d.campagne_id: d for d in siens}
        blocs.append(
            {
                "structure": structure,
                "campagnes": [
                    {"campagne": c, "dossier": existants.get(c.pk)}
                    for c in ouvertes
                    if c.caf_id == structure.caf_id
                ],
                "dossiers": [
                    {"dossier": d, "frise": frises[d.pk]} for d in siens[:DOSSIERS_A_L_ACCUEIL]
                ],
                "autres": max(0, len(siens) - DOSSIERS_A_L_ACCUEIL),
            }
        )
    return {"blocs": blocs, "plusieurs": len(structures) > 1}
