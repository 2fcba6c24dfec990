"""Après la décision : la convention signée et les versements (acompte, puis solde)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clas.dossiers.models import LigneDeCompte


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
    motif_rejet = models.TextField("motif du rejet", blank=True)
    rejete_le = models.DateTimeField("rejeté le", null=True, blank=True)
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
                condition=~models.Q(etat__in=["mis_en_paiement", "paye"])
                | models.Q(lot__isnull=False),
                name="versement_en_paiement_dans_un_lot",
                violation_error_message="Un versement mis en paiement appartient à un lot.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} {self.convention.dossier} : {self.montant}"


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
    indu = models.ForeignKey(
        "Indu", on_delete=models.PROTECT, null=True, blank=True, related_name="mouvements"
    )
    motif = models.TextField("motif")
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
    actions_parents = models.TextField("actions menées avec les parents", blank=True)
    evaluation_enfants = models.TextField("évaluation — axe enfants", blank=True)
    evaluation_parents = models.TextField("évaluation — axe parents", blank=True)
    evaluation_ecole = models.TextField("évaluation — axe école", blank=True)
    evaluation_partenaires = models.TextField("évaluation — axe partenaires locaux", blank=True)
    saisies_en_cours = models.JSONField("saisies en cours", default=dict, blank=True)
    version = models.PositiveIntegerField("version", default=1)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    depose_le = models.DateTimeField("déposé le", null=True, blank=True)
    commentaire_caf = models.TextField("corrections demandées par la Caf", blank=True)
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
    intervenants = models.TextField("intervenants (noms et statuts)", blank=True)
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
    motif = models.TextField("motif")
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
    motif = models.TextField("motif")
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
