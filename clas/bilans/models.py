"""Le bilan de fin d'année, l'indu et ses remboursements."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clas.conventions.models import Convention
from clas.dossiers.models import LigneDeCompte
from clas.versements.models import Mouvement


class EtatBilan(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    DEPOSE = "depose", "Déposé"
    A_CORRIGER = "a_corriger", "Corrections demandées"
    ACCEPTE = "accepte", "Accepté"


class Bilan(models.Model):
    """Le bilan de fin d'année : ce qui a réellement eu lieu. À l'acceptation, la PS est
    recalculée sur les réels avec les paramètres de la décision ; le montant définitif est
    le plus petit du recalcul et du montant décidé (convention, avenants compris)."""

    convention = models.OneToOneField(Convention, on_delete=models.PROTECT, related_name="bilan")
    etat = models.CharField(
        "état", max_length=20, choices=EtatBilan.choices, default=EtatBilan.BROUILLON
    )
    actions_parents = models.TextField(
        "actions menées avec les parents", max_length=10_000, blank=True
    )
    evaluation_enfants = models.TextField("évaluation — axe enfants", max_length=10_000, blank=True)
    evaluation_parents = models.TextField("évaluation — axe parents", max_length=10_000, blank=True)
    evaluation_ecole = models.TextField("évaluation — axe école", max_length=10_000, blank=True)
    evaluation_partenaires = models.TextField(
        "évaluation — axe partenaires locaux", max_length=10_000, blank=True
    )
    saisies_en_cours = models.JSONField("saisies en cours", default=dict, blank=True)
    version = models.PositiveIntegerField("version", default=1)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    depose_le = models.DateTimeField("déposé le", null=True, blank=True)
    commentaire_caf = models.TextField(
        "corrections demandées par la Caf", max_length=10_000, blank=True
    )
    examine_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepte_le = models.DateTimeField("accepté le", null=True, blank=True)
    # Figés à l'acceptation, comme la décision : jamais recalculés ensuite.
    entree_reelle = models.JSONField("entrée du barème sur les réels", default=dict, blank=True)
    resultat_reel = models.JSONField("résultat sur les réels", default=dict, blank=True)
    montant_recalcule = models.DecimalField(
        "montant recalculé sur les réels", max_digits=12, decimal_places=2, null=True, blank=True
    )
    montant_definitif = models.DecimalField(
        "montant définitif", max_digits=12, decimal_places=2, null=True, blank=True
    )
    relances = models.JSONField(
        "relances envoyées", default=list, blank=True, help_text="Clés des relances déjà parties."
    )
    created_at = models.DateTimeField("commencé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "bilan"

    def __str__(self) -> str:
        return f"Bilan {self.convention.dossier}"


class BilanCollectif(models.Model):
    """Ce qu'un collectif prévu a réellement fait (ou qu'il n'a pas fonctionné)."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="collectifs")
    collectif = models.ForeignKey("dossiers.Collectif", on_delete=models.PROTECT, related_name="+")
    a_fonctionne = models.BooleanField("le collectif a fonctionné", default=True)
    nb_enfants = models.PositiveSmallIntegerField("enfants accueillis", default=0)
    premiere_semaine = models.DateField("première semaine", null=True, blank=True)
    semaines_de_fonctionnement = models.PositiveSmallIntegerField(
        "semaines de fonctionnement", default=0
    )
    nb_seances = models.PositiveSmallIntegerField("séances tenues", default=0)
    nb_intervenants = models.PositiveSmallIntegerField("intervenants", default=0)
    intervenants = models.TextField("intervenants (noms et statuts)", max_length=10_000, blank=True)
    bonus_projets_culturels = models.BooleanField("projets culturels menés", default=False)
    bonus_accompagnement_parents = models.BooleanField(
        "accompagnement des parents mené", default=False
    )

    class Meta:
        verbose_name = "collectif au bilan"
        verbose_name_plural = "collectifs au bilan"
        ordering = ["collectif__ordre", "collectif_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bilan", "collectif"],
                name="un_bilan_par_collectif",
                violation_error_message="Ce collectif figure déjà au bilan.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.collectif} (bilan)"


class LigneBilan(LigneDeCompte):
    """Une ligne du compte de résultat : mêmes comptes que le budget prévisionnel."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="lignes")

    class Meta:
        verbose_name = "ligne du compte de résultat"
        verbose_name_plural = "lignes du compte de résultat"
        ordering = ["bilan", "nature", "compte", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(montant__gte=0),
                name="ligne_bilan_montant_positif",
                violation_error_message="Un montant du compte de résultat est positif ou nul.",
            )
        ]


class PieceBilan(models.Model):
    """Une pièce jointe au bilan (compte rendu, feuilles de présence…), contrôlée au dépôt."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="pieces")
    fichier = models.FileField("fichier", upload_to="bilans/")
    nom = models.CharField("nom du fichier", max_length=255)
    description = models.CharField("description", max_length=200, blank=True)
    ajoutee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("jointe le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce du bilan"
        verbose_name_plural = "pièces du bilan"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.nom


class EtatIndu(models.TextChoices):
    OUVERT = "ouvert", "À rembourser"
    REMBOURSE = "rembourse", "Remboursé"


class Indu(models.Model):
    """Ce que la structure doit rendre quand les versements dépassent le montant définitif.
    Notifié avec un avis PDF ; les remboursements partiels s'inscrivent jusqu'au solde."""

    convention = models.OneToOneField(Convention, on_delete=models.PROTECT, related_name="indu")
    montant = models.DecimalField("montant de l'indu", max_digits=12, decimal_places=2)
    motif = models.TextField("motif", max_length=10_000)
    echeance = models.DateField("à rembourser avant le")
    etat = models.CharField(
        "état", max_length=20, choices=EtatIndu.choices, default=EtatIndu.OUVERT
    )
    avis = models.FileField("avis de l'indu (PDF)", upload_to="indus/", blank=True)
    notifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    notifie_le = models.DateTimeField("notifié le", auto_now_add=True)
    rembourse_le = models.DateTimeField("remboursé le", null=True, blank=True)
    mouvement = models.OneToOneField(
        Mouvement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indu",
        verbose_name="mouvement du grand livre",
    )

    class Meta:
        verbose_name = "indu"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(montant__gt=0),
                name="indu_montant_positif",
                violation_error_message="Un indu a un montant positif.",
            ),
        ]

    def __str__(self) -> str:
        return f"Indu {self.convention.dossier} : {self.montant}"


class Remboursement(models.Model):
    """Un remboursement (éventuellement partiel) d'un indu, enregistré par la Caf."""

    indu = models.ForeignKey(Indu, on_delete=models.PROTECT, related_name="remboursements")
    montant = models.DecimalField("montant remboursé", max_digits=12, decimal_places=2)
    recu_le = models.DateField("reçu le")
    reference = models.CharField("référence (virement, chèque…)", max_length=100, blank=True)
    enregistre_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)
    # Le jeton du formulaire : une requête rejouée (double clic) n'enregistre rien de plus.
    jeton = models.UUIDField("jeton d'idempotence", unique=True, null=True, blank=True)
    mouvement = models.OneToOneField(
        Mouvement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remboursement",
        verbose_name="mouvement du grand livre",
    )

    class Meta:
        verbose_name = "remboursement"
        ordering = ["recu_le", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(montant__gt=0),
                name="remboursement_montant_positif",
                violation_error_message="Un remboursement a un montant positif.",
            ),
        ]

    def __str__(self) -> str:
        return f"Remboursement {self.montant}"
