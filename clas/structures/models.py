from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from clas.core.validators import valider_bic, valider_iban, valider_rna, valider_siret

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur


class TypeStructure(models.TextChoices):
    CENTRE_SOCIAL = "centre_social", "Centre social"
    ESPACE_VIE_SOCIALE = "espace_vie_sociale", "Espace de vie sociale"
    ASSOCIATION = "association", "Association"
    COLLECTIVITE = "collectivite", "Collectivité"
    ACCUEIL_JEUNES = "accueil_jeunes", "Accueil de jeunes"
    TIERS_LIEU = "tiers_lieu", "Tiers-lieu"
    AUTRE = "autre", "Autre"


class FormeJuridique(models.TextChoices):
    ASSOCIATION_1901 = "association_1901", "Association loi 1901"
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "Établissement public de coopération intercommunale"
    CCAS = "ccas", "Centre communal d'action sociale"
    ETABLISSEMENT_PUBLIC = "etablissement_public", "Autre établissement public"
    SCIC = "scic", "Société coopérative d'intérêt collectif"
    FONDATION = "fondation", "Fondation"
    AUTRE = "autre", "Autre"


class StructureQuerySet(models.QuerySet["Structure"]):
    def visibles_par(self, utilisateur: Utilisateur) -> StructureQuerySet:
        """Un membre voit ses structures ; un agent celles de sa Caf ; le national toutes."""
        if not utilisateur.is_authenticated:
            return self.none()
        if utilisateur.est_admin_national:
            return self.all()
        # Sous-requête plutôt que jointure : pas de doublons, donc pas de DISTINCT.
        siennes = MembreStructure.objects.filter(utilisateur=utilisateur).values("structure_id")
        filtre = models.Q(pk__in=siennes)
        from clas.comptes.roles import agent_de

        agent = agent_de(utilisateur)
        if agent is not None:
            filtre |= models.Q(caf_id=agent.caf_id)
        return self.filter(filtre)


class Structure(models.Model):
    """Un porteur de projet Clas : centre social, association, commune, tiers-lieu…"""

    nom = models.CharField("nom", max_length=200)
    type_structure = models.CharField(
        "type de structure", max_length=30, choices=TypeStructure.choices
    )
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[valider_siret])
    forme_juridique = models.CharField(
        "forme juridique", max_length=30, choices=FormeJuridique.choices, blank=True
    )
    rna = models.CharField(
        "numéro RNA",
        max_length=10,
        blank=True,
        validators=[valider_rna],
        help_text="Pour une association : W suivi de 9 chiffres.",
    )
    adresse = models.CharField("adresse", max_length=300, blank=True)
    commune = models.CharField("commune", max_length=100)
    code_postal = models.CharField("code postal", max_length=5)
    departement = models.CharField("département", max_length=3, blank=True)
    iban = models.CharField(
        "IBAN",
        max_length=34,
        blank=True,
        validators=[valider_iban],
        help_text="Le compte sur lequel la Caf verse la prestation.",
    )
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[valider_bic])
    representant_prenom = models.CharField(
        "prénom du représentant légal", max_length=100, blank=True
    )
    representant_nom = models.CharField("nom du représentant légal", max_length=100, blank=True)
    representant_qualite = models.CharField(
        "qualité du représentant légal",
        max_length=100,
        blank=True,
        help_text="Par exemple : président, maire, directrice.",
    )
    email = models.EmailField("adresse électronique de la structure", blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    caf = models.ForeignKey(
        "referentiel.Caf",
        on_delete=models.PROTECT,
        related_name="structures",
        verbose_name="Caf",
        help_text="Déterminée par le département de la structure.",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        ordering = ["nom"]
        # La liste paginée des structures d'une Caf (`/caf/`) lit la page dans l'index.
        indexes = [models.Index(fields=["caf", "nom", "id"], name="structure_par_caf_et_nom")]

    def __str__(self) -> str:
        return self.nom


class RoleMembre(models.TextChoices):
    ADMINISTRATEUR = "administrateur", "Administrateur"
    SIGNATAIRE = "signataire", "Signataire"
    CONTRIBUTEUR = "contributeur", "Contributeur"


class MembreStructure(models.Model):
    """Le rôle d'une personne dans une structure."""

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="adhesions",
        verbose_name="utilisateur",
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="membres", verbose_name="structure"
    )
    role = models.CharField("rôle", max_length=20, choices=RoleMembre.choices)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)

    class Meta:
        verbose_name = "membre d'une structure"
        verbose_name_plural = "membres des structures"
        constraints = [
            models.UniqueConstraint(
                fields=["utilisateur", "structure"],
                name="un_role_par_structure",
                violation_error_message="Cette personne est déjà membre de la structure.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} — {self.structure} ({self.get_role_display()})"


class TypePiece(models.TextChoices):
    STATUTS = "statuts", "Statuts"
    RIB = "rib", "Relevé d'identité bancaire"
    ASSURANCE = "assurance", "Attestation d'assurance"
    DIRIGEANTS = "dirigeants", "Liste des dirigeants"
    RAPPORT_ACTIVITE = "rapport_activite", "Dernier rapport d'activité"
    COMPTES = "comptes", "Derniers comptes approuvés"
    AUTRE = "autre", "Autre pièce"


# Une pièce supprimée reste dans la corbeille ce nombre de jours, restaurable, puis la
# commande `purger_pieces` l'efface pour de bon (fichier compris).
DUREE_CORBEILLE = dt.timedelta(days=30)


class PiecesEnService(models.Manager["PieceJustificative"]):
    """Les pièces hors de la corbeille : les seules que voient les pages, les dossiers et les
    comptes (gestionnaire par défaut, donc aussi `structure.pieces`)."""

    def get_queryset(self) -> models.QuerySet[PieceJustificative]:
        return super().get_queryset().filter(supprimee_le__isnull=True)


class PieceJustificative(models.Model):
    """Une pièce du coffre-fort de la structure, réutilisée par tous ses dossiers. Supprimée,
    elle passe `DUREE_CORBEILLE` dans la corbeille (`supprimee_le`) avant d'être purgée."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="pieces", verbose_name="structure"
    )
    type_piece = models.CharField("type de pièce", max_length=30, choices=TypePiece.choices)
    fichier = models.FileField("fichier", upload_to="pieces/%Y/%m/")
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    taille = models.PositiveIntegerField("taille (octets)")
    type_mime = models.CharField("type de fichier", max_length=50)
    date_validite = models.DateField(
        "valable jusqu'au",
        null=True,
        blank=True,
        help_text="Laissez vide si la pièce n'expire pas (statuts, par exemple).",
    )
    deposee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="déposée par",
    )
    created_at = models.DateTimeField("déposée le", auto_now_add=True)
    supprimee_le = models.DateTimeField("mise à la corbeille le", null=True, blank=True)
    supprimee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mise à la corbeille par",
    )

    objects = PiecesEnService()
    # Corbeille comprise : pour restaurer et purger.
    avec_corbeille = models.Manager["PieceJustificative"]()

    # Posés par les pages qui listent les pièces (coffre-fort, dossier instruit), pour le
    # gabarit : pas des champs.
    expiree: bool
    expire_bientot: bool

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        ordering = ["type_piece", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_type_piece_display()} — {self.nom_fichier}"

    def est_expiree(self, aujourd_hui: dt.date | None = None) -> bool:
        if self.date_validite is None:
            return False
        return self.date_validite < (aujourd_hui or timezone.localdate())

    @property
    def purgee_le(self) -> dt.datetime | None:
        """Quand la pièce mise à la corbeille sera effacée pour de bon."""
        return None if self.supprimee_le is None else self.supprimee_le + DUREE_CORBEILLE


class TypeEvenementPiece(models.TextChoices):
    SUPPRIMEE = "supprimee", "Mise à la corbeille"
    RESTAUREE = "restauree", "Restaurée depuis la corbeille"
    PURGEE = "purgee", "Effacée après 30 jours de corbeille"


class EvenementPiece(models.Model):
    """Le journal de la corbeille des pièces : qui a supprimé, restauré ; quand la purge a
    effacé. Il survit à la pièce purgée (nom du fichier gardé)."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="+", verbose_name="structure"
    )
    piece = models.ForeignKey(
        PieceJustificative,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evenements",
        verbose_name="pièce",
    )
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    type = models.CharField("événement", max_length=20, choices=TypeEvenementPiece.choices)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
        help_text="Vide pour la purge automatique.",
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "événement de la corbeille des pièces"
        verbose_name_plural = "événements de la corbeille des pièces"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.nom_fichier} : {self.get_type_display()}"


class Invitation(models.Model):
    """Une personne invitée par l'administrateur d'une structure, avec son rôle."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("adresse électronique")
    role = models.CharField("rôle", max_length=20, choices=RoleMembre.choices)
    invitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("invitée le", auto_now_add=True)
    acceptee_le = models.DateTimeField("acceptée le", null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "email"],
                condition=models.Q(acceptee_le__isnull=True),
                name="une_invitation_en_cours_par_personne",
                violation_error_message="Cette personne est déjà invitée.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.structure}"


# --- Coordonnées bancaires sous contrôle --------------------------------------------------
# `Structure.iban` et `Structure.bic` sont les coordonnées ACCEPTÉES par la Caf : elles ne
# changent que lorsqu'un valideur accepte un changement proposé avec son RIB (fraude au
# changement de RIB : un IBAN tapé une minute avant un lot ne doit pas être payé).


class EtatCoordonnees(models.TextChoices):
    A_VERIFIER = "a_verifier", "À vérifier"
    ACCEPTEES = "acceptees", "Acceptées"
    REFUSEES = "refusees", "Refusées"
    REMPLACEES = "remplacees", "Remplacées"


class ChangementCoordonneesQuerySet(models.QuerySet["ChangementCoordonnees"]):
    def a_verifier(self) -> ChangementCoordonneesQuerySet:
        return self.filter(etat=EtatCoordonnees.A_VERIFIER)

    def examinables_par(self, utilisateur: Utilisateur) -> ChangementCoordonneesQuerySet:
        """Ceux des structures de la Caf d'un valideur ; aucun pour les autres."""
        from clas.comptes.roles import agent_de

        agent = agent_de(utilisateur)
        if agent is None or not agent.est_valideur:
            return self.none()
        return self.filter(structure__caf_id=agent.caf_id)


class ChangementCoordonnees(models.Model):
    """Des coordonnées bancaires proposées par une structure, avec leur RIB : « à vérifier »
    jusqu'à ce qu'un valideur de sa Caf les accepte (elles deviennent celles de la
    structure) ou les refuse. L'ancien compte est gardé pour l'historique."""

    structure = models.ForeignKey(
        Structure,
        on_delete=models.CASCADE,
        related_name="changements_coordonnees",
        verbose_name="structure",
    )
    iban = models.CharField("nouvel IBAN", max_length=34, validators=[valider_iban])
    bic = models.CharField("nouveau BIC", max_length=11, validators=[valider_bic])
    ancien_iban = models.CharField("IBAN accepté jusque-là", max_length=34, blank=True)
    ancien_bic = models.CharField("BIC accepté jusque-là", max_length=11, blank=True)
    rib = models.FileField("RIB", upload_to="rib/%Y/%m/")
    rib_nom = models.CharField("nom du fichier du RIB", max_length=255)
    rib_type_mime = models.CharField("type du fichier du RIB", max_length=50)
    etat = models.CharField(
        "état",
        max_length=20,
        choices=EtatCoordonnees.choices,
        default=EtatCoordonnees.A_VERIFIER,
    )
    propose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="proposé par",
    )
    created_at = models.DateTimeField("proposé le", auto_now_add=True)
    examine_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="examiné par",
    )
    examine_le = models.DateTimeField("examiné le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", max_length=10_000, blank=True)

    objects = ChangementCoordonneesQuerySet.as_manager()

    class Meta:
        verbose_name = "changement de coordonnées bancaires"
        verbose_name_plural = "changements de coordonnées bancaires"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure"],
                condition=models.Q(etat="a_verifier"),
                name="un_changement_de_coordonnees_a_verifier",
                violation_error_message=(
                    "Cette structure a déjà des coordonnées bancaires à vérifier."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure} : {self.get_etat_display()}"


class TypeEvenementCoordonnees(models.TextChoices):
    """Les événements de l'historique des coordonnées bancaires ; repris dans le catalogue
    des événements (`clas.dossiers.evenements`)."""

    PROPOSEES = "coordonnees_proposees", "Nouvelles coordonnées bancaires proposées"
    ACCEPTEES = "coordonnees_acceptees", "Coordonnées bancaires acceptées par la Caf"
    REFUSEES = "coordonnees_refusees", "Coordonnées bancaires refusées par la Caf"
    REMPLACEES = "coordonnees_remplacees", "Coordonnées bancaires remplacées avant vérification"


class EvenementCoordonnees(models.Model):
    """L'historique des coordonnées bancaires d'une structure : chaque proposition,
    acceptation, refus, avec l'ancien et le nouveau compte (montrés masqués)."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="evenements_coordonnees"
    )
    changement = models.ForeignKey(
        ChangementCoordonnees, on_delete=models.CASCADE, related_name="evenements"
    )
    type = models.CharField("type", max_length=40, choices=TypeEvenementCoordonnees.choices)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    etat_avant = models.CharField("état avant", max_length=20, blank=True)
    etat_apres = models.CharField("état après", max_length=20, blank=True)
    description = models.TextField("description", max_length=10_000, blank=True)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "événement des coordonnées bancaires"
        verbose_name_plural = "événements des coordonnées bancaires"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.structure} — {self.get_type_display()}"


# --- Transfert entre Caf -------------------------------------------------------------------
# Une structure ne change de Caf que par un transfert qu'un agent confirme : une fiche dont
# le code postal passe dans un autre département garde son adresse et sa Caf ; la nouvelle
# adresse est « à confirmer » par un agent de la Caf actuelle (ou l'administration
# nationale). Confirmé, la structure passe à l'autre Caf avec ses membres, ses pièces, ses
# dossiers et son historique (tous rattachés à la structure).


class EtatTransfert(models.TextChoices):
    A_CONFIRMER = "a_confirmer", "À confirmer"
    CONFIRME = "confirme", "Confirmé"
    REFUSE = "refuse", "Refusé"
    ANNULE = "annule", "Annulé"


class TransfertStructure(models.Model):
    """Un changement d'adresse vers le département d'une autre Caf, en attente de la
    confirmation d'un agent de la Caf actuelle."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="transferts", verbose_name="structure"
    )
    caf_origine = models.ForeignKey(
        "referentiel.Caf", on_delete=models.PROTECT, related_name="+", verbose_name="de la Caf"
    )
    caf_destination = models.ForeignKey(
        "referentiel.Caf", on_delete=models.PROTECT, related_name="+", verbose_name="à la Caf"
    )
    adresse = models.CharField("nouvelle adresse", max_length=300, blank=True)
    commune = models.CharField("nouvelle commune", max_length=100)
    code_postal = models.CharField("nouveau code postal", max_length=5)
    departement = models.CharField("nouveau département", max_length=3)
    etat = models.CharField(
        "état", max_length=20, choices=EtatTransfert.choices, default=EtatTransfert.A_CONFIRMER
    )
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="demandé par",
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    examine_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="confirmé ou refusé par",
    )
    examine_le = models.DateTimeField("confirmé ou refusé le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", max_length=10_000, blank=True)

    class Meta:
        verbose_name = "transfert d'une structure entre Caf"
        verbose_name_plural = "transferts de structures entre Caf"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure"],
                condition=models.Q(etat="a_confirmer"),
                name="un_transfert_a_confirmer_par_structure",
                violation_error_message="Cette structure a déjà un transfert à confirmer.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure} : {self.caf_origine} → {self.caf_destination}"


class TypeEvenementTransfert(models.TextChoices):
    """Repris dans le catalogue des événements (`clas.dossiers.evenements`)."""

    DEMANDE = "transfert_demande", "Changement de Caf demandé (adresse à confirmer)"
    CONFIRME = "transfert_confirme", "Transfert vers une autre Caf confirmé"
    REFUSE = "transfert_refuse", "Transfert vers une autre Caf refusé"
    ANNULE = "transfert_annule", "Transfert vers une autre Caf annulé"


class EvenementTransfert(models.Model):
    """Le journal des transferts : qui, quand, de quelle Caf à quelle Caf."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="evenements_transfert"
    )
    transfert = models.ForeignKey(
        TransfertStructure, on_delete=models.CASCADE, related_name="evenements"
    )
    type = models.CharField("type", max_length=40, choices=TypeEvenementTransfert.choices)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    etat_avant = models.CharField("état avant", max_length=20, blank=True)
    etat_apres = models.CharField("état après", max_length=20, blank=True)
    description = models.TextField("description", max_length=10_000, blank=True)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "événement de transfert"
        verbose_name_plural = "événements de transfert"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.structure} — {self.get_type_display()}"
