"""Les cas d'usage du côté des structures : chacun dans une transaction, les courriels
envoyés après validation (`on_commit`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clas.core.courriels import envoyer
from clas.core.exceptions import ActionImpossible
from clas.core.fichiers import verifier_fichier
from clas.core.validators import departement_du_code_postal, masquer_email
from clas.journal import chaine as journal
from clas.journal.chaine import champs_de
from clas.referentiel.models import Caf

from .coordonnees import proposer_coordonnees
from .models import (
    DUREE_CORBEILLE,
    EvenementPiece,
    Invitation,
    MembreStructure,
    PieceJustificative,
    RoleMembre,
    Structure,
    TransfertStructure,
    TypeEvenementPiece,
)
from .permissions import exiger
from .signaux import piece_a_supprimer
from .transferts import retenir_changement_de_caf

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur

SEL_INVITATION = "clas.structures.invitation"
VALIDITE_INVITATION = dt.timedelta(days=14)


class StructureDejaInscrite(ActionImpossible):
    def __init__(self, structure: Structure) -> None:
        self.structure = structure
        super().__init__(message_structure_deja_inscrite(structure))


def message_structure_deja_inscrite(structure: Structure) -> str:
    admins = sorted(
        masquer_email(membre.utilisateur.email)
        for membre in structure.membres.filter(role=RoleMembre.ADMINISTRATEUR).select_related(
            "utilisateur"
        )
    )
    debut = f"Cette structure est déjà inscrite sur la plateforme (SIRET {structure.siret}). "
    if admins:
        return debut + (
            f"Pour y accéder, demandez une invitation à son administrateur : {', '.join(admins)}."
        )
    return debut + f"Pour y accéder, contactez la {structure.caf.nom}."


def caf_du_code_postal(code_postal: str) -> tuple[str, Caf]:
    """Le département et la Caf d'un code postal (ValidationError si aucune Caf)."""
    from django.core.exceptions import ValidationError

    departement = departement_du_code_postal(code_postal)
    caf = Caf.objects.filter(departement=departement).first()
    if caf is None:
        raise ValidationError(
            f"Aucune Caf ne couvre le département {departement} : vérifiez le code postal."
        )
    return departement, caf


# --- Structure -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposition:
    """Le compte saisi dans la fiche, avec son RIB : à vérifier par la Caf."""

    iban: str
    bic: str
    rib: UploadedFile[bytes] | None


@transaction.atomic
def inscrire_structure(
    utilisateur: Utilisateur, donnees: dict[str, Any], compte: Proposition | None = None
) -> Structure:
    """Inscrit la structure ; la personne qui l'inscrit en devient administrateur. Le compte
    bancaire saisi est « à vérifier » par la Caf, comme tout changement."""
    departement, caf = caf_du_code_postal(donnees["code_postal"])
    existante = Structure.objects.filter(siret=donnees["siret"]).first()
    if existante is not None:
        raise StructureDejaInscrite(existante)
    structure = Structure(**donnees, departement=departement, caf=caf)
    structure.full_clean()
    try:
        with transaction.atomic():
            structure.save()
    except IntegrityError:
        # Deux inscriptions simultanées du même SIRET : la seconde est refusée proprement.
        raise StructureDejaInscrite(Structure.objects.get(siret=donnees["siret"])) from None
    MembreStructure.objects.create(
        utilisateur=utilisateur, structure=structure, role=RoleMembre.ADMINISTRATEUR
    )
    journal.ajouter(
        "structures.structure",
        "structure_inscrite",
        {**champs_de(structure), "administrateur_id": utilisateur.pk},
        source_id=structure.pk,
        acteur_id=utilisateur.pk,
    )
    if compte is not None:
        proposer_coordonnees(structure, utilisateur, compte.iban, compte.bic, compte.rib)
    return structure


@transaction.atomic
def modifier_structure(
    structure: Structure,
    par: Utilisateur,
    donnees: dict[str, Any],
    compte: Proposition | None = None,
) -> TransfertStructure | None:
    """Modifie la fiche ; un nouveau compte bancaire n'y est pas écrit : il est proposé à
    la Caf (`coordonnees.proposer_coordonnees`). Une adresse dans le département d'une
    autre Caf n'est pas écrite non plus : elle attend qu'un agent confirme le transfert
    (`transferts`). Renvoie le transfert à confirmer, s'il y en a un."""
    exiger(structure, par, "modifier")
    donnees = {nom: valeur for nom, valeur in donnees.items() if nom not in ("iban", "bic")}
    departement, caf = caf_du_code_postal(donnees["code_postal"])
    structure = Structure.objects.select_for_update().get(pk=structure.pk)
    avant = champs_de(structure)
    donnees, transfert = retenir_changement_de_caf(structure, par, donnees, departement, caf)
    for nom, valeur in donnees.items():
        setattr(structure, nom, valeur)
    if transfert is None:
        structure.departement = departement
        structure.caf = caf
    structure.full_clean()
    structure.save()
    journal.noter_changements(structure, avant, "structure_modifiee", par.pk)
    if compte is not None:
        proposer_coordonnees(structure, par, compte.iban, compte.bic, compte.rib)
    return transfert


# --- Équipe --------------------------------------------------------------------------------


def jeton_invitation(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=SEL_INVITATION)


def invitation_du_jeton(jeton: str) -> Invitation:
    """L'invitation d'un lien ; signing.SignatureExpired / BadSignature sinon,
    Invitation.DoesNotExist si elle a été annulée."""
    contenu = signing.loads(jeton, salt=SEL_INVITATION, max_age=VALIDITE_INVITATION)
    return Invitation.objects.select_related("structure", "invitee_par").get(
        pk=contenu["i"], email=contenu["e"]
    )


def _envoyer_invitation(invitation: Invitation, base_url: str) -> None:
    lien = base_url.rstrip("/") + reverse("invitation", args=[jeton_invitation(invitation)])
    contexte = {
        "invitation": invitation,
        "lien": lien,
        "validite_jours": VALIDITE_INVITATION.days,
    }
    envoyer("structures/email_invitation", [invitation.email], contexte)


@transaction.atomic
def inviter(
    structure: Structure, par: Utilisateur, email: str, role: str, base_url: str
) -> Invitation:
    """Invite une personne (ou renouvelle son invitation en cours) et lui écrit."""
    exiger(structure, par, "gerer_membres")
    email = email.strip().lower()
    if structure.membres.filter(utilisateur__email=email).exists():
        raise ActionImpossible(f"{email} est déjà membre de la structure.")
    invitation, _ = Invitation.objects.update_or_create(
        structure=structure,
        email=email,
        acceptee_le__isnull=True,
        defaults={"role": role, "invitee_par": par},
    )
    transaction.on_commit(lambda: _envoyer_invitation(invitation, base_url))
    return invitation


@transaction.atomic
def annuler_invitation(invitation: Invitation, par: Utilisateur) -> None:
    exiger(invitation.structure, par, "gerer_membres")
    if invitation.acceptee_le is not None:
        raise ActionImpossible("Cette invitation a déjà été acceptée.")
    invitation.delete()


@transaction.atomic
def accepter_invitation(invitation: Invitation, utilisateur: Utilisateur) -> MembreStructure:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.email != utilisateur.email.lower():
        raise PermissionDenied(
            f"Cette invitation est adressée à {masquer_email(invitation.email)} : "
            "connectez-vous avec cette adresse pour l'accepter."
        )
    if invitation.acceptee_le is not None:
        raise ActionImpossible("Cette invitation a déjà été acceptée.")
    membre, cree = MembreStructure.objects.get_or_create(
        utilisateur=utilisateur,
        structure_id=invitation.structure_id,
        defaults={"role": invitation.role},
    )
    if cree:
        _journaliser_membre(membre, "membre_ajoute", invitation.invitee_par_id)
    invitation.acceptee_le = timezone.now()
    invitation.save(update_fields=["acceptee_le"])
    return membre


def _journaliser_membre(
    membre: MembreStructure, type_: str, par_id: int | None, avant: str = ""
) -> None:
    contenu = {
        "structure_id": membre.structure_id,
        "utilisateur_id": membre.utilisateur_id,
        "role_avant": avant,
        "role": membre.role,
    }
    journal.ajouter("structures.membrestructure", type_, contenu, membre.pk, par_id)


def _verrouiller_administrateurs(structure: Structure) -> int:
    """Verrouille la structure (les changements d'équipe passent un par un) et compte ses
    administrateurs."""
    Structure.objects.select_for_update().filter(pk=structure.pk).first()
    return len(
        MembreStructure.objects.select_for_update()
        .filter(structure_id=structure.pk, role=RoleMembre.ADMINISTRATEUR)
        .values_list("pk", flat=True)
    )


DERNIER_ADMIN = (
    "{nom} est le seul administrateur de la structure : nommez d'abord un autre "
    "administrateur. Une structure garde toujours au moins un administrateur."
)


@transaction.atomic
def changer_role(membre: MembreStructure, par: Utilisateur, role: str) -> MembreStructure:
    exiger(membre.structure, par, "gerer_membres")
    if role not in RoleMembre.values:
        raise ActionImpossible("Ce rôle n'existe pas.")
    nb_admins = _verrouiller_administrateurs(membre.structure)
    membre = MembreStructure.objects.select_related("utilisateur").get(pk=membre.pk)
    if membre.role == RoleMembre.ADMINISTRATEUR and role != membre.role and nb_admins <= 1:
        raise ActionImpossible(DERNIER_ADMIN.format(nom=membre.utilisateur))
    avant = membre.role
    membre.role = role
    membre.save(update_fields=["role"])
    _journaliser_membre(membre, "role_membre_modifie", par.pk, avant=avant)
    return membre


@transaction.atomic
def retirer_membre(membre: MembreStructure, par: Utilisateur) -> None:
    """Un administrateur retire un membre ; chacun peut aussi quitter la structure."""
    if membre.utilisateur_id != par.pk:
        exiger(membre.structure, par, "gerer_membres")
    nb_admins = _verrouiller_administrateurs(membre.structure)
    membre = MembreStructure.objects.select_related("utilisateur").get(pk=membre.pk)
    if membre.role == RoleMembre.ADMINISTRATEUR and nb_admins <= 1:
        raise ActionImpossible(DERNIER_ADMIN.format(nom=membre.utilisateur))
    _journaliser_membre(membre, "membre_retire", par.pk)
    membre.delete()


# --- Coffre-fort des pièces ----------------------------------------------------------------


@transaction.atomic
def deposer_piece(
    structure: Structure,
    par: Utilisateur,
    type_piece: str,
    fichier: UploadedFile[bytes],
    date_validite: dt.date | None,
) -> PieceJustificative:
    exiger(structure, par, "deposer_piece")
    verifie = verifier_fichier(fichier)
    extension = PurePath(verifie.nom).suffix.lower()
    piece = PieceJustificative(
        structure=structure,
        type_piece=type_piece,
        nom_fichier=verifie.nom,
        taille=verifie.taille,
        type_mime=verifie.type_mime,
        date_validite=date_validite,
        deposee_par=par,
    )
    # Le nom sur le disque est tiré au hasard : le nom d'origine est gardé en base.
    piece.fichier.save(f"{uuid.uuid4().hex}{extension}", fichier, save=False)
    piece.save()
    return piece


@transaction.atomic
def supprimer_piece(piece: PieceJustificative, par: Utilisateur) -> None:
    """Met une pièce à la corbeille (restaurable `DUREE_CORBEILLE`, journalisé), sauf si un
    dossier déposé s'y appuie : l'application des dossiers le refuse (`ActionImpossible`) à
    l'annonce `piece_a_supprimer`, et détache la pièce de ses brouillons."""
    exiger(piece.structure, par, "supprimer_piece")
    piece = PieceJustificative.objects.select_for_update().get(pk=piece.pk)
    piece_a_supprimer.send(PieceJustificative, piece=piece)
    piece.supprimee_le = timezone.now()
    piece.supprimee_par = par
    piece.save(update_fields=["supprimee_le", "supprimee_par"])
    _journaliser_piece(piece, TypeEvenementPiece.SUPPRIMEE, par)


@transaction.atomic
def restaurer_piece(piece: PieceJustificative, par: Utilisateur) -> PieceJustificative:
    """Sort une pièce de la corbeille : elle revient dans le coffre-fort (les brouillons
    dont elle a été détachée ne la retrouvent pas d'eux-mêmes)."""
    exiger(piece.structure, par, "supprimer_piece")
    piece = PieceJustificative.avec_corbeille.select_for_update().get(pk=piece.pk)
    if piece.supprimee_le is None:
        raise ActionImpossible(f"« {piece.nom_fichier} » n'est pas dans la corbeille.")
    if piece.supprimee_le + DUREE_CORBEILLE <= timezone.now():
        raise ActionImpossible(
            f"« {piece.nom_fichier} » est dans la corbeille depuis plus de "
            f"{DUREE_CORBEILLE.days} jours : elle ne peut plus être restaurée. Déposez-la à "
            "nouveau."
        )
    piece.supprimee_le = None
    piece.supprimee_par = None
    piece.save(update_fields=["supprimee_le", "supprimee_par"])
    _journaliser_piece(piece, TypeEvenementPiece.RESTAUREE, par)
    return piece


def purger_pieces(maintenant: dt.datetime | None = None) -> list[str]:
    """Efface pour de bon (fichier compris) les pièces mises à la corbeille il y a plus de
    `DUREE_CORBEILLE` ; chaque effacement est journalisé. Renvoie les noms effacés."""
    limite = (maintenant or timezone.now()) - DUREE_CORBEILLE
    effacees = []
    for piece_id in PieceJustificative.avec_corbeille.filter(supprimee_le__lte=limite).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            piece = (
                PieceJustificative.avec_corbeille.select_for_update()
                .filter(pk=piece_id, supprimee_le__lte=limite)
                .first()
            )
            if piece is None:  # restaurée entre-temps
                continue
            if piece.dossiers.exists():  # jamais attendu : la suppression les a détachés
                continue
            _journaliser_piece(piece, TypeEvenementPiece.PURGEE, None)
            fichier = piece.fichier
            piece.delete()
            transaction.on_commit(partial(fichier.delete, save=False))
            effacees.append(piece.nom_fichier)
    return effacees


def _journaliser_piece(
    piece: PieceJustificative, type_evenement: str, par: Utilisateur | None
) -> None:
    EvenementPiece.objects.create(
        structure_id=piece.structure_id,
        piece=piece,
        nom_fichier=piece.nom_fichier,
        type=type_evenement,
        par=par,
    )
