from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from .validators import valider_siret

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
    commune = models.CharField("commune", max_length=100)
    code_postal = models.CharField("code postal", max_length=5)
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
