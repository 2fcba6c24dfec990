"""Les cas d'usage du suivi d'un dossier : déposer, demander et déposer des compléments,
écrire à la Caf, reprendre le dossier d'une année passée.

Chaque action vérifie qui agit, change les données dans une transaction (l'état par la
table de transitions de `etats.py`, qui écrit l'historique), puis lance les effets de bord
(PDF, courriels) après validation (`transaction.on_commit`).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.exceptions import ActionImpossible
from clas.structures.models import PieceJustificative, Structure, TransfertStructure

from . import courriels
from .etats import TransitionImpossible, appliquer
from .evenements import TypeEvenement
from .models import (
    Collectif,
    DemandeComplements,
    Dossier,
    EtatDossier,
    Evenement,
    Intervenant,
    LigneBudget,
    Message,
    PieceDossier,
    SequenceNumero,
)
from .permissions import ROLES_SIGNATAIRES, role_dans_structure
from .recu import generer_recu
from .verification import ETAPES, Manque, bloquants, verifier_dossier

__all__ = [
    "DepotRefuse",
    "RepriseImpossible",
    "TransitionImpossible",
    "demander_complements",
    "deposer",
    "deposer_complements",
    "envoyer_message",
    "reprendre_dossier",
]


class DepotRefuse(Exception):
    """Le dossier ne peut pas être déposé : `manques` dit tout ce qu'il faut corriger."""

    def __init__(self, manques: list[Manque]) -> None:
        self.manques = manques
        super().__init__(
            f"Le dossier ne peut pas être déposé : {len(manques)} point(s) à corriger."
        )


class RepriseImpossible(Exception):
    pass


def _verifier_signataire(dossier: Dossier, auteur: Utilisateur) -> None:
    if role_dans_structure(dossier, auteur) not in ROLES_SIGNATAIRES:
        raise PermissionDenied(
            "Seul un signataire ou un administrateur de la structure peut déposer le dossier."
        )


def _verrouiller(dossier: Dossier, etats: set[str]) -> Dossier:
    """Relit le dossier sous verrou et vérifie son état (deux dépôts simultanés : un seul
    passe, l'autre reçoit un message clair)."""
    verrouille = (
        Dossier.objects.select_for_update().select_related("campagne__caf").get(pk=dossier.pk)
    )
    if verrouille.etat not in etats:
        raise TransitionImpossible(
            f"Action impossible : le dossier est « {EtatDossier(verrouille.etat).label} »."
        )
    return verrouille


def attribuer_numero(dossier: Dossier) -> str:
    """CLAS-<code Caf>-<année de début>-<séquence sur 5 chiffres>, sans doublon même quand
    deux dépôts arrivent en même temps : la séquence est verrouillée jusqu'à la fin de la
    transaction de dépôt. À appeler dans une transaction."""
    campagne = dossier.campagne
    sequence, _ = SequenceNumero.objects.get_or_create(
        caf_id=campagne.caf_id, annee_scolaire=campagne.annee_scolaire
    )
    sequence = SequenceNumero.objects.select_for_update().get(pk=sequence.pk)
    sequence.dernier += 1
    sequence.save(update_fields=["dernier"])
    annee = campagne.annee_scolaire.split("-")[0]
    return f"CLAS-{campagne.caf.code}-{annee}-{sequence.dernier:05d}"


def deposer(dossier: Dossier, auteur: Utilisateur) -> Dossier:
    """Dépose un brouillon complet pendant la campagne : numéro, état « déposé »,
    historique ; puis accusé de dépôt en PDF et courriel à la structure."""
    _verifier_signataire(dossier, auteur)
    original = dossier
    with transaction.atomic():
        dossier = _verrouiller(dossier, {EtatDossier.BROUILLON})
        manques = bloquants(verifier_dossier(dossier))
        if manques:
            raise DepotRefuse(manques)
        numero = attribuer_numero(dossier)
        appliquer(dossier, "deposer", auteur, f"Dossier déposé sous le numéro {numero}.")
        dossier.numero = numero
        dossier.depose_le = timezone.now()
        Dossier.objects.filter(pk=dossier.pk).update(
            numero=numero, depose_le=dossier.depose_le, saisies_en_cours={}
        )
        transaction.on_commit(partial(_apres_depot, dossier.pk), robust=True)
    original.etat, original.numero, original.depose_le = dossier.etat, numero, dossier.depose_le
    return dossier


def _apres_depot(dossier_id: int) -> None:
    dossier = Dossier.objects.get(pk=dossier_id)
    generer_recu(dossier)
    courriels.envoyer_accuse_depot(dossier_id)


def deposer_complements(dossier: Dossier, auteur: Utilisateur) -> Dossier:
    """Redépose un dossier après une demande de compléments : mêmes vérifications (hors
    dates de campagne : la Caf a rouvert le dossier après la clôture), retour en
    instruction, demande marquée comme satisfaite, courriel à l'instructeur."""
    _verifier_signataire(dossier, auteur)
    original = dossier
    with transaction.atomic():
        dossier = _verrouiller(dossier, {EtatDossier.COMPLEMENTS_DEMANDES})
        manques = bloquants(verifier_dossier(dossier, verifier_campagne=False))
        if manques:
            raise DepotRefuse(manques)
        appliquer(dossier, "deposer_complements", auteur, "Compléments déposés par la structure.")
        dossier.etapes_a_completer = []
        Dossier.objects.filter(pk=dossier.pk).update(etapes_a_completer=[], saisies_en_cours={})
        demande = (
            DemandeComplements.objects.filter(dossier=dossier, repondue_le__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if demande is not None:
            DemandeComplements.objects.filter(dossier=dossier, repondue_le__isnull=True).update(
                repondue_le=timezone.now()
            )
            transaction.on_commit(
                partial(courriels.envoyer_complements_deposes, demande.pk), robust=True
            )
    original.etat, original.etapes_a_completer = dossier.etat, []
    return dossier


def demander_complements(
    dossier: Dossier,
    agent: Utilisateur,
    etapes: list[str],
    message: str,
    echeance: dt.date,
) -> DemandeComplements:
    """Un instructeur de la Caf du dossier rouvre des étapes et dit ce qu'il attend."""
    profil = agent_de(agent)
    if profil is None or not profil.est_instructeur or profil.caf_id != dossier.campagne.caf_id:
        raise PermissionDenied("Seul un instructeur de la Caf du dossier demande des compléments.")
    erreurs = {}
    inconnues = [etape for etape in etapes if etape not in ETAPES]
    if not etapes or inconnues:
        erreurs["etapes"] = "Choisissez au moins une étape à rouvrir parmi : " + ", ".join(ETAPES)
    if not message.strip():
        erreurs["message"] = "Dites à la structure ce qu'elle doit compléter."
    if echeance < timezone.localdate():
        erreurs["echeance"] = "L'échéance ne peut pas être dans le passé."
    if erreurs:
        raise ValidationError(erreurs)
    etapes = [etape for etape in ETAPES if etape in etapes]  # ordre du formulaire, sans doublon
    with transaction.atomic():
        appliquer(
            dossier,
            "demander_complements",
            agent,
            f"La Caf demande des compléments avant le {echeance:%d/%m/%Y} : {message.strip()}",
        )
        dossier.etapes_a_completer = etapes
        Dossier.objects.filter(pk=dossier.pk).update(etapes_a_completer=etapes)
        demande = DemandeComplements.objects.create(
            dossier=dossier,
            etapes=etapes,
            message=message.strip(),
            echeance=echeance,
            demandee_par=agent,
        )
        transaction.on_commit(
            partial(courriels.envoyer_demande_complements, demande.pk), robust=True
        )
    return demande


def envoyer_message(
    dossier: Dossier, auteur: Utilisateur, texte: str, fichier: UploadedFile[bytes] | None = None
) -> Message:
    """Un message dans le fil du dossier, avec au plus une pièce jointe (PDF, PNG ou JPEG
    de 10 Mo au plus, reconnue par son contenu)."""
    from clas.core.fichiers import verifier_fichier

    membre = role_dans_structure(dossier, auteur) is not None
    profil = agent_de(auteur)
    agent_du_dossier = profil is not None and profil.caf_id == dossier.campagne.caf_id
    if not membre and not agent_du_dossier:
        raise PermissionDenied("Seuls la structure et sa Caf écrivent dans ce dossier.")
    if dossier.etat == EtatDossier.BROUILLON:
        raise PermissionDenied("Les échanges avec la Caf commencent une fois le dossier déposé.")
    if dossier.etat == EtatDossier.CLOTURE:
        raise PermissionDenied("Ce dossier est clôturé : il est en lecture seule.")
    texte = (texte or "").strip()
    if not texte:
        raise ValidationError({"texte": "Écrivez votre message."})
    message = Message(dossier=dossier, auteur=auteur, de_la_caf=not membre, texte=texte)
    if fichier is not None:
        try:
            verifie = verifier_fichier(fichier)
        except ValidationError as erreur:
            raise ValidationError({"piece_jointe": erreur.messages}) from None
        message.nom_piece_jointe = verifie.nom
        message.piece_jointe.save(verifie.nom, fichier, save=False)
    message.save()
    return message


CHAMPS_PROJET = (
    "titre",
    "resume",
    "axe_enfants",
    "axe_parents",
    "axe_ecole",
    "axe_partenaires",
    "orientation_enfants",
    "liens_ecoles_pedt",
    "lieux",
    "ps_demandee",
)
CHAMPS_COLLECTIF = (
    "ordre",
    "nom",
    "lieu",
    "niveaux",
    "nb_enfants",
    "milieu_rural",
    "enfant_en_situation_de_handicap",
    "semaines_de_fonctionnement",
    "horaires",
    "bonus_projets_culturels",
    "description_projets_culturels",
    "bonus_accompagnement_parents",
    "description_accompagnement_parents",
)


def campagnes_pour_reprise(dossier: Dossier) -> list[Campagne]:
    """Les campagnes ouvertes de la Caf de la structure, pour une année postérieure à celle
    du dossier, où elle n'a pas encore de dossier."""
    return list(
        Campagne.objects.ouvertes()
        .filter(
            caf_id=dossier.structure.caf_id,
            annee_scolaire__gt=dossier.campagne.annee_scolaire,
        )
        .exclude(dossiers__structure_id=dossier.structure_id)
        .order_by("-annee_scolaire")
    )


def reprendre_dossier(ancien: Dossier, campagne: Campagne, auteur: Utilisateur) -> Dossier:
    """Un nouveau brouillon pour une campagne ouverte, prérempli depuis un dossier passé de
    la même structure : textes, collectifs (sans la première semaine : l'année change),
    budget, prestation demandée, pièces encore valables. L'attestation est à signer à
    nouveau."""
    if role_dans_structure(ancien, auteur) is None:
        raise PermissionDenied("Seul un membre de la structure reprend ses dossiers.")
    if campagne.caf_id != ancien.structure.caf_id:
        raise RepriseImpossible("Cette campagne n'est pas celle de la Caf de votre structure.")
    if not campagne.est_ouverte():
        raise RepriseImpossible(campagne.message_fermeture() or "Cette campagne n'est pas ouverte.")
    if campagne.pk == ancien.campagne_id:
        raise RepriseImpossible("Ce dossier est déjà celui de cette campagne.")
    if Dossier.objects.filter(structure_id=ancien.structure_id, campagne=campagne).exists():
        raise RepriseImpossible(
            "Votre structure a déjà un dossier pour cette campagne : reprenez-le."
        )
    try:
        with transaction.atomic():
            nouveau = Dossier.objects.create(
                structure_id=ancien.structure_id,
                campagne=campagne,
                repris_de=ancien,
                cree_par=auteur,
                **{champ: getattr(ancien, champ) for champ in CHAMPS_PROJET},
            )
            _copier_contenu(ancien, nouveau)
            Evenement.noter(
                nouveau,
                TypeEvenement.REPRISE,
                f"Dossier prérempli à partir du dossier {ancien}"
                f" ({ancien.campagne.annee_scolaire}).",
                auteur=auteur,
                apres=nouveau.etat,
            )
    except IntegrityError:  # une reprise simultanée vient de créer le dossier
        raise RepriseImpossible(
            "Votre structure a déjà un dossier pour cette campagne : reprenez-le."
        ) from None
    return nouveau


def _copier_contenu(ancien: Dossier, nouveau: Dossier) -> None:
    collectifs = list(ancien.collectifs.prefetch_related("intervenants").order_by("ordre", "id"))
    copies = Collectif.objects.bulk_create(
        [
            Collectif(dossier=nouveau, **{champ: getattr(c, champ) for champ in CHAMPS_COLLECTIF})
            for c in collectifs
        ]
    )
    Intervenant.objects.bulk_create(
        [
            Intervenant(
                collectif=copie,
                nom=intervenant.nom,
                statut=intervenant.statut,
                qualification=intervenant.qualification,
            )
            for ancien_collectif, copie in zip(collectifs, copies, strict=True)
            for intervenant in ancien_collectif.intervenants.all()
        ]
    )
    LigneBudget.objects.bulk_create(
        [
            LigneBudget(
                dossier=nouveau,
                nature=ligne.nature,
                compte=ligne.compte,
                financeur=ligne.financeur,
                libelle=ligne.libelle,
                montant=ligne.montant,
            )
            for ligne in ancien.lignes_budget.all()
        ]
    )
    aujourd_hui = timezone.localdate()
    PieceDossier.objects.bulk_create(
        [
            PieceDossier(dossier=nouveau, piece=piece_dossier.piece)
            for piece_dossier in ancien.pieces.select_related("piece")
            if not piece_dossier.piece.est_expiree(aujourd_hui)
        ]
    )


def detacher_piece(sender: object, piece: PieceJustificative, **kwargs: object) -> None:
    """Reçoit `piece_a_supprimer` : refusée si un dossier déposé s'y appuie ; sinon la pièce
    est détachée des brouillons qui la citaient."""
    if piece.dossiers.exclude(dossier__etat=EtatDossier.BROUILLON).exists():
        raise ActionImpossible(
            f"« {piece.nom_fichier} » est jointe à un dossier déjà déposé : elle ne peut "
            "pas être supprimée. Déposez plutôt une version à jour."
        )
    piece.dossiers.all().delete()


# Un dossier qui n'est pas encore décidé suit la structure : la nouvelle Caf l'instruit et le
# décide sur sa propre enveloppe. Un dossier décidé reste à la Caf qui l'a décidé : sa
# convention, ses versements et leur recouvrement sont des engagements de cette Caf.
ETATS_QUI_SUIVENT = frozenset(
    {
        EtatDossier.BROUILLON,
        EtatDossier.DEPOSE,
        EtatDossier.EN_INSTRUCTION,
        EtatDossier.COMPLEMENTS_DEMANDES,
    }
)


def suivre_le_transfert(
    sender: object, structure: Structure, transfert: TransfertStructure, auteur: Any, **kwargs: Any
) -> None:
    """Reçoit `structure_transferee` (dans la transaction de la confirmation). Un dossier de
    la structure pas encore décidé (brouillon, déposé, en instruction, compléments demandés)
    passe à la campagne de la même année de la nouvelle Caf, quand elle existe, avec son
    numéro, ses pièces, ses messages et son historique ; son instructeur de l'ancienne Caf lui
    est retiré. Un dossier décidé reste à la Caf qui l'a décidé (convention, versements,
    bilan) ; son historique le dit."""
    dossiers = Dossier.objects.filter(
        structure_id=structure.pk, campagne__caf_id=transfert.caf_origine_id
    ).select_related("campagne")
    nouvelle_caf = transfert.caf_destination.nom
    ancienne_caf = transfert.caf_origine.nom
    for dossier in dossiers:
        cible = Campagne.objects.filter(
            caf_id=transfert.caf_destination_id, annee_scolaire=dossier.campagne.annee_scolaire
        ).first()
        debut = (
            f"La structure relève désormais de la {nouvelle_caf} (transfert confirmé par {auteur})"
        )
        if dossier.etat not in ETATS_QUI_SUIVENT:
            texte = f"{debut} ; ce dossier, décidé, reste suivi par la {ancienne_caf}."
        elif cible is None:
            texte = (
                f"{debut} ; la {nouvelle_caf} n'a pas de campagne {dossier.campagne.annee_scolaire}"
                f" : ce dossier reste suivi par la {ancienne_caf}."
            )
        elif Dossier.objects.filter(structure_id=structure.pk, campagne=cible).exists():
            texte = (
                f"{debut} ; la structure a déjà un dossier dans sa campagne « {cible.titre} » : "
                f"celui-ci reste suivi par la {ancienne_caf}."
            )
        else:
            dossier.campagne = cible
            dossier.instructeur = None
            dossier.save(update_fields=["campagne", "instructeur"])
            texte = (
                f"{debut} : ce dossier passe de la {ancienne_caf} à sa campagne "
                f"« {cible.titre} », qui le reçoit avec ses pièces, ses messages et son "
                "historique."
            )
        Evenement.objects.create(
            dossier=dossier, auteur=auteur, type=TypeEvenement.NOTE, description=texte
        )
