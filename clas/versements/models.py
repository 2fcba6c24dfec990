"""Les versements (acompte, puis solde), les lots de paiement et le grand livre."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from clas.conventions.models import Convention


class NatureVersement(models.TextChoices):
    ACOMPTE = "acompte", "Acompte"
    SOLDE = "solde", "Solde"


class EtatVersement(models.TextChoices):
    A_VALIDER = "a_valider", "À valider"
    VALIDE = "valide", "Validé"
    MIS_EN_PAIEMENT = "mis_en_paiement", "Mis en paiement"
    # Statut pain.002 ACTC, ACCP ou ACSP : la banque a pris l'ordre, l'argent n'est pas
    # encore sur le compte de la structure (ACSC le dira).
    ACCEPTE_BANQUE = "accepte_banque", "Accepté par la banque"
    PAYE = "paye", "Payé"
    REJETE = "rejete", "Rejeté"


class LotPaiement(models.Model):
    """Un lot de paiement (ordre de virement SEPA) : tous les versements validés d'une Caf
    au moment où le comptable le crée. Un versement n'entre que dans un seul lot, à jamais."""

    caf = models.ForeignKey("referentiel.Caf", on_delete=models.PROTECT, related_name="lots")
    numero = models.CharField("numéro du lot", max_length=35, unique=True)
    date_execution = models.DateField("date d'exécution demandée")
    nb_versements = models.PositiveIntegerField("nombre de versements", default=0)
    montant_total = models.DecimalField("montant total", max_digits=14, decimal_places=2)
    # Le compte émetteur tel qu'il était à la création du lot.
    iban_emetteur = models.CharField("IBAN émetteur", max_length=34)
    bic_emetteur = models.CharField("BIC émetteur", max_length=11)
    titulaire_emetteur = models.CharField("titulaire du compte émetteur", max_length=70)
    fichier_sepa = models.FileField("fichier SEPA (pain.001)", upload_to="lots/", blank=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="créé par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    traite_le = models.DateTimeField(
        "retour de la banque traité le",
        null=True,
        blank=True,
        help_text="Quand le lot a été marqué payé ou le retour de la banque importé.",
    )
    traite_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "lot de paiement"
        verbose_name_plural = "lots de paiement"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.numero


class Versement(models.Model):
    """Un paiement à la structure : l'acompte à la signature, le solde après le bilan.
    Un seul versement actif (non rejeté) par nature et par convention : un second clic ou
    une requête rejouée ne peut pas en créer un deuxième (contrainte en base). Un versement
    rejeté par la banque est réémis par un nouveau versement (`reemission_de`), une fois."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="versements")
    # La Caf qui paie (celle de la campagne du dossier, qui ne change jamais), recopiée ici :
    # les versements d'une Caf se lisent par un index, sans remonter convention → dossier →
    # campagne pour chacun (`save` la remplit ; l'écriture par lots la donne).
    caf = models.ForeignKey(
        "referentiel.Caf",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name="Caf",
        db_index=False,  # servie par `versement_par_caf`
    )
    nature = models.CharField("nature", max_length=10, choices=NatureVersement.choices)
    montant = models.DecimalField("montant", max_digits=12, decimal_places=2)
    etat = models.CharField(
        "état", max_length=20, choices=EtatVersement.choices, default=EtatVersement.A_VALIDER
    )
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valide_le = models.DateTimeField("validé le", null=True, blank=True)
    lot = models.ForeignKey(
        LotPaiement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="versements",
        verbose_name="lot de paiement",
    )
    reference = models.CharField(
        "référence de bout en bout",
        max_length=35,
        blank=True,
        help_text="Identifiant du virement dans le fichier SEPA (EndToEndId).",
    )
    iban_beneficiaire = models.CharField("IBAN du bénéficiaire", max_length=34, blank=True)
    bic_beneficiaire = models.CharField("BIC du bénéficiaire", max_length=11, blank=True)
    paye_le = models.DateField("payé le", null=True, blank=True)
    reference_bancaire = models.CharField("référence bancaire", max_length=100, blank=True)
    motif_rejet = models.TextField("motif du rejet", max_length=10_000, blank=True)
    rejete_le = models.DateTimeField("rejeté le", null=True, blank=True)
    accepte_banque_le = models.DateField("accepté par la banque le", null=True, blank=True)
    code_banque = models.CharField(
        "dernier statut de la banque",
        max_length=4,
        blank=True,
        help_text="Code ISO 20022 du dernier retour appliqué (ACTC, ACCP, ACSP, ACSC, RJCT).",
    )
    reemission_de = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reemission",
        verbose_name="réémission du versement",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "versement"
        ordering = ["created_at", "id"]
        # Les versements d'une Caf dans l'ordre de la pagination de l'API (et pour toute
        # recherche par Caf : les pages de paiement, le lot à créer).
        indexes = [models.Index(fields=["caf", "id"], name="versement_par_caf")]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "nature"],
                condition=~models.Q(etat="rejete"),
                name="un_versement_actif_par_nature",
                violation_error_message="Cette convention a déjà ce versement.",
            ),
            models.CheckConstraint(
                condition=models.Q(montant__gte=0),
                name="versement_montant_positif",
                violation_error_message="Un versement est positif ou nul.",
            ),
            models.CheckConstraint(
                condition=~models.Q(etat__in=["mis_en_paiement", "accepte_banque", "paye"])
                | models.Q(lot__isnull=False),
                name="versement_en_paiement_dans_un_lot",
                violation_error_message="Un versement mis en paiement appartient à un lot.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} {self.convention.dossier} : {self.montant}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.caf_id is None:
            self.caf_id = Convention.objects.values_list(
                "dossier__campagne__caf_id", flat=True
            ).get(pk=self.convention_id)
        super().save(*args, **kwargs)


class TypeMouvement(models.TextChoices):
    VERSEMENT_PAYE = "versement_paye", "Versement payé"
    INDU_NOTIFIE = "indu_notifie", "Indu notifié"
    REMBOURSEMENT = "remboursement", "Remboursement reçu"


class Mouvement(models.Model):
    """Le grand livre d'une convention : chaque mouvement d'argent réel, jamais modifié.
    Payé net = versements payés − remboursements ; la somme des versements payés est
    toujours celle des mouvements « versement payé » (vérifié par les tests)."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="mouvements")
    type = models.CharField("type", max_length=20, choices=TypeMouvement.choices)
    montant = models.DecimalField("montant", max_digits=12, decimal_places=2)
    versement = models.OneToOneField(
        Versement, on_delete=models.PROTECT, null=True, blank=True, related_name="mouvement"
    )
    motif = models.TextField("motif", max_length=10_000)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "mouvement"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(montant__gt=0),
                name="mouvement_montant_positif",
                violation_error_message="Un mouvement a un montant positif.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} : {self.montant}"
