"""Fermer un compte : l'anonymiser. Ce que la personne a écrit dans les dossiers (messages,
décisions, signatures, historique) est une pièce du dossier et reste, attribué à « Compte
fermé » ; son nom, son adresse, ses accès (mot de passe, sessions, jetons, double
authentification, rattachements) disparaissent. Le journal garde la fermeture."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clas.api.models import JetonApi
from clas.comptes.models import AgentCaf, Utilisateur
from clas.comptes.sessions import magasin
from clas.core.exceptions import ActionImpossible
from clas.core.models import ExportDemande
from clas.journal import chaine as journal
from clas.structures.models import Invitation, MembreStructure, RoleMembre, Structure

NOM_ANONYME = "Compte fermé"
DOMAINE_ANONYME = "anonyme.invalid"  # domaine réservé (RFC 2606) : aucun courriel n'y part

REFUS_AGENT = (
    "Votre compte d'agent est géré par votre Caf : il ne se ferme pas ici. Demandez à "
    "votre responsable d'équipe de désactiver votre compte (page « Équipe » de la Caf) ; "
    "l'historique de vos dossiers reste à votre nom, comme le veut la traçabilité des "
    "décisions."
)
REFUS_NATIONAL = (
    "Votre compte d'administrateur national ne se ferme pas ici : demandez à l'équipe de la "
    "plateforme de le retirer, une fois un autre administrateur national nommé."
)
DERNIER_ADMIN = (
    "Vous êtes le seul administrateur de « {structure} » : nommez d'abord un autre membre "
    "administrateur (page « Membres » de la structure, « Changer le rôle »), puis revenez "
    "fermer votre compte. Une structure garde toujours au moins un administrateur."
)
SEUL_MEMBRE = (
    "Vous êtes le seul membre de « {structure} » : invitez d'abord la personne qui prendra "
    "le relais (page « Membres » de la structure), nommez-la administratrice, puis revenez "
    "fermer votre compte. Si la structure cesse son activité, prévenez votre Caf."
)


def adresse_anonyme(utilisateur_id: int) -> str:
    return f"compte-ferme-{utilisateur_id}@{DOMAINE_ANONYME}"


@dataclass(frozen=True)
class Obstacle:
    """Pourquoi un compte ne peut pas encore être fermé par la personne, et que faire."""

    message: str


def obstacles(utilisateur: Utilisateur) -> list[Obstacle]:
    """Ce qui empêche la personne de fermer elle-même son compte : agent de Caf ou national
    (leur compte est géré par leur organisation), dernier administrateur d'une structure."""
    if utilisateur.est_admin_national:
        return [Obstacle(REFUS_NATIONAL)]
    if AgentCaf.objects.filter(utilisateur=utilisateur, actif=True).exists():
        return [Obstacle(REFUS_AGENT)]
    return [Obstacle(message) for message in _structures_a_transmettre(utilisateur)]


def _structures_a_transmettre(utilisateur: Utilisateur) -> list[str]:
    """Les structures dont la personne est le seul administrateur."""
    messages = []
    siennes = MembreStructure.objects.filter(
        utilisateur=utilisateur, role=RoleMembre.ADMINISTRATEUR
    ).select_related("structure")
    for adhesion in siennes:
        membres = MembreStructure.objects.filter(structure_id=adhesion.structure_id)
        if membres.filter(role=RoleMembre.ADMINISTRATEUR).exclude(utilisateur=utilisateur):
            continue
        modele = DERNIER_ADMIN if membres.exclude(utilisateur=utilisateur).exists() else SEUL_MEMBRE
        messages.append(modele.format(structure=adhesion.structure.nom))
    return messages


def fermer_compte(utilisateur: Utilisateur) -> None:
    """La personne ferme son compte (mot de passe déjà vérifié par la vue) : refusé tant
    qu'un obstacle demeure, revérifié sous verrou."""
    with transaction.atomic():
        Utilisateur.objects.select_for_update().filter(pk=utilisateur.pk).first()
        # Les équipes des structures changent une à une : le verrou de `structures.actions`.
        siennes = MembreStructure.objects.filter(utilisateur=utilisateur).values("structure_id")
        list(Structure.objects.select_for_update().filter(pk__in=siennes).values_list("pk"))
        restants = obstacles(utilisateur)
        if restants:
            raise ActionImpossible(" ".join(obstacle.message for obstacle in restants))
        anonymiser(utilisateur, "fermeture par la personne", par_id=utilisateur.pk)


def anonymiser(utilisateur: Utilisateur, motif: str, par_id: int | None) -> bool:
    """Anonymise le compte (idempotent : False s'il l'était déjà), dans la transaction de
    l'appelant. Les fichiers de ses exports sont effacés après validation."""
    with transaction.atomic():
        compte = Utilisateur.objects.select_for_update().get(pk=utilisateur.pk)
        if compte.ferme_le is not None:
            return False
        ancienne_adresse = compte.email
        adhesions = list(
            MembreStructure.objects.filter(utilisateur=compte).values("structure_id", "role")
        )
        _retirer_acces(compte, ancienne_adresse)
        compte.email = adresse_anonyme(compte.pk)
        compte.prenom = ""
        compte.nom = NOM_ANONYME
        compte.is_active = False
        compte.is_staff = False
        compte.is_superuser = False
        compte.est_admin_national = False
        compte.set_unusable_password()
        compte.ferme_le = timezone.now()
        compte.save()
        journal.ajouter(
            "comptes.utilisateur",
            "compte_ferme",
            {"motif": motif, "structures": adhesions},
            source_id=compte.pk,
            acteur_id=par_id,
        )
    utilisateur.refresh_from_db()
    return True


def _retirer_acces(compte: Utilisateur, adresse: str) -> None:
    """Tout ce qui donne accès ou identifie la personne, hors des pièces des dossiers."""
    MembreStructure.objects.filter(utilisateur=compte).delete()
    Invitation.objects.filter(email__iexact=adresse, acceptee_le__isnull=True).delete()
    for agent in AgentCaf.objects.filter(utilisateur=compte, actif=True):
        agent.actif = False
        agent.save(update_fields=["actif"])
    JetonApi.objects.filter(utilisateur=compte).delete()
    TOTPDevice.objects.filter(user=compte).delete()
    StaticDevice.objects.filter(user=compte).delete()
    for ligne in compte.sessions_ouvertes.all():
        magasin().delete(ligne.cle)
        ligne.delete()
    for modele in (AccessLog, AccessAttempt, AccessFailureLog):
        modele.objects.filter(username__iexact=adresse).delete()
    for export in ExportDemande.objects.filter(demandeur=compte):
        effacer_apres_validation(export.fichier)
        export.delete()


def effacer_apres_validation(fichier: FieldFile | None) -> None:
    """Le fichier est effacé du stockage une fois la suppression de sa ligne validée."""
    nom = fichier.name if fichier else None
    if fichier is not None and nom:
        transaction.on_commit(partial(fichier.storage.delete, nom))
