"""Après la décision : la convention signée et les versements (acompte, puis solde)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Convention(models.Model):
    """La convention d'un dossier accepté, signée dans la plateforme par un signataire."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="convention"
    )
    decision = models.OneToOneField(
        "instruction.Decision", on_delete=models.PROTECT, related_name="convention"
    )
    montant_maximal = models.DecimalField("montant maximal", max_digits=12, decimal_places=2)
    taux_acompte = models.DecimalField(
        "taux d'acompte",
        max_digits=5,
        decimal_places=4,
        help_text="Celui des paramètres gardés par la décision.",
    )
    date_limite_bilan = models.DateField("bilan à déposer avant le")
    pdf = models.FileField("convention (PDF)", upload_to="conventions/", blank=True)
    signee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signée par",
    )
    signee_le = models.DateTimeField("signée le", null=True, blank=True)
    signee_depuis = models.CharField("adresse IP de signature", max_length=45, blank=True)
    signee_navigateur = models.CharField("navigateur", max_length=300, blank=True)
    created_at = models.DateTimeField("établie le", auto_now_add=True)

    class Meta:
        verbose_name = "convention"

    def __str__(self) -> str:
        return f"Convention {self.dossier}"

    @property
    def est_signee(self) -> bool:
        return self.signee_le is not None


class NatureVersement(models.TextChoices):
    ACOMPTE = "acompte", "Acompte"
    SOLDE = "solde", "Solde"


class EtatVersement(models.TextChoices):
    A_VALIDER = "a_valider", "À valider"
    VALIDE = "valide", "Validé"
    MIS_EN_PAIEMENT = "mis_en_paiement", "Mis en paiement"
    PAYE = "paye", "Payé"
    REJETE = "rejete", "Rejeté"


class Versement(models.Model):
    """Un paiement à la structure. L'acompte est unique par convention : un second clic ou
    une requête rejouée ne peut pas en créer un deuxième (contrainte en base)."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="versements")
    nature = models.CharField("nature", max_length=10, choices=NatureVersement.choices)
    montant = models.DecimalField("montant", max_digits=12, decimal_places=2)
    etat = models.CharField(
        "état", max_length=20, choices=EtatVersement.choices, default=EtatVersement.A_VALIDER
    )
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valide_le = models.DateTimeField("validé le", null=True, blank=True)
    paye_le = models.DateField("payé le", null=True, blank=True)
    reference_bancaire = models.CharField("référence bancaire", max_length=100, blank=True)
    motif_rejet = models.TextField("motif du rejet", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "versement"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention"],
                condition=models.Q(nature="acompte"),
                name="un_seul_acompte_par_convention",
                violation_error_message="Cette convention a déjà son acompte.",
            ),
            models.CheckConstraint(
                condition=models.Q(montant__gte=0),
                name="versement_montant_positif",
                violation_error_message="Un versement est positif ou nul.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} {self.convention.dossier} : {self.montant}"
