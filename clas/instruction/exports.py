"""Les exports de la file d'instruction : ce que la file montre, avec ses filtres (mêmes
paramètres d'URL que la page), une ligne par dossier ou une ligne par collectif de ces
dossiers. Le périmètre : la Caf de l'agent, toutes pour l'administration nationale."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.http import HttpResponseBase, QueryDict

from clas.campagnes.models import Campagne
from clas.comptes.models import AgentCaf
from clas.comptes.roles import agent_de
from clas.core.exports import Colonne, Export, jour, oui_non, perimetre_caf
from clas.core.exports_differes import repondre
from clas.core.permissions import RequeteConnectee, agent_ou_national_requis
from clas.dossiers.models import NIVEAUX_SCOLAIRES, Collectif, Dossier
from clas.referentiel.models import Caf

from .files import (
    TRI_PAR_DEFAUT,
    FiltresFiles,
    annees_des_campagnes,
    annoter_attente,
    condition_file,
    filtrer,
    trier,
)
from .permissions import dossiers_lisibles, en_lecture_seule
from .views.files import TEXTES_NON_AFFICHES, file_par_defaut

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur
    from clas.instruction.enveloppe import CampagneAvecEnveloppe


def dossiers_de_la_file(utilisateur: Utilisateur, parametres: QueryDict) -> QuerySet[Dossier]:
    """Les dossiers que la file montre avec ces paramètres (file, filtres, recherche, tri),
    dans le périmètre de l'utilisateur ; les paramètres refusés sont ignorés, comme sur la
    page."""
    agent = agent_de(utilisateur)
    campagnes = list(
        perimetre_caf(Campagne.objects.all(), utilisateur, "caf_id").only("titre", "annee_scolaire")
    )
    instructeurs = list(
        perimetre_caf(
            AgentCaf.objects.filter(est_instructeur=True), utilisateur, "caf_id"
        ).select_related("utilisateur")
    )
    # Le filtre « Caf » de l'administration nationale, comme sur la page.
    cafs = (
        list(Caf.objects.order_by("nom").values_list("pk", "nom"))
        if en_lecture_seule(utilisateur)
        else []
    )
    formulaire = FiltresFiles(
        parametres,
        campagnes=cast("list[CampagneAvecEnveloppe]", campagnes),
        instructeurs=instructeurs,
        cafs=cafs,
        annees=annees_des_campagnes(campagnes),
    )
    valeurs = formulaire.valeurs()
    file = valeurs["file"] or (file_par_defaut(agent) if agent is not None else "tous")
    mes = bool(valeurs["mes"]) and file == "en_instruction" and agent is not None
    # Le périmètre de la page : la Caf de l'agent, toutes pour l'administration nationale.
    dossiers = annoter_attente(filtrer(dossiers_lisibles(utilisateur), valeurs)).filter(
        condition_file(file, utilisateur if mes else None)
    )
    return trier(dossiers, valeurs["tri"] or TRI_PAR_DEFAUT)


def _par_dossier(agregat: Any) -> Subquery:
    """Un agrégat des collectifs du dossier, en sous-requête (pas de GROUP BY sur la file)."""
    return Subquery(
        Collectif.objects.filter(dossier_id=OuterRef("pk"))
        .order_by()
        .values("dossier_id")
        .annotate(valeur=agregat)
        .values("valeur"),
        output_field=IntegerField(),
    )


def lignes_dossiers(utilisateur: Utilisateur, parametres: QueryDict) -> QuerySet[Dossier]:
    return (
        dossiers_de_la_file(utilisateur, parametres)
        .select_related("structure", "campagne__caf", "instructeur", "decision")
        .defer(*TEXTES_NON_AFFICHES)
        .annotate(
            nb_collectifs=_par_dossier(Count("pk")),
            nb_enfants=_par_dossier(Sum("nb_enfants")),
        )
    )


def _decision(dossier: Dossier, champ: str) -> Any:
    # Un dossier sans décision n'a pas l'attribut inverse : getattr le dit sans requête.
    decision = getattr(dossier, "decision", None)
    return getattr(decision, champ) if decision is not None else None


def _nature_decision(dossier: Dossier) -> str:
    decision = getattr(dossier, "decision", None)
    return decision.get_nature_display() if decision is not None else ""


DOSSIERS = Export(
    nom="dossiers",
    titre="Dossiers",
    colonnes=(
        Colonne("Dossier", lambda d: d.numero, 14),
        Colonne("Titre du projet", lambda d: d.titre, 30),
        Colonne("Structure", lambda d: d.structure.nom, 30),
        Colonne("SIRET", lambda d: d.structure.siret),
        Colonne("Type de structure", lambda d: d.structure.get_type_structure_display(), 20),
        Colonne("Commune", lambda d: d.structure.commune, 20),
        Colonne("Caf", lambda d: d.campagne.caf.nom, 20),
        Colonne("Année scolaire", lambda d: d.campagne.annee_scolaire, 12),
        Colonne("État", lambda d: d.get_etat_display(), 20),
        Colonne("Déposé le", lambda d: jour(d.depose_le), 12),
        Colonne("Instructeur", lambda d: str(d.instructeur) if d.instructeur else "", 20),
        Colonne("Collectifs", lambda d: d.nb_collectifs or 0, 10),
        Colonne("Enfants", lambda d: d.nb_enfants or 0, 10),
        Colonne("Prestation demandée (€)", lambda d: d.ps_demandee),
        Colonne("Décision", _nature_decision, 14),
        Colonne("Montant accordé (€)", lambda d: _decision(d, "montant")),
        Colonne("Décidé le", lambda d: jour(_decision(d, "decidee_le")), 12),
    ),
    lignes=lignes_dossiers,
)


def lignes_collectifs(utilisateur: Utilisateur, parametres: QueryDict) -> QuerySet[Collectif]:
    dossiers = dossiers_de_la_file(utilisateur, parametres).order_by().values("pk")
    return (
        Collectif.objects.filter(dossier_id__in=dossiers)
        .select_related("dossier__structure", "dossier__campagne__caf")
        .only(
            *(f.name for f in Collectif._meta.concrete_fields if not f.name.startswith("desc")),
            "dossier__numero",
            "dossier__etat",
            "dossier__structure__nom",
            "dossier__structure__siret",
            "dossier__structure__commune",
            "dossier__campagne__annee_scolaire",
            "dossier__campagne__caf__nom",
        )
        .order_by("dossier__numero", "ordre", "pk")
    )


NIVEAUX = dict(NIVEAUX_SCOLAIRES)

COLLECTIFS = Export(
    nom="collectifs",
    titre="Collectifs",
    colonnes=(
        Colonne("Dossier", lambda c: c.dossier.numero, 14),
        Colonne("Structure", lambda c: c.dossier.structure.nom, 30),
        Colonne("SIRET", lambda c: c.dossier.structure.siret),
        Colonne("Commune", lambda c: c.dossier.structure.commune, 20),
        Colonne("Caf", lambda c: c.dossier.campagne.caf.nom, 20),
        Colonne("Année scolaire", lambda c: c.dossier.campagne.annee_scolaire, 12),
        Colonne("État du dossier", lambda c: c.dossier.get_etat_display(), 20),
        Colonne("Collectif", lambda c: c.nom, 24),
        Colonne("Lieu", lambda c: c.lieu, 24),
        Colonne(
            "Niveaux", lambda c: ", ".join(NIVEAUX.get(n, str(n)) for n in c.niveaux or ()), 16
        ),
        Colonne("Enfants", lambda c: c.nb_enfants, 10),
        Colonne("Milieu rural", lambda c: oui_non(c.milieu_rural), 10),
        Colonne(
            "Enfant en situation de handicap",
            lambda c: oui_non(c.enfant_en_situation_de_handicap),
            10,
        ),
        Colonne("Première semaine", lambda c: c.premiere_semaine, 12),
        Colonne("Semaines de fonctionnement", lambda c: c.semaines_de_fonctionnement, 10),
        Colonne("Bonus projets culturels", lambda c: oui_non(c.bonus_projets_culturels), 10),
        Colonne(
            "Bonus accompagnement des parents",
            lambda c: oui_non(c.bonus_accompagnement_parents),
            10,
        ),
    ),
    lignes=lignes_collectifs,
)


@agent_ou_national_requis
def export_dossiers(request: RequeteConnectee, format_: str) -> HttpResponseBase:
    return repondre(request, "clas.instruction.exports.DOSSIERS", format_)


@agent_ou_national_requis
def export_collectifs(request: RequeteConnectee, format_: str) -> HttpResponseBase:
    return repondre(request, "clas.instruction.exports.COLLECTIFS", format_)
