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
        filtre = models.Q(membres__utilisateur=utilisateur)
        from clas.comptes.roles import agent_de

        agent = agent_de(utilisateur)
        if agent is not None:
            filtre |= models.Q(caf_id=agent.caf_id)
        return self.filter(filtre).distinct()


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


class PieceJustificative(models.Model):
    """Une pièce du coffre-fort de la structure, réutilisée par tous ses dossiers."""

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
