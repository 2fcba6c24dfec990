"""Le transfert d'une structure vers une autre Caf : jamais par la seule saisie de sa fiche.
Un code postal d'un autre département laisse la structure à sa Caf, avec son adresse
actuelle ; la nouvelle adresse est « à confirmer » par un agent de la Caf actuelle (ou
l'administration nationale), qui confirme le transfert ou le refuse avec un motif. Chaque
demande, confirmation, refus et annulation est au journal (qui, quand, de quelle Caf à
quelle Caf). Confirmé, la structure passe à l'autre Caf avec tout ce qui lui est rattaché
(membres, pièces, coordonnées et leur historique) ; ses dossiers pas encore décidés passent
à la campagne de la même année de la nouvelle Caf (`dossiers.actions.suivre_le_transfert`),
une proposition en attente est renvoyée (`instruction.decisions.renvoyer_apres_transfert`) ;
ses dossiers décidés restent à la Caf qui les a décidés : convention et versements sont ses
engagements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clas.journal.chaine import champs_de, noter_changements
from clas.referentiel.models import Caf

from .etats import TRANSFERT
from .models import (
    EtatTransfert,
    EvenementTransfert,
    Structure,
    TransfertStructure,
    TypeEvenementTransfert,
)
from .signaux import structure_transferee

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from clas.comptes.models import Utilisateur

CHAMPS_ADRESSE = ("adresse", "commune", "code_postal")
REFUS_EXAMEN = (
    "Seul un agent de la Caf actuelle de la structure (ou l'administration nationale) "
    "confirme ou refuse son transfert vers une autre Caf."
)


def transfert_en_attente(structure: Structure) -> TransfertStructure | None:
    return (
        TransfertStructure.objects.filter(structure_id=structure.pk, etat=EtatTransfert.A_CONFIRMER)
        .select_related("caf_origine", "caf_destination", "demande_par")
        .first()
    )


def peut_examiner(transfert: TransfertStructure, utilisateur: Utilisateur | AnonymousUser) -> bool:
    """Un agent (quel que soit son rôle) de la Caf d'origine, ou le national."""
    from clas.comptes.roles import agent_de

    if not utilisateur.is_authenticated:
        return False
    if utilisateur.est_admin_national:
        return True
    agent = agent_de(utilisateur)
    return agent is not None and agent.caf_id == transfert.caf_origine_id


def retenir_changement_de_caf(
    structure: Structure,
    par: Utilisateur,
    donnees: dict[str, Any],
    departement: str,
    caf: Caf,
) -> tuple[dict[str, Any], TransfertStructure | None]:
    """Appelé par `modifier_structure`, sous verrou de la structure. Si le nouveau code
    postal est d'une autre Caf, l'adresse n'est pas écrite : elle devient un transfert à
    confirmer (un transfert encore en attente est annulé, remplacé). Renvoie les données à
    écrire sur la fiche et le transfert demandé (ou None)."""
    en_attente = transfert_en_attente(structure)
    nouvelle = {nom: donnees.get(nom, "") for nom in CHAMPS_ADRESSE}
    if (
        en_attente is not None
        and caf.pk == en_attente.caf_destination_id
        and {nom: getattr(en_attente, nom) for nom in CHAMPS_ADRESSE} == nouvelle
    ):
        # Même demande renvoyée : rien de neuf, l'adresse actuelle reste.
        return _sans_adresse(donnees), en_attente
    if en_attente is not None:
        TRANSFERT.appliquer(
            en_attente,
            "annuler",
            par,
            f"Annulé par {par} : la fiche a de nouveau été modifiée "
            f"({donnees.get('code_postal', '')} {donnees.get('commune', '')}).",
        )
    if caf.pk == structure.caf_id:
        return donnees, None
    transfert = TransfertStructure.objects.create(
        structure=structure,
        caf_origine_id=structure.caf_id,
        caf_destination=caf,
        departement=departement,
        demande_par=par,
        **nouvelle,
    )
    origine = Caf.objects.get(pk=structure.caf_id)
    EvenementTransfert.objects.create(
        structure=structure,
        transfert=transfert,
        type=TypeEvenementTransfert.DEMANDE,
        auteur=par,
        etat_apres=transfert.etat,
        description=(
            f"{par} indique une nouvelle adresse ({nouvelle['code_postal']} "
            f"{nouvelle['commune']}) dans le département {departement} : la structure "
            f"passerait de la {origine.nom} à la {caf.nom}. L'adresse est à confirmer par un "
            f"agent de la {origine.nom} ; d'ici là, la structure reste à sa Caf."
        ),
    )
    return _sans_adresse(donnees), transfert


def _sans_adresse(donnees: dict[str, Any]) -> dict[str, Any]:
    return {nom: valeur for nom, valeur in donnees.items() if nom not in CHAMPS_ADRESSE}


@transaction.atomic
def confirmer_transfert(transfert: TransfertStructure, agent: Utilisateur) -> Structure:
    """L'agent de la Caf actuelle confirme : la structure, avec tout ce qui lui est
    rattaché, passe à l'autre Caf et prend sa nouvelle adresse."""
    if not peut_examiner(transfert, agent):
        raise PermissionDenied(REFUS_EXAMEN)
    structure = Structure.objects.select_for_update().get(pk=transfert.structure_id)
    TRANSFERT.appliquer(
        transfert,
        "confirmer",
        agent,
        f"Transfert confirmé par {agent} : de la {transfert.caf_origine.nom} à la "
        f"{transfert.caf_destination.nom} ({transfert.code_postal} {transfert.commune}). "
        "Ses membres, pièces, coordonnées bancaires, dossiers non décidés et historique la "
        "suivent.",
        champs={"examine_par": agent, "examine_le": timezone.now()},
    )
    avant = champs_de(structure)
    for nom in CHAMPS_ADRESSE:
        setattr(structure, nom, getattr(transfert, nom))
    structure.departement = transfert.departement
    structure.caf_id = transfert.caf_destination_id
    structure.save(update_fields=[*CHAMPS_ADRESSE, "departement", "caf"])
    noter_changements(structure, avant, "structure_transferee", agent.pk)
    structure_transferee.send(
        TransfertStructure, structure=structure, transfert=transfert, auteur=agent
    )
    return structure


@transaction.atomic
def refuser_transfert(
    transfert: TransfertStructure, agent: Utilisateur, motif: str
) -> TransfertStructure:
    """L'agent refuse, avec le motif (montré à la structure) : adresse et Caf restent."""
    motif = " ".join((motif or "").split())
    if not peut_examiner(transfert, agent):
        raise PermissionDenied(REFUS_EXAMEN)
    if not motif:
        raise ValidationError(
            {"motif": ["Indiquez le motif du refus : il est montré à la structure."]}
        )
    TRANSFERT.appliquer(
        transfert,
        "refuser",
        agent,
        f"Transfert vers la {transfert.caf_destination.nom} refusé par {agent} : {motif} "
        f"La structure reste à la {transfert.caf_origine.nom}, à son adresse actuelle.",
        champs={"examine_par": agent, "examine_le": timezone.now(), "motif_refus": motif},
    )
    return transfert
