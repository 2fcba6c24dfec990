"""L'export des versements (/paiements/export.csv|xlsx) : une ligne par versement, ceux de
la Caf de l'agent (toutes pour l'administration nationale, ou celle de `?caf=`) ; `?etat=`
n'en garde qu'un état (une valeur inconnue est ignorée, comme les filtres des autres
listes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import HttpResponseBase, QueryDict

from clas.core.exports import Colonne, Export, jour, perimetre_caf
from clas.core.exports_differes import repondre
from clas.core.permissions import RequeteConnectee, agent_ou_national_requis
from clas.referentiel.choix_caf import caf_choisie

from .models import EtatVersement, Versement

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur


def lignes_versements(utilisateur: Utilisateur, parametres: QueryDict) -> QuerySet[Versement]:
    versements = perimetre_caf(
        Versement.objects.all(),
        utilisateur,
        "caf_id",
        caf_choisie(utilisateur, parametres.get("caf")),
    )
    etat = parametres.get("etat", "")
    if etat in EtatVersement.values:
        versements = versements.filter(etat=etat)
    return versements.select_related(
        "convention__dossier__structure", "convention__dossier__campagne__caf", "lot"
    ).order_by("created_at", "pk")


VERSEMENTS = Export(
    nom="versements",
    titre="Versements",
    colonnes=(
        Colonne("Référence", lambda v: v.reference, 20),
        Colonne("Dossier", lambda v: v.convention.dossier.numero, 14),
        Colonne("Structure", lambda v: v.convention.dossier.structure.nom, 30),
        Colonne("SIRET", lambda v: v.convention.dossier.structure.siret),
        Colonne("Caf", lambda v: v.convention.dossier.campagne.caf.nom, 20),
        Colonne("Année scolaire", lambda v: v.convention.dossier.campagne.annee_scolaire, 12),
        Colonne("Nature", lambda v: v.get_nature_display(), 10),
        Colonne("Montant (€)", lambda v: v.montant),
        Colonne("État", lambda v: v.get_etat_display(), 16),
        Colonne("Créé le", lambda v: jour(v.created_at), 12),
        Colonne("Validé le", lambda v: jour(v.valide_le), 12),
        Colonne("Lot", lambda v: v.lot.numero if v.lot else "", 20),
        Colonne("Payé le", lambda v: v.paye_le, 12),
        Colonne("Référence bancaire", lambda v: v.reference_bancaire, 20),
        Colonne("Rejeté le", lambda v: jour(v.rejete_le), 12),
        Colonne("Motif du rejet", lambda v: v.motif_rejet, 30),
    ),
    lignes=lignes_versements,
)


@agent_ou_national_requis
def export_versements(request: RequeteConnectee, format_: str) -> HttpResponseBase:
    return repondre(request, "clas.versements.exports.VERSEMENTS", format_)
