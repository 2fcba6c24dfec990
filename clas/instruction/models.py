"""Ce que la Caf ajoute au dossier en l'instruisant. Les chiffres de la structure ne sont
jamais modifiés : les corrections se posent à côté, avec leur motif."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChampCorrige(models.TextChoices):
    RETENU = "retenu", "Collectif retenu"
    NB_ENFANTS = "nb_enfants", "Nombre d'enfants"
    NB_INTERVENANTS = "nb_intervenants", "Nombre d'intervenants"
    SEMAINES = "semaines_de_fonctionnement", "Semaines de fonctionnement"
    MILIEU_RURAL = "milieu_rural", "Milieu rural"
    HANDICAP = "enfant_en_situation_de_handicap", "Enfant en situation de handicap"
    BONUS_CULTUREL = "bonus_projets_culturels", "Bonus projets culturels"
    BONUS_PARENTS = "bonus_accompagnement_parents", "Bonus accompagnement des parents"
    DEPENSES = "depenses_totales", "Dépenses retenues"
    COFINANCEMENTS = "cofinancements", "Cofinancements retenus"


CHAMPS_DU_DOSSIER = {ChampCorrige.DEPENSES, ChampCorrige.COFINANCEMENTS}


class Correction(models.Model):
    """Une correction de l'instructeur : la plus récente par (collectif, champ) s'applique."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="corrections"
    )
    collectif = models.ForeignKey(
        "dossiers.Collectif",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="Vide pour une correction du dossier (dépenses, cofinancements).",
    )
    champ = models.CharField("champ corrigé", max_length=40, choices=ChampCorrige.choices)
    valeur = models.CharField("valeur retenue", max_length=40)
    motif = models.TextField("motif", max_length=10_000)
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "correction"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_champ_display()} → {self.valeur}"


class Annotation(models.Model):
    """Une note interne à la Caf : jamais montrée à la structure."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="annotations"
    )
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    texte = models.TextField("annotation", max_length=10_000)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "annotation"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.texte[:50]


class NatureDecision(models.TextChoices):
    ACCORD = "accord", "Accord"
    REFUS = "refus", "Refus"
    SANS_SUITE = "sans_suite", "Classement sans suite"


class MotifRefus(models.TextChoices):
    NON_ELIGIBLE = "non_eligible", "Projet non éligible"
    INCOMPLET = "incomplet", "Dossier incomplet"
    ENVELOPPE_EPUISEE = "enveloppe_epuisee", "Enveloppe budgétaire épuisée"
    AUTRE = "autre", "Autre motif"


class StatutProposition(models.TextChoices):
    EN_ATTENTE = "en_attente", "À valider"
    VALIDEE = "validee", "Validée"
    RENVOYEE = "renvoyee", "Renvoyée à l'instructeur"


class ObjetProposition(models.TextChoices):
    DECISION = "decision", "Décision"
    AVENANT = "avenant", "Avenant à la convention"


class Proposition(models.Model):
    """La décision proposée par un instructeur, en attente d'un second agent (valideur).
    Un avenant à une convention signée passe par la même proposition et la même validation."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="propositions"
    )
    objet = models.CharField(
        "objet", max_length=10, choices=ObjetProposition.choices, default=ObjetProposition.DECISION
    )
    nature = models.CharField("décision proposée", max_length=20, choices=NatureDecision.choices)
    montant = models.DecimalField(
        "montant proposé", max_digits=12, decimal_places=2, null=True, blank=True
    )
    montant_bareme = models.DecimalField(
        "montant du barème", max_digits=12, decimal_places=2, null=True, blank=True
    )
    justification_montant = models.TextField(
        "justification d'un montant inférieur au barème", max_length=10_000, blank=True
    )
    motif_refus = models.CharField(
        "motif du refus", max_length=30, choices=MotifRefus.choices, blank=True
    )
    texte = models.TextField("motivation", max_length=10_000, blank=True)
    justification_enveloppe = models.TextField(
        "justification du dépassement d'enveloppe", max_length=10_000, blank=True
    )
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("proposée le", auto_now_add=True)
    statut = models.CharField(
        "statut",
        max_length=20,
        choices=StatutProposition.choices,
        default=StatutProposition.EN_ATTENTE,
    )
    traitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    traitee_le = models.DateTimeField("traitée le", null=True, blank=True)
    commentaire = models.TextField("commentaire du valideur", max_length=10_000, blank=True)

    class Meta:
        verbose_name = "proposition de décision"
        verbose_name_plural = "propositions de décision"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(statut="en_attente"),
                name="une_proposition_en_attente_par_dossier",
                violation_error_message="Une proposition attend déjà d'être validée.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} — {self.get_nature_display()}"


class Decision(models.Model):
    """La décision prise : elle garde l'entrée, les paramètres et le résultat du barème tels
    qu'ils étaient ; une modification ultérieure des paramètres ne la change jamais."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="decision"
    )
    proposition = models.OneToOneField(
        Proposition, on_delete=models.PROTECT, related_name="decision"
    )
    nature = models.CharField("décision", max_length=20, choices=NatureDecision.choices)
    montant = models.DecimalField(
        "montant accordé", max_digits=12, decimal_places=2, null=True, blank=True
    )
    entree_bareme = models.JSONField("entrée du barème", default=dict)
    parametres = models.JSONField("paramètres appliqués", default=dict)
    resultat = models.JSONField("résultat et explication", default=dict)
    lettre = models.FileField("lettre de décision (PDF)", upload_to="decisions/", blank=True)
    instructeur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    valideur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decidee_le = models.DateTimeField("décidée le", auto_now_add=True)

    class Meta:
        verbose_name = "décision"

    def __str__(self) -> str:
        return f"{self.dossier} — {self.get_nature_display()}"
