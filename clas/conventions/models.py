"""La convention d'un dossier accepté, sa signature et ses avenants."""

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
    montant_definitif = models.DecimalField(
        "montant définitif",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Arrêté à l'acceptation du bilan : plus aucun avenant ensuite.",
    )
    created_at = models.DateTimeField("établie le", auto_now_add=True)

    class Meta:
        verbose_name = "convention"

    def __str__(self) -> str:
        return f"Convention {self.dossier}"

    @property
    def est_signee(self) -> bool:
        return self.signee_le is not None


class Avenant(models.Model):
    """Un avenant à une convention signée : collectifs retenus ou montant changés, proposé
    par un instructeur et validé par un autre agent, comme une décision. Les chiffres
    d'origine restent dans la décision et dans `montant_avant`."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="avenants")
    proposition = models.OneToOneField(
        "instruction.Proposition", on_delete=models.PROTECT, related_name="avenant"
    )
    numero = models.PositiveSmallIntegerField("numéro de l'avenant")
    montant_avant = models.DecimalField("montant avant l'avenant", max_digits=12, decimal_places=2)
    montant_apres = models.DecimalField("montant après l'avenant", max_digits=12, decimal_places=2)
    entree_bareme = models.JSONField("entrée du barème", default=dict)
    resultat = models.JSONField("résultat et explication", default=dict)
    motif = models.TextField("motif", max_length=10_000)
    pdf = models.FileField("avenant (PDF)", upload_to="avenants/", blank=True)
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    valide_le = models.DateTimeField("validé le", auto_now_add=True)

    class Meta:
        verbose_name = "avenant"
        ordering = ["numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "numero"],
                name="avenant_numero_unique",
                violation_error_message="Cet avenant existe déjà.",
            )
        ]

    def __str__(self) -> str:
        return f"Avenant n° {self.numero} — {self.convention.dossier}"


class ProjetAvenant(models.Model):
    """Ce qu'un avenant en attente de validation change : les collectifs retenus, avec
    l'entrée et le résultat du barème calculés sur les paramètres de la décision. La
    proposition (objet « avenant ») garde le montant proposé, le barème et le motif ; à la
    validation, l'avenant reprend ces chiffres tels quels."""

    proposition = models.OneToOneField(
        "instruction.Proposition", on_delete=models.CASCADE, related_name="projet_avenant"
    )
    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, related_name="projets_avenant"
    )
    collectifs_retenus = models.JSONField(
        "collectifs retenus", default=list, help_text="Identifiants des collectifs retenus."
    )
    entree_bareme = models.JSONField("entrée du barème", default=dict)
    resultat = models.JSONField("résultat et explication", default=dict)

    class Meta:
        verbose_name = "projet d'avenant"
        verbose_name_plural = "projets d'avenant"

    def __str__(self) -> str:
        return f"Projet d'avenant — {self.convention.dossier}"
