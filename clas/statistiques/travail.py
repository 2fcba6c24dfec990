"""La page de travail d'un agent (`/caf/`) : pour chacun de ses rôles, ce qui l'attend,
compté en une requête par sujet (dossiers, bilans, versements, indus), chaque nombre menant
à la liste filtrée qui montre exactement ces éléments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from clas.bilans.models import EtatBilan, Indu
from clas.bilans.retards import condition_bilan_en_retard, condition_indu_en_retard
from clas.comptes.models import AgentCaf, Utilisateur
from clas.conventions.models import Convention
from clas.core.chiffres_en_cache import agreger_en_cache
from clas.dossiers.models import EtatDossier
from clas.instruction.files import annoter_attente, complements_echus, condition_file
from clas.instruction.permissions import dossiers_de_la_caf
from clas.versements.models import EtatVersement
from clas.versements.permissions import versements_de_la_caf


@dataclass(frozen=True)
class Definition:
    """Un nombre de la page de travail : pour quels rôles, et la liste filtrée qu'il ouvre."""

    groupe: str
    code: str
    libelle: str
    aide: str
    nom_url: str
    requete: str
    roles: frozenset[str]
    # Un retard : signalé en rouge dès qu'il y en a un.
    retard: bool = False


@dataclass(frozen=True)
class Compteur:
    definition: Definition
    nombre: int

    @property
    def url(self) -> str:
        return f"{reverse(self.definition.nom_url)}?{self.definition.requete}"


@dataclass(frozen=True)
class Groupe:
    titre: str
    compteurs: list[Compteur]


INS, VAL, CPT = "instructeur", "valideur", "comptable"
DEFINITIONS = (
    Definition(
        "Instruction",
        "a_instruire",
        "Dossiers à instruire",
        "Déposés, personne ne les instruit encore.",
        "instruction_files",
        "file=a_instruire",
        frozenset({INS}),
    ),
    Definition(
        "Instruction",
        "mes_dossiers",
        "Mes dossiers en instruction",
        "Ceux qui vous sont attribués.",
        "instruction_files",
        "file=en_instruction&mes=1",
        frozenset({INS}),
    ),
    Definition(
        "Instruction",
        "complements_en_retard",
        "Compléments en retard",
        "La structure n'a pas répondu avant l'échéance.",
        "instruction_files",
        "file=complements&en_retard=1",
        frozenset({INS}),
        retard=True,
    ),
    Definition(
        "Instruction",
        "propositions_a_valider",
        "Propositions à valider",
        "Une décision proposée attend un second agent.",
        "instruction_files",
        "file=a_valider",
        frozenset({VAL}),
    ),
    Definition(
        "Bilans de fin d'année",
        "bilans_a_examiner",
        "Bilans à examiner",
        "Déposés par les structures.",
        "bilans_caf",
        "etat=depose",
        frozenset({INS, VAL}),
    ),
    Definition(
        "Bilans de fin d'année",
        "bilans_en_retard",
        "Bilans en retard",
        "Pas déposés à la date limite de la convention.",
        "bilans_caf",
        "en_retard=1",
        frozenset({INS, VAL}),
        retard=True,
    ),
    Definition(
        "Paiements",
        "versements_a_valider",
        "Versements à valider",
        "Acomptes et soldes à valider avant paiement.",
        "paiements_accueil",
        "onglet=a-valider",
        frozenset({VAL}),
    ),
    Definition(
        "Paiements",
        "versements_a_payer",
        "Versements à mettre en paiement",
        "Validés, à mettre dans un lot de virement SEPA.",
        "paiements_accueil",
        "onglet=a-payer",
        frozenset({CPT}),
    ),
    Definition(
        "Paiements",
        "indus_en_retard",
        "Indus en retard",
        "Pas remboursés à l'échéance.",
        "indus_liste",
        "en_retard=1",
        frozenset({VAL, CPT}),
        retard=True,
    ),
)


Agregation = tuple[QuerySet[Any], dict[str, Any]]


def _dossiers(agent: AgentCaf, utilisateur: Utilisateur) -> Agregation:
    # Les sous-requêtes en annotations : un agrégat ne filtre pas sur une sous-requête qui
    # remonte au dossier (OuterRef).
    requete = (
        annoter_attente(dossiers_de_la_caf(utilisateur))
        .annotate(complements_echus=complements_echus())
        .order_by()
    )
    return requete, {
        "a_instruire": Count("pk", filter=condition_file("a_instruire")),
        "mes_dossiers": Count("pk", filter=condition_file("en_instruction", utilisateur)),
        "complements_en_retard": Count(
            "pk", filter=Q(etat=EtatDossier.COMPLEMENTS_DEMANDES, complements_echus=True)
        ),
        "propositions_a_valider": Count("pk", filter=condition_file("a_valider")),
    }


def _bilans(agent: AgentCaf, utilisateur: Utilisateur) -> Agregation:
    return Convention.objects.filter(dossier__campagne__caf_id=agent.caf_id).order_by(), {
        "bilans_a_examiner": Count("pk", filter=Q(bilan__etat=EtatBilan.DEPOSE)),
        "bilans_en_retard": Count("pk", filter=condition_bilan_en_retard()),
    }


def _versements(agent: AgentCaf, utilisateur: Utilisateur) -> Agregation:
    return versements_de_la_caf(utilisateur).order_by(), {
        "versements_a_valider": Count("pk", filter=Q(etat=EtatVersement.A_VALIDER)),
        "versements_a_payer": Count("pk", filter=Q(etat=EtatVersement.VALIDE, lot__isnull=True)),
    }


def _indus(agent: AgentCaf, utilisateur: Utilisateur) -> Agregation:
    requete = Indu.objects.filter(convention__dossier__campagne__caf_id=agent.caf_id).order_by()
    return requete, {"indus_en_retard": Count("pk", filter=condition_indu_en_retard())}


# Une requête par sujet, et seulement si l'un des nombres qu'elle donne est montré.
REQUETES = (
    (_dossiers, {"a_instruire", "mes_dossiers", "complements_en_retard", "propositions_a_valider"}),
    (_bilans, {"bilans_a_examiner", "bilans_en_retard"}),
    (_versements, {"versements_a_valider", "versements_a_payer"}),
    (_indus, {"indus_en_retard"}),
)


def groupes_de_travail(agent: AgentCaf, utilisateur: Utilisateur) -> list[Groupe]:
    """Les nombres des rôles de l'agent, par sujet ; au plus quatre requêtes (aucune quand
    les données n'ont pas changé depuis le dernier affichage)."""
    roles = set(agent.roles)
    montrees = [d for d in DEFINITIONS if d.roles & roles]
    codes = {d.code for d in montrees}
    nombres: dict[str, int] = {}
    for sujet, donne in REQUETES:
        if donne & codes:
            requete, agregats = sujet(agent, utilisateur)
            # Comptés sur toute la Caf : en cache tant que les données ne changent pas.
            nombres |= agreger_en_cache(f"travail-{sujet.__name__}", requete, **agregats)
    groupes: dict[str, list[Compteur]] = {}
    for definition in montrees:
        groupes.setdefault(definition.groupe, []).append(
            Compteur(definition, nombres[definition.code])
        )
    return [Groupe(titre, compteurs) for titre, compteurs in groupes.items()]
