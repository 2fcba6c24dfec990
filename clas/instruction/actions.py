"""Les cas d'usage de l'instruction d'un dossier par la Caf : prendre (ou reprendre) le
dossier, corriger les chiffres retenus, annoter, écrire à la structure, demander des
compléments.

Chaque action relit le dossier sous verrou (`select_for_update`), vérifie ce que l'agent
peut faire avec `capacites_agent` sur cette version relue, écrit ses lignes et l'historique
dans la même transaction. Deux agents qui agissent en même temps : le second reçoit
`ActionImpossible` avec un message clair, rien n'est appliqué deux fois.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clas.bareme import CollectifEntree, Entree, formater_euros
from clas.comptes.models import AgentCaf, Utilisateur
from clas.comptes.roles import agent_de
from clas.core.exceptions import ActionImpossible
from clas.dossiers import actions as actions_dossier
from clas.dossiers.etats import TransitionImpossible, appliquer
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import (
    Collectif,
    DemandeComplements,
    Dossier,
    EtatDossier,
    Evenement,
    LigneBudget,
    Message,
)

from .calcul import CHAMPS_BOOLEENS, CHAMPS_MONTANTS, comparer, texte
from .models import CHAMPS_DU_DOSSIER, Annotation, ChampCorrige, Correction, Proposition
from .permissions import capacites_agent, peut_attribuer

E = EtatDossier

__all__ = [
    "ActionImpossible",
    "annoter",
    "attribuer",
    "corriger",
    "demander_complements",
    "ecrire_a_la_structure",
    "prendre",
]


# Bornes des valeurs corrigées (les mêmes que la saisie de la structure).
BORNES: dict[str, tuple[int, int]] = {
    ChampCorrige.NB_ENFANTS: (0, 100),
    ChampCorrige.NB_INTERVENANTS: (0, 50),
    ChampCorrige.SEMAINES: (0, 52),
}
CHAMPS_DU_COLLECTIF = tuple(c for c in ChampCorrige if c not in CHAMPS_DU_DOSSIER)


def _nom(utilisateur: Utilisateur | None) -> str:
    if utilisateur is None:
        return "personne"
    return utilisateur.nom_complet or utilisateur.email


def _proposition_en_attente(dossier: Dossier) -> Proposition | None:
    return (
        Proposition.objects.filter(dossier_id=dossier.pk, statut="en_attente")
        .order_by("-created_at", "-id")
        .first()
    )


def _verrouiller(dossier: Dossier) -> Dossier:
    """Le dossier relu sous verrou jusqu'à la fin de la transaction.

    L'instructeur est relu à part, après le verrou : sur PostgreSQL, une jointure faite
    dans la requête qui attend le verrou garderait l'ancien instructeur (seule la ligne
    verrouillée est relue dans sa dernière version)."""
    verrouille = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("campagne")
        .get(pk=dossier.pk)
    )
    if verrouille.instructeur_id is not None:
        verrouille.instructeur = Utilisateur.objects.get(pk=verrouille.instructeur_id)
    return verrouille


def _exiger(dossier: Dossier, agent: Utilisateur, capacite: str, refus: str) -> None:
    """Refuse (403) à qui n'est pas agent de la Caf du dossier ; refuse avec un message
    (ActionImpossible) quand l'état du dossier ne le permet plus."""
    profil = agent_de(agent)
    if profil is None or profil.caf_id != dossier.campagne.caf_id:
        raise PermissionDenied("Seuls les agents de la Caf du dossier l'instruisent.")
    droits = capacites_agent(dossier, agent, _proposition_en_attente(dossier))
    if not droits[capacite]:
        raise ActionImpossible(refus)


def _refus_instruction(dossier: Dossier, agent: Utilisateur) -> str:
    """Pourquoi un agent ne peut pas (ou plus) instruire : le message à lui montrer."""
    if dossier.instructeur_id != agent.pk:
        if dossier.instructeur_id is None:
            return "Prenez d'abord le dossier en instruction."
        return (
            f"Ce dossier est instruit par {_nom(dossier.instructeur)} : "
            "reprenez-le (avec un motif) pour l'instruire."
        )
    if dossier.etat != E.EN_INSTRUCTION:
        return (
            f"Action impossible : le dossier est « {E(dossier.etat).label} » "
            "(il doit être en instruction)."
        )
    return "Une proposition de décision attend d'être validée : le dossier n'est plus modifiable."


# --- Prendre le dossier ---------------------------------------------------------------------

INCHANGE = object()


def prendre(
    dossier: Dossier,
    agent: Utilisateur,
    motif: str = "",
    instructeur_vu: Any = INCHANGE,
) -> Dossier:
    """L'instructeur prend le dossier : « déposé » → « en instruction », et il en devient
    l'instructeur. Reprendre un dossier déjà attribué à un autre agent demande un motif
    écrit, journalisé (événement interne « reattribution »).

    `instructeur_vu` : l'id de l'instructeur affiché sur la page d'où vient la demande
    (None si aucun). S'il a changé entre-temps, rien n'est fait : l'agent doit voir qui
    vient de prendre le dossier avant de décider de le reprendre.
    """
    motif = (motif or "").strip()
    with transaction.atomic():
        verrouille = _verrouiller(dossier)
        profil = agent_de(agent)
        if profil is None or profil.caf_id != verrouille.campagne.caf_id:
            raise PermissionDenied("Seuls les agents de la Caf du dossier l'instruisent.")
        if not profil.est_instructeur:
            raise PermissionDenied("Seul un instructeur prend un dossier en instruction.")
        ancien = verrouille.instructeur
        if verrouille.instructeur_id == agent.pk:
            raise ActionImpossible("Vous instruisez déjà ce dossier.")
        if instructeur_vu is not INCHANGE and instructeur_vu != verrouille.instructeur_id:
            raise ActionImpossible(
                f"{_nom(ancien)} vient de prendre ce dossier. Rien n'a été changé : "
                "pour le reprendre, indiquez le motif de la réattribution."
                if ancien is not None
                else "Le dossier a changé entre-temps : rien n'a été fait, vérifiez-le puis "
                "recommencez."
            )
        droits = capacites_agent(verrouille, agent, None)
        if not droits["prendre"]:
            raise ActionImpossible(
                f"Le dossier est « {E(verrouille.etat).label} » : "
                "il ne peut plus être pris en instruction."
            )
        if ancien is not None and not motif:
            raise ValidationError(
                {
                    "motif": f"Ce dossier est instruit par {_nom(ancien)} : "
                    "indiquez pourquoi vous le reprenez."
                }
            )
        etat_initial = verrouille.etat
        if etat_initial == E.DEPOSE:
            appliquer(
                verrouille,
                "prendre_en_instruction",
                agent,
                f"Dossier pris en instruction par {_nom(agent)}.",
            )
        Dossier.objects.filter(pk=verrouille.pk).update(instructeur=agent)
        if ancien is not None:
            Evenement.noter(
                verrouille,
                TypeEvenement.REATTRIBUTION,
                f"Dossier réattribué de {_nom(ancien)} à {_nom(agent)}. Motif : {motif}",
                auteur=agent,
            )
        elif etat_initial != E.DEPOSE:
            # Dossier déjà en instruction (ou en attente de compléments) sans instructeur.
            Evenement.noter(
                verrouille,
                TypeEvenement.ATTRIBUTION,
                f"Dossier attribué à {_nom(agent)}." + (f" Motif : {motif}" if motif else ""),
                auteur=agent,
            )
    dossier.refresh_from_db(fields=["etat", "instructeur"])
    return dossier


# --- Attribuer des dossiers (le responsable de la Caf) ----------------------------------------

ETATS_ATTRIBUABLES = (E.DEPOSE, E.EN_INSTRUCTION, E.COMPLEMENTS_DEMANDES)


@dataclass(frozen=True)
class Attribution:
    attribues: list[Dossier]
    ignores: list[tuple[Dossier, str]]  # le dossier et pourquoi il n'a pas changé


def attribuer(
    dossiers: list[Dossier], instructeur: Utilisateur, responsable: Utilisateur
) -> Attribution:
    """Le responsable de la Caf confie des dossiers à un instructeur actif de sa Caf. Un
    dossier déposé passe « en instruction » (l'instructeur n'a pas à le prendre) ; un
    dossier déjà attribué à cet instructeur, ou décidé, est laissé tel quel et dit."""
    profil = agent_de(responsable)
    cible = agent_de(instructeur)
    if profil is None or not peut_attribuer(responsable, profil.caf_id):
        raise PermissionDenied("Seul le responsable de la Caf attribue ses dossiers.")
    refus = _refus_instructeur(instructeur, cible, profil.caf_id)
    if refus:
        # Refusé avant le premier dossier : rien n'est attribué.
        raise ValidationError({"instructeur": refus})
    resultat = Attribution([], [])
    for dossier in dossiers:
        with transaction.atomic():
            verrouille = _verrouiller(dossier)
            refus = _refus_attribution(verrouille, profil.caf_id, instructeur)
            if refus:
                resultat.ignores.append((verrouille, refus))
                continue
            _attribuer_un(verrouille, instructeur, responsable)
            resultat.attribues.append(verrouille)
    return resultat


def _refus_instructeur(instructeur: Utilisateur, cible: AgentCaf | None, caf_id: int) -> str:
    """Pourquoi cet agent ne peut pas recevoir de dossiers : le message au responsable."""
    suite = "choisissez un instructeur actif de votre Caf."
    if cible is None or cible.caf_id != caf_id:
        return f"{_nom(instructeur)} n'est pas un agent de votre Caf : {suite}"
    if not cible.actif:
        return f"{_nom(instructeur)} est désactivé : {suite}"
    if not cible.est_instructeur:
        return f"{_nom(instructeur)} n'a pas le rôle d'instructeur : {suite}"
    return ""


def _refus_attribution(dossier: Dossier, caf_id: int, instructeur: Utilisateur) -> str:
    if dossier.campagne.caf_id != caf_id:
        return "ce dossier n'est pas un dossier de votre Caf"
    if dossier.etat not in ETATS_ATTRIBUABLES:
        return f"le dossier est « {E(dossier.etat).label} »"
    if dossier.instructeur_id == instructeur.pk:
        return f"il est déjà attribué à {_nom(instructeur)}"
    return ""


def _attribuer_un(dossier: Dossier, instructeur: Utilisateur, responsable: Utilisateur) -> None:
    ancien = dossier.instructeur
    depose = dossier.etat == E.DEPOSE
    texte = f"Dossier attribué à {_nom(instructeur)} par {_nom(responsable)}"
    if depose:
        appliquer(dossier, "prendre_en_instruction", responsable, f"{texte} (pris en instruction).")
    Dossier.objects.filter(pk=dossier.pk).update(instructeur=instructeur)
    if ancien is not None:
        Evenement.noter(
            dossier,
            TypeEvenement.REATTRIBUTION,
            f"Dossier réattribué de {_nom(ancien)} à {_nom(instructeur)} par {_nom(responsable)}.",
            auteur=responsable,
        )
    elif not depose:
        Evenement.noter(dossier, TypeEvenement.ATTRIBUTION, f"{texte}.", auteur=responsable)


# --- Corrections ------------------------------------------------------------------------------


def _valeur_affichee(champ: str, valeur: Any) -> str:
    if champ in CHAMPS_BOOLEENS:
        return "oui" if valeur else "non"
    if champ in CHAMPS_MONTANTS:
        return formater_euros(Decimal(valeur))
    return str(valeur)


def _verifier_valeur(champ: str, valeur: Any) -> str | None:
    """Le message d'erreur pour une valeur hors bornes, ou None."""
    if champ in CHAMPS_BOOLEENS:
        return None if isinstance(valeur, bool) else "Répondez par oui ou par non."
    if champ in CHAMPS_MONTANTS:
        if not isinstance(valeur, Decimal) or not valeur.is_finite():
            return "Saisissez un montant en euros, par exemple 24 000,00."
        if valeur < 0:
            return "Le montant doit être positif ou nul."
        if valeur != valeur.quantize(Decimal("0.01")):
            return "Au plus deux décimales (les centimes)."
        if valeur >= Decimal("10000000000"):
            return "Ce montant est trop grand."
        return None
    minimum, maximum = BORNES[champ]
    if isinstance(valeur, bool) or not isinstance(valeur, int):
        return "Saisissez un nombre entier."
    if not minimum <= valeur <= maximum:
        return f"Saisissez un nombre entre {minimum} et {maximum}."
    return None


def charger_pour_comparaison(
    dossier: Dossier,
) -> tuple[list[Collectif], list[LigneBudget], list[Correction]]:
    """Collectifs (avec intervenants), lignes de budget et corrections dans l'ordre."""
    collectifs = list(
        Collectif.objects.filter(dossier_id=dossier.pk)
        .prefetch_related("intervenants")
        .order_by("ordre", "id")
    )
    lignes = list(LigneBudget.objects.filter(dossier_id=dossier.pk))
    corrections = list(
        Correction.objects.filter(dossier_id=dossier.pk)
        .select_related("auteur")
        .order_by("created_at", "id")
    )
    return collectifs, lignes, corrections


def corriger(
    dossier: Dossier,
    agent: Utilisateur,
    collectif: Collectif | None,
    valeurs: dict[str, Any],
    motif: str,
) -> list[Correction]:
    """Pose les valeurs retenues par la Caf pour un collectif (ou, `collectif` vide, pour
    les dépenses et cofinancements du dossier). Seules les valeurs qui changent par rapport
    à ce qui est retenu aujourd'hui deviennent des corrections ; chacune porte le motif.
    Les chiffres de la structure ne sont jamais modifiés."""
    motif = (motif or "").strip()
    champs_permis = CHAMPS_DU_DOSSIER if collectif is None else set(CHAMPS_DU_COLLECTIF)
    erreurs: dict[str, str] = {}
    for champ, valeur in valeurs.items():
        if champ not in champs_permis:
            erreurs[champ] = "Ce champ ne se corrige pas ici."
        elif (message := _verifier_valeur(champ, valeur)) is not None:
            erreurs[champ] = message
    if not motif:
        erreurs["motif"] = "Indiquez le motif de la correction : il est gardé dans l'historique."
    with transaction.atomic():
        verrouille = _verrouiller(dossier)
        _exiger(verrouille, agent, "instruire", _refus_instruction(verrouille, agent))
        if collectif is not None and collectif.dossier_id != verrouille.pk:
            raise PermissionDenied("Ce collectif n'appartient pas au dossier.")
        if erreurs:
            raise ValidationError(erreurs)
        collectifs, lignes, existantes = charger_pour_comparaison(verrouille)
        comparaison = comparer(verrouille, collectifs, lignes, existantes)
        cible: Entree | CollectifEntree
        if collectif is None:
            cible = comparaison.retenu
            nom = "Dossier"
        else:
            rang = next(i for i, c in enumerate(collectifs) if c.pk == collectif.pk)
            cible = comparaison.retenu.collectifs[rang]
            nom = f"Collectif « {comparaison.declare.collectifs[rang].nom} »"
        nouvelles: list[Correction] = []
        changements: list[str] = []
        for champ in ChampCorrige:
            if champ not in valeurs:
                continue
            actuelle = getattr(cible, champ)
            valeur = valeurs[champ]
            if valeur == actuelle:
                continue
            nouvelles.append(
                Correction(
                    dossier=verrouille,
                    collectif=collectif,
                    champ=champ,
                    valeur=texte(valeur),
                    motif=motif,
                    auteur=agent,
                )
            )
            changements.append(
                f"{ChampCorrige(champ).label} : {_valeur_affichee(champ, actuelle)} → "
                f"{_valeur_affichee(champ, valeur)}"
            )
        if not nouvelles:
            raise ValidationError(
                {
                    "__all__": "Aucune valeur n'a changé par rapport à ce que la Caf retient "
                    "déjà : rien n'a été enregistré."
                }
            )
        Correction.objects.bulk_create(nouvelles)
        Evenement.noter(
            verrouille,
            TypeEvenement.CORRECTION,
            f"{nom} — " + " ; ".join(changements) + f". Motif : {motif}",
            auteur=agent,
        )
    return nouvelles


# --- Annotations, messages, compléments -----------------------------------------------------


def annoter(dossier: Dossier, agent: Utilisateur, texte_annotation: str) -> Annotation:
    """Une note interne à la Caf, jamais montrée à la structure."""
    texte_annotation = (texte_annotation or "").strip()
    profil = agent_de(agent)
    if profil is None or profil.caf_id != dossier.campagne.caf_id:
        raise PermissionDenied("Seuls les agents de la Caf du dossier l'annotent.")
    if not capacites_agent(dossier, agent, None)["annoter"]:
        raise ActionImpossible("Ce dossier est clôturé : il est en lecture seule.")
    if not texte_annotation:
        raise ValidationError({"texte": "Écrivez l'annotation."})
    return Annotation.objects.create(dossier=dossier, auteur=agent, texte=texte_annotation)


def ecrire_a_la_structure(
    dossier: Dossier,
    agent: Utilisateur,
    texte_message: str,
    fichier: UploadedFile[bytes] | None = None,
) -> Message:
    """Un message de la Caf dans le fil du dossier (la structure le lit sur sa page)."""
    profil = agent_de(agent)
    if profil is None or profil.caf_id != dossier.campagne.caf_id:
        raise PermissionDenied("Seuls les agents de la Caf du dossier écrivent à la structure.")
    if not capacites_agent(dossier, agent, None)["ecrire"]:
        raise ActionImpossible(
            "Ce dossier est clôturé : il est en lecture seule."
            if dossier.etat == EtatDossier.CLOTURE
            else "Les échanges avec la structure commencent une fois le dossier déposé."
        )
    message = actions_dossier.envoyer_message(dossier, agent, texte_message, fichier)
    if not message.de_la_caf:  # un agent qui serait aussi membre de la structure
        Message.objects.filter(pk=message.pk).update(de_la_caf=True)
        message.de_la_caf = True
    return message


def demander_complements(
    dossier: Dossier,
    agent: Utilisateur,
    etapes: list[str],
    message: str,
    echeance: dt.date,
) -> DemandeComplements:
    """L'instructeur du dossier rouvre des étapes à la structure, avec une échéance ; la
    structure reçoit un courriel (voir `clas.dossiers.actions.demander_complements`)."""
    with transaction.atomic():
        verrouille = _verrouiller(dossier)
        _exiger(verrouille, agent, "demander_complements", _refus_instruction(verrouille, agent))
        try:
            demande = actions_dossier.demander_complements(
                verrouille, agent, etapes, message, echeance
            )
        except TransitionImpossible as erreur:
            raise ActionImpossible(str(erreur)) from None
    dossier.refresh_from_db(fields=["etat", "etapes_a_completer"])
    return demande
