"""La page des files de travail de la Caf (`/instruction/`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.comptes.models import AgentCaf
from clas.comptes.roles import agent_de
from clas.core.permissions import RequeteConnectee, agent_requis
from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.enveloppe import Enveloppe, Situation, avec_enveloppe, situation_de
from clas.instruction.files import (
    BONUS,
    DOSSIERS_PAR_PAGE,
    ETATS_FILTRABLES,
    FILES,
    NON_ATTRIBUE,
    TRI_PAR_DEFAUT,
    FiltresFiles,
    annoter_attente,
    annoter_echeance,
    colonnes_triables,
    compter_files,
    condition_file,
    filtrer,
    trier,
)
from clas.instruction.models import Proposition, StatutProposition
from clas.instruction.permissions import dossiers_de_la_caf
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
    « à valider », le comptable sur « décidés »."""
    if agent.est_instructeur:
        return "a_instruire"
    if agent.est_valideur:
        return "a_valider"
    return "decides"


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


@agent_requis
def files(request: RequeteConnectee) -> HttpResponse:
    """Les files de travail : seulement les dossiers de la Caf de l'agent. Un nombre
    constant de requêtes, quel que soit le nombre de dossiers (aucun calcul du barème ici)."""
    utilisateur = request.user
    agent = agent_de(utilisateur)
    assert agent is not None

    campagnes = list(
        avec_enveloppe(Campagne.objects.filter(caf_id=agent.caf_id))
        .annotate(
            a_traiter=Exists(
                Dossier.objects.filter(campagne_id=OuterRef("pk"), etat__in=ETATS_A_TRAITER)
            )
        )
        .order_by("-annee_scolaire")
    )
    instructeurs = list(
        AgentCaf.objects.filter(caf_id=agent.caf_id, est_instructeur=True)
        .select_related("utilisateur")
        .order_by("utilisateur__nom", "utilisateur__prenom", "utilisateur__email")
    )
    formulaire = FiltresFiles(request.GET, campagnes=campagnes, instructeurs=instructeurs)
    valeurs = formulaire.valeurs()
    file = valeurs["file"] or file_par_defaut(agent)
    mes = bool(valeurs["mes"]) and file == "en_instruction"
    tri = valeurs["tri"] or TRI_PAR_DEFAUT

    filtres = annoter_attente(filtrer(dossiers_de_la_caf(utilisateur), valeurs))
    compteurs = compter_files(filtres, utilisateur)
    dossiers = annoter_echeance(
        filtres.filter(condition_file(file, utilisateur if mes else None))
    ).select_related("structure", "campagne", "instructeur")
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
    page = Paginator(trier(dossiers, tri), DOSSIERS_PAR_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    dater(page.object_list)
    nombre_de_filtres = formulaire.nombre_de_filtres()

    return render(
        request,
        "instruction/files.html",
        {
            "titre": f"Instruction — {agent.caf.nom}",
            "agent": agent,
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
            "instructeurs": instructeurs,
            "non_attribue": NON_ATTRIBUE,
            "etats": ETATS_FILTRABLES,
            "types_structure": TypeStructure.choices,
            "bonus": BONUS,
        },
    )
