"""La page des files de travail de la Caf (`/instruction/`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clas.campagnes.models import Campagne
from clas.comptes.models import AgentCaf, Utilisateur
from clas.comptes.roles import agent_de
from clas.core.chiffres_en_cache import PaginateurCompteEnCache, en_cache_selon_requetes
from clas.core.permissions import RequeteConnectee, connexion_requise
from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction import actions
from clas.instruction.enveloppe import Enveloppe, Situation, avec_enveloppe, situation_de
from clas.instruction.files import (
    BONUS,
    DOSSIERS_PAR_PAGE,
    ETATS_FILTRABLES,
    FILES,
    NON_ATTRIBUE,
    TRI_PAR_DEFAUT,
    FiltresFiles,
    annees_de_toutes_les_campagnes,
    annees_des_campagnes,
    annoter_attente,
    annoter_echeance,
    colonnes_triables,
    compter_files,
    condition_file,
    filtrer,
    trier,
)
from clas.instruction.models import Proposition, StatutProposition
from clas.instruction.permissions import (
    dossiers_lisibles,
    peut_attribuer,
    refuser_en_lecture_seule,
)
from clas.referentiel.choix_caf import choix_caf
from clas.structures.models import TypeStructure

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from clas.instruction.enveloppe import CampagneAvecEnveloppe


class AnnotationsFile(Enveloppe):
    """Ce que la page des files annote sur les campagnes de la Caf."""

    a_traiter: bool


if TYPE_CHECKING:
    CampagneDeLaFile = WithAnnotations[Campagne, AnnotationsFile]

E = EtatDossier
SAISIE_ATTRIBUTION = "instruction_attribution_refusee"  # clé de session
ETATS_A_TRAITER = (E.DEPOSE, E.EN_INSTRUCTION, E.COMPLEMENTS_DEMANDES)
TEXTES_NON_AFFICHES = (
    "resume",
    "axe_enfants",
    "axe_parents",
    "axe_ecole",
    "axe_partenaires",
    "orientation_enfants",
    "liens_ecoles_pedt",
    "lieux",
    "saisies_en_cours",
    "etapes_a_completer",
)


def file_par_defaut(agent: AgentCaf) -> str:
    """Chacun arrive sur sa file : l'instructeur sur « à instruire », le valideur sur
    « à valider », le responsable sur « à instruire » (les dossiers à attribuer), le
    comptable sur « décidés »."""
    if agent.est_instructeur:
        return "a_instruire"
    if agent.est_valideur:
        return "a_valider"
    if agent.est_responsable:
        return "a_instruire"
    return "decides"


def saisie_d_attribution(request: RequeteConnectee, attribution: bool) -> dict[str, Any]:
    """Les cases cochées et l'instructeur choisi d'une attribution refusée, rendus une fois
    à la file rechargée (rien de ce que le responsable avait choisi n'est perdu)."""
    saisie = request.session.pop(SAISIE_ATTRIBUTION, None) if attribution else None
    if not isinstance(saisie, dict):
        return {"dossiers": [], "instructeur": ""}
    return {"dossiers": saisie.get("dossiers", []), "instructeur": saisie.get("instructeur", "")}


def situations_a_afficher(
    campagnes: Sequence[CampagneDeLaFile], choisie: CampagneAvecEnveloppe | None
) -> list[Situation]:
    """La campagne choisie ; sinon les campagnes en cours (dépôts ouverts ou dossiers encore
    à traiter) ; sinon la plus récente."""
    if choisie is not None:
        return [situation_de(choisie)]
    en_cours = [c for c in campagnes if c.est_ouverte() or c.a_traiter]
    return [situation_de(c) for c in (en_cours or campagnes[:1])]


def dater(dossiers: list[Dossier]) -> None:
    """Pose sur chaque dossier de la page son ancienneté (jours depuis le dépôt) et si
    l'échéance des compléments est passée : calculé en Python, sans requête."""
    aujourd_hui = timezone.localdate()
    for dossier in dossiers:
        depot = dossier.depose_le
        dossier.anciennete = (  # type: ignore[attr-defined]  # pour le gabarit de la file
            (aujourd_hui - timezone.localdate(depot)).days if depot else None
        )
        echeance = getattr(dossier, "echeance_complements", None)
        dossier.echeance_depassee = (  # type: ignore[attr-defined]  # pour le gabarit
            echeance is not None and echeance < aujourd_hui
        )


@connexion_requise
def files(request: RequeteConnectee) -> HttpResponse:
    """Les files de travail : les dossiers de la Caf de l'agent ; pour l'administration
    nationale, ceux de toutes les Caf, en lecture seule. Un nombre constant de requêtes,
    quel que soit le nombre de dossiers (aucun calcul du barème ici)."""
    utilisateur = request.user
    agent = agent_de(utilisateur)
    choix = choix_caf(utilisateur, request.GET.get("caf"))
    national, cafs, caf_id = choix.lecture_seule, choix.cafs, choix.caf_id

    campagnes: list[CampagneDeLaFile] = []
    instructeurs: list[AgentCaf] = []
    if caf_id is not None:
        de_la_caf = (
            avec_enveloppe(Campagne.objects.filter(caf_id=caf_id))
            .annotate(
                a_traiter=Exists(
                    Dossier.objects.filter(campagne_id=OuterRef("pk"), etat__in=ETATS_A_TRAITER)
                )
            )
            .order_by("-annee_scolaire")
        )
        # L'enveloppe somme les décisions de toute la campagne : une fois par version.
        campagnes = en_cache_selon_requetes(
            "files-campagnes", [de_la_caf], lambda: list(de_la_caf), list
        )
        instructeurs = list(
            AgentCaf.objects.filter(caf_id=caf_id, est_instructeur=True)
            .select_related("utilisateur")
            .order_by("-actif", "utilisateur__nom", "utilisateur__prenom", "utilisateur__email")
        )
    annees = annees_de_toutes_les_campagnes() if national else annees_des_campagnes(campagnes)
    formulaire = FiltresFiles(
        request.GET,
        campagnes=campagnes,
        instructeurs=instructeurs,
        cafs=cafs,
        annees=annees,
    )
    valeurs = formulaire.valeurs()
    file = valeurs["file"] or (file_par_defaut(agent) if agent is not None else "tous")
    mes = bool(valeurs["mes"]) and file == "en_instruction" and agent is not None
    tri = valeurs["tri"] or TRI_PAR_DEFAUT
    attribution = caf_id is not None and peut_attribuer(utilisateur, caf_id)
    saisie = saisie_d_attribution(request, attribution)

    filtres = annoter_attente(filtrer(dossiers_lisibles(utilisateur), valeurs))
    compteurs = compter_files(filtres, utilisateur)
    dossiers = annoter_echeance(
        filtres.filter(condition_file(file, utilisateur if mes else None))
    ).select_related("structure", "campagne__caf", "instructeur")
    # Les textes du projet ne sont pas affichés dans la liste : inutile de les charger.
    dossiers = dossiers.defer(*TEXTES_NON_AFFICHES)
    if file == "a_valider":
        dossiers = dossiers.prefetch_related(
            Prefetch(
                "propositions",
                queryset=Proposition.objects.filter(
                    statut=StatutProposition.EN_ATTENTE
                ).select_related("auteur"),
                to_attr="propositions_en_attente",
            )
        )
    page = PaginateurCompteEnCache(trier(dossiers, tri), DOSSIERS_PAR_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    dater(page.object_list)
    nombre_de_filtres = formulaire.nombre_de_filtres()

    return render(
        request,
        "instruction/files.html",
        {
            "titre": f"Instruction — {agent.caf.nom}"
            if agent is not None
            else "Dossiers des Caf — lecture seule",
            "agent": agent,
            "lecture_seule": national,
            "cafs": cafs,
            "caf_choisie": caf_id,
            "attribution": attribution,
            "instructeurs_actifs": [a for a in instructeurs if a.actif],
            "saisie_attribution": saisie,
            "retour": request.get_full_path(),
            "onglets": [(f, compteurs[f.code], f.code == file) for f in FILES],
            "file": file,
            "file_active": next(f for f in FILES if f.code == file),
            "mes": mes,
            "compteurs": compteurs,
            "nombre": compteurs["mes_en_instruction"] if mes else compteurs[file],
            "avis": formulaire.avis(),
            "nombre_de_filtres": nombre_de_filtres,
            # Replié sauf quand un critère s'applique : les résultats d'abord.
            "filtres_ouverts": bool(nombre_de_filtres or valeurs["q"] or formulaire.avis()),
            "saisi": request.GET,
            "tri": tri,
            "colonnes": colonnes_triables(tri),
            "page": page,
            "dossiers": page.object_list,
            "situations": situations_a_afficher(campagnes, formulaire.campagne_choisie),
            "campagnes": campagnes,
            "annees": annees,
            "instructeurs": instructeurs,
            "non_attribue": NON_ATTRIBUE,
            "etats": ETATS_FILTRABLES,
            "types_structure": TypeStructure.choices,
            "bonus": BONUS,
        },
    )


@connexion_requise
@require_POST
def attribuer(request: RequeteConnectee) -> HttpResponse:
    """Le responsable attribue les dossiers cochés dans la file à un instructeur ; il revient
    sur la file telle qu'il l'avait filtrée."""
    refuser_en_lecture_seule(request.user)
    agent = agent_de(request.user)
    if agent is None or not peut_attribuer(request.user, agent.caf_id):
        raise PermissionDenied("Seul le responsable de la Caf attribue ses dossiers.")
    retour = request.POST.get("retour", "")
    if not url_has_allowed_host_and_scheme(retour, allowed_hosts={request.get_host()}) or (
        not retour.startswith(reverse("instruction_files"))
    ):
        retour = reverse("instruction_files")
    ids = sorted({int(i) for i in request.POST.getlist("dossiers") if i.isdigit()})
    choisi = request.POST.get("instructeur", "")

    def refuser(texte: str) -> HttpResponse:
        # La file rechargée garde les cases cochées et l'instructeur choisi.
        request.session[SAISIE_ATTRIBUTION] = {"dossiers": ids, "instructeur": choisi}
        messages.error(request, texte)
        return HttpResponseRedirect(retour)

    # Dans l'ordre des numéros : le message les cite ainsi, les verrous se prennent ainsi.
    dossiers = list(
        dossiers_lisibles(request.user)
        .select_related("campagne")
        .filter(pk__in=ids)
        .order_by("numero", "pk")
    )
    if not dossiers:
        return refuser("Cochez au moins un dossier à attribuer.")
    instructeur = Utilisateur.objects.filter(pk=int(choisi)).first() if choisi.isdigit() else None
    if instructeur is None:
        return refuser("Choisissez l'instructeur à qui attribuer les dossiers cochés.")
    try:
        resultat = actions.attribuer(dossiers, instructeur, request.user)
    except ValidationError as erreur:
        return refuser(" ".join(erreur.messages))
    if len(dossiers) < len(ids):
        messages.warning(
            request,
            f"{len(ids) - len(dossiers)} dossier(s) coché(s) introuvable(s) dans votre Caf : "
            "ignoré(s).",
        )
    if resultat.attribues:
        nombre = len(resultat.attribues)
        messages.success(
            request,
            f"{nombre} dossier{'s' if nombre > 1 else ''} attribué{'s' if nombre > 1 else ''} "
            f"à {instructeur} : {', '.join(d.numero or str(d.pk) for d in resultat.attribues)}.",
        )
    for dossier, raison in resultat.ignores:
        messages.warning(request, f"Dossier {dossier.numero or dossier.pk} inchangé : {raison}.")
    return HttpResponseRedirect(retour)
