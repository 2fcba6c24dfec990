from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from clas.referentiel.models import valider_annee_scolaire

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur


class CampagneQuerySet(models.QuerySet["Campagne"]):
    def visibles_par(self, utilisateur: Utilisateur) -> CampagneQuerySet:
        """Le national voit tout ; un agent, les campagnes de sa Caf ; un membre de
        structure, celles de la Caf de ses structures."""
        from clas.comptes.roles import agent_de

        if not utilisateur.is_authenticated:
            return self.none()
        if utilisateur.est_admin_national:
            return self.all()
        agent = agent_de(utilisateur)
        if agent is not None:
            return self.filter(caf_id=agent.caf_id)
        from clas.structures.models import MembreStructure

        # Sous-requête plutôt que jointure : pas de doublons, donc pas de DISTINCT.
        cafs = MembreStructure.objects.filter(utilisateur=utilisateur).values("structure__caf_id")
        return self.filter(caf_id__in=cafs)

    def ouvertes(self, maintenant: dt.datetime | None = None) -> CampagneQuerySet:
        maintenant = maintenant or timezone.now()
        return self.filter(ouverture__lte=maintenant, cloture__gt=maintenant)


class Campagne(models.Model):
    """Un appel à projets d'une Caf pour une année scolaire."""

    caf = models.ForeignKey(
        "referentiel.Caf", on_delete=models.PROTECT, related_name="campagnes", verbose_name="Caf"
    )
    annee_scolaire = models.CharField(
        "année scolaire", max_length=9, validators=[valider_annee_scolaire]
    )
    titre = models.CharField("titre", max_length=200)
    ouverture = models.DateTimeField(
        "ouverture des dépôts", help_text="Date et heure de Paris à partir desquelles on dépose."
    )
    cloture = models.DateTimeField(
        "clôture des dépôts", help_text="Date et heure de Paris après lesquelles on ne dépose plus."
    )
    enveloppe = models.DecimalField(
        "enveloppe budgétaire",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text="Montant total que la Caf consacre à cet appel à projets, en euros.",
    )
    date_limite_bilan = models.DateField(
        "date limite du bilan",
        null=True,
        blank=True,
        help_text="Date avant laquelle les structures déposent leur bilan de fin d'année.",
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="ouverte par",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = CampagneQuerySet.as_manager()

    class Meta:
        verbose_name = "campagne"
        ordering = ["-annee_scolaire", "caf__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["caf", "annee_scolaire"],
                name="une_campagne_par_caf_et_annee",
                violation_error_message="Cette Caf a déjà une campagne pour cette année scolaire.",
            ),
            models.CheckConstraint(
                condition=models.Q(cloture__gt=models.F("ouverture")),
                name="cloture_apres_ouverture",
                violation_error_message="La clôture doit être postérieure à l'ouverture.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.titre} — {self.caf}"

    def clean(self) -> None:
        if self.ouverture and self.cloture and self.cloture <= self.ouverture:
            raise ValidationError({"cloture": "La clôture doit être postérieure à l'ouverture."})

    def est_ouverte(self, maintenant: dt.datetime | None = None) -> bool:
        maintenant = maintenant or timezone.now()
        return self.ouverture <= maintenant < self.cloture

    def message_fermeture(self, maintenant: dt.datetime | None = None) -> str:
        """Pourquoi on ne peut pas déposer maintenant, en clair ; vide si c'est ouvert."""
        maintenant = maintenant or timezone.now()
        if maintenant < self.ouverture:
            debut = timezone.localtime(self.ouverture).strftime("%d/%m/%Y à %H:%M")
            return f"Les dépôts pour « {self.titre} » ouvrent le {debut}."
        if maintenant >= self.cloture:
            fin = timezone.localtime(self.cloture).strftime("%d/%m/%Y à %H:%M")
            return (
                f"Les dépôts pour « {self.titre} » sont clos depuis le {fin}. "
                "Contactez votre Caf si vous pensez devoir encore déposer."
            )
        return ""
