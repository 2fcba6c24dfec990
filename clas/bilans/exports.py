"""L'export des indus (/paiements/indus/export.csv|xlsx) : une ligne par indu, dans l'ordre
de la page (ouverts d'abord, par échéance), avec ce qui est remboursé et ce qui reste ;
`?en_retard=1` comme la page. Périmètre : la Caf de l'agent, toutes pour le national (ou
celle de `?caf=`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseBase, QueryDict
from django.utils import timezone

from clas.core.exports import Colonne, Export, jour, oui_non, perimetre_caf
from clas.core.exports_differes import repondre
from clas.core.permissions import RequeteConnectee, agent_ou_national_requis
from clas.referentiel.choix_caf import caf_choisie

from .models import EtatIndu, Indu, Remboursement
from .retards import condition_indu_en_retard

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur


def lignes_indus(utilisateur: Utilisateur, parametres: QueryDict) -> QuerySet[Indu]:
    rembourse = (
        Remboursement.objects.filter(indu=OuterRef("pk"))
        .values("indu")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    zero = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))
    indus = perimetre_caf(
        Indu.objects.all(),
        utilisateur,
        "convention__dossier__campagne__caf_id",
        caf_choisie(utilisateur, parametres.get("caf")),
    ).annotate(rembourse=Coalesce(Subquery(rembourse), zero))
    if parametres.get("en_retard", "") == "1":
        indus = indus.filter(condition_indu_en_retard())
    return indus.select_related(
        "convention__dossier__structure", "convention__dossier__campagne__caf"
    ).order_by("etat", "echeance", "id")


def _en_retard(indu: Indu) -> str:
    return oui_non(indu.etat == EtatIndu.OUVERT and indu.echeance < timezone.localdate())


INDUS = Export(
    nom="indus",
    titre="Indus",
    colonnes=(
        Colonne("Dossier", lambda i: i.convention.dossier.numero, 14),
        Colonne("Structure", lambda i: i.convention.dossier.structure.nom, 30),
        Colonne("SIRET", lambda i: i.convention.dossier.structure.siret),
        Colonne("Caf", lambda i: i.convention.dossier.campagne.caf.nom, 20),
        Colonne("Année scolaire", lambda i: i.convention.dossier.campagne.annee_scolaire, 12),
        Colonne("Montant de l'indu (€)", lambda i: i.montant),
        Colonne("Remboursé (€)", lambda i: i.rembourse),
        Colonne("Reste à rembourser (€)", lambda i: i.montant - i.rembourse),
        Colonne("État", lambda i: i.get_etat_display(), 14),
        Colonne("Notifié le", lambda i: jour(i.notifie_le), 12),
        Colonne("Échéance", lambda i: i.echeance, 12),
        Colonne("En retard", _en_retard, 10),
        Colonne("Remboursé le", lambda i: jour(i.rembourse_le), 12),
        Colonne("Motif", lambda i: i.motif, 40),
    ),
    lignes=lignes_indus,
)


@agent_ou_national_requis
def export_indus(request: RequeteConnectee, format_: str) -> HttpResponseBase:
    return repondre(request, "clas.bilans.exports.INDUS", format_)
