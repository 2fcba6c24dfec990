from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clas.bareme import Parametres
from clas.bareme.parametres import LIBELLES_PARAMETRES, NOMS_PARAMETRES
from clas.core.validators import valider_bic, valider_iban, valider_siret


class Caf(models.Model):
    """Une des 101 Caisses d'allocations familiales, une par département."""

    code = models.CharField("code", max_length=3, unique=True)
    departement = models.CharField("département", max_length=3, unique=True)
    nom = models.CharField("nom", max_length=100)
    # L'attribuant des subventions publiées en open data (SCDL `idAttribuant`) : renseigné
    # par l'administration nationale, vide tant qu'il n'est pas connu (rien n'est inventé).
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    # Le compte d'où partent les virements Clas (émetteur des fichiers SEPA), saisi par un
    # valideur de la Caf.
    titulaire_compte = models.CharField("titulaire du compte", max_length=70, blank=True)
    iban = models.CharField(
        "IBAN du compte de la Caf", max_length=34, blank=True, validators=[valider_iban]
    )
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[valider_bic])
    compte_modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="compte bancaire modifié par",
    )
    compte_modifie_le = models.DateTimeField("compte bancaire modifié le", null=True, blank=True)

    class Meta:
        verbose_name = "Caf"
        verbose_name_plural = "Caf"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.nom

    @property
    def a_un_compte(self) -> bool:
        """Les fichiers de virement ne partent que d'un compte complet."""
        return bool(self.iban and self.bic and self.titulaire_compte)


def valider_annee_scolaire(valeur: str) -> None:
    correspondance = re.fullmatch(r"(\d{4})-(\d{4})", valeur or "")
    if not correspondance or int(correspondance[2]) != int(correspondance[1]) + 1:
        raise ValidationError(
            "Année scolaire invalide : écrivez deux années qui se suivent, par exemple 2025-2026."
        )


TAUX = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
POSITIF = [MinValueValidator(Decimal("0"))]


class ParametresBareme(models.Model):
    """Les paramètres du barème pour une année scolaire, chacun avec sa source (CLAS.md §2.1)."""

    annee_scolaire = models.CharField(
        "année scolaire", max_length=9, unique=True, validators=[valider_annee_scolaire]
    )
    taux = models.DecimalField(
        LIBELLES_PARAMETRES["taux"], max_digits=6, decimal_places=4, validators=TAUX
    )
    prix_plafond = models.DecimalField(
        LIBELLES_PARAMETRES["prix_plafond"], max_digits=12, decimal_places=2, validators=POSITIF
    )
    montant_max_collectif = models.DecimalField(
        LIBELLES_PARAMETRES["montant_max_collectif"],
        max_digits=12,
        decimal_places=2,
        validators=POSITIF,
    )
    bonus_projets_culturels = models.DecimalField(
        LIBELLES_PARAMETRES["bonus_projets_culturels"],
        max_digits=12,
        decimal_places=2,
        validators=POSITIF,
    )
    bonus_accompagnement_parents = models.DecimalField(
        LIBELLES_PARAMETRES["bonus_accompagnement_parents"],
        max_digits=12,
        decimal_places=2,
        validators=POSITIF,
    )
    semaines_reference = models.PositiveSmallIntegerField(
        LIBELLES_PARAMETRES["semaines_reference"],
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    # Bornes larges (un collectif compte 5 à 12 enfants) : elles n'écartent que l'absurde.
    effectif_min = models.PositiveSmallIntegerField(
        LIBELLES_PARAMETRES["effectif_min"], validators=[MaxValueValidator(100)]
    )
    effectif_max = models.PositiveSmallIntegerField(
        LIBELLES_PARAMETRES["effectif_max"], validators=[MaxValueValidator(100)]
    )
    effectif_min_derogatoire = models.PositiveSmallIntegerField(
        LIBELLES_PARAMETRES["effectif_min_derogatoire"], validators=[MaxValueValidator(100)]
    )
    intervenants_min = models.PositiveSmallIntegerField(
        LIBELLES_PARAMETRES["intervenants_min"], validators=[MaxValueValidator(20)]
    )
    taux_acompte = models.DecimalField(
        LIBELLES_PARAMETRES["taux_acompte"], max_digits=5, decimal_places=4, validators=TAUX
    )
    sources = models.JSONField(
        "sources", default=dict, help_text="Pour chaque paramètre, d'où vient sa valeur."
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "paramètres du barème"
        verbose_name_plural = "paramètres du barème"
        ordering = ["annee_scolaire"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effectif_min_derogatoire__lte=models.F("effectif_min"))
                & models.Q(effectif_min__lte=models.F("effectif_max")),
                name="effectifs_ordonnes",
                violation_error_message=(
                    "Les effectifs doivent vérifier : minimum dérogatoire ≤ minimum ≤ maximum."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Paramètres {self.annee_scolaire}"

    def clean(self) -> None:
        if (
            self.effectif_min_derogatoire is not None
            and self.effectif_min is not None
            and self.effectif_max is not None
            and not self.effectif_min_derogatoire <= self.effectif_min <= self.effectif_max
        ):
            raise ValidationError(
                "Les effectifs doivent vérifier : minimum dérogatoire ≤ minimum ≤ maximum."
            )

    def valeurs(self) -> dict[str, Any]:
        valeurs = {nom: getattr(self, nom) for nom in NOMS_PARAMETRES}
        # 0.3250 en base se lit 0.325 : les taux n'ont pas de décimales significatives figées.
        for nom in ("taux", "taux_acompte"):
            valeurs[nom] = Decimal(valeurs[nom]).normalize()
        return valeurs

    def vers_bareme(self) -> Parametres:
        """Les paramètres sous la forme que reçoit le barème pur."""
        return Parametres.depuis_dict(self.annee_scolaire, self.valeurs(), self.sources or {})


class ModificationParametre(models.Model):
    """Historique : chaque changement d'une valeur ou d'une source de paramètre. Pour une
    année déjà utilisée par une campagne, le changement a été proposé par `auteur` et
    approuvé par `approuve_par` (un autre administrateur national)."""

    parametres = models.ForeignKey(
        ParametresBareme, on_delete=models.CASCADE, related_name="modifications"
    )
    parametre = models.CharField("paramètre", max_length=40)
    ancienne_valeur = models.CharField("ancienne valeur", max_length=40)
    nouvelle_valeur = models.CharField("nouvelle valeur", max_length=40)
    ancienne_source = models.TextField("ancienne source", max_length=10_000, blank=True)
    nouvelle_source = models.TextField("nouvelle source", max_length=10_000, blank=True)
    motif = models.TextField("motif", max_length=10_000)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    approuve_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="approuvé par",
    )
    proposition = models.ForeignKey(
        "PropositionParametres",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="modifications",
        verbose_name="proposition approuvée",
    )
    created_at = models.DateTimeField("modifié le", auto_now_add=True)

    class Meta:
        verbose_name = "modification de paramètre"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.parametres.annee_scolaire} — {self.libelle_parametre}"

    @property
    def libelle_parametre(self) -> str:
        if self.parametre == "annee_scolaire":
            return "Création de l'année"
        return LIBELLES_PARAMETRES.get(self.parametre, self.parametre)


# --- Quatre yeux : ce qui ne change qu'après l'approbation d'une seconde personne ----------
# Le compte bancaire d'une Caf (émetteur de tous ses virements) et les paramètres du barème
# d'une année déjà utilisée par une campagne : une modification est une proposition « à
# approuver » ; elle ne s'applique que lorsqu'une autre personne habilitée l'approuve.


class EtatApprobation(models.TextChoices):
    A_APPROUVER = "a_approuver", "À approuver"
    APPROUVEE = "approuvee", "Approuvée"
    REFUSEE = "refusee", "Refusée"
    REMPLACEE = "remplacee", "Remplacée"


class _Proposition(models.Model):
    """Ce que partagent les propositions à approuver : qui propose, qui examine, l'état."""

    etat = models.CharField(
        "état",
        max_length=20,
        choices=EtatApprobation.choices,
        default=EtatApprobation.A_APPROUVER,
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
        verbose_name="approuvé ou refusé par",
    )
    examine_le = models.DateTimeField("approuvé ou refusé le", null=True, blank=True)
    motif_refus = models.TextField("motif du refus", max_length=10_000, blank=True)

    class Meta:
        abstract = True


class ChangementCompteCaf(_Proposition):
    """Un nouveau compte bancaire proposé pour une Caf : les lots partent de l'ancien tant
    qu'un autre valideur ou comptable de la Caf ne l'a pas approuvé."""

    caf = models.ForeignKey(
        Caf, on_delete=models.CASCADE, related_name="changements_compte", verbose_name="Caf"
    )
    titulaire_compte = models.CharField("titulaire proposé", max_length=70)
    iban = models.CharField("IBAN proposé", max_length=34, validators=[valider_iban])
    bic = models.CharField("BIC proposé", max_length=11, validators=[valider_bic])
    ancien_titulaire = models.CharField("titulaire jusque-là", max_length=70, blank=True)
    ancien_iban = models.CharField("IBAN jusque-là", max_length=34, blank=True)
    ancien_bic = models.CharField("BIC jusque-là", max_length=11, blank=True)

    class Meta:
        verbose_name = "changement du compte bancaire d'une Caf"
        verbose_name_plural = "changements du compte bancaire des Caf"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["caf"],
                condition=models.Q(etat="a_approuver"),
                name="un_changement_de_compte_caf_a_approuver",
                violation_error_message=(
                    "Un changement du compte de cette Caf est déjà à approuver."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.caf} : {self.get_etat_display()}"


class PropositionParametres(_Proposition):
    """Des valeurs et sources proposées pour une année du barème déjà utilisée par une
    campagne : elles ne s'appliquent qu'une fois approuvées par un autre administrateur
    national. `version` : la date de modification des paramètres lus par l'auteur."""

    parametres = models.ForeignKey(
        ParametresBareme,
        on_delete=models.CASCADE,
        related_name="propositions",
        verbose_name="paramètres",
    )
    valeurs = models.JSONField("valeurs proposées", default=dict)
    sources = models.JSONField("sources proposées", default=dict)
    changements = models.JSONField(
        "changements", default=list, help_text="[paramètre, avant, après], pour l'affichage."
    )
    motif = models.TextField("motif", max_length=10_000)
    version = models.CharField("version lue", max_length=40)

    class Meta:
        verbose_name = "proposition de paramètres du barème"
        verbose_name_plural = "propositions de paramètres du barème"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parametres"],
                condition=models.Q(etat="a_approuver"),
                name="une_proposition_de_parametres_a_approuver",
                violation_error_message="Une proposition pour cette année est déjà à approuver.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.parametres.annee_scolaire} : {self.get_etat_display()}"


class TypeEvenementApprobation(models.TextChoices):
    """Les événements des propositions à approuver ; repris dans le catalogue des
    événements (`clas.dossiers.evenements`)."""

    COMPTE_CAF_PROPOSE = "compte_caf_propose", "Compte bancaire de la Caf proposé"
    COMPTE_CAF_APPROUVE = "compte_caf_approuve", "Compte bancaire de la Caf approuvé"
    COMPTE_CAF_REFUSE = "compte_caf_refuse", "Compte bancaire de la Caf refusé"
    COMPTE_CAF_REMPLACE = (
        "compte_caf_remplace",
        "Proposition de compte de la Caf remplacée avant approbation",
    )
    PARAMETRES_PROPOSES = "parametres_proposes", "Paramètres du barème proposés"
    PARAMETRES_APPROUVES = "parametres_approuves", "Paramètres du barème approuvés"
    PARAMETRES_REFUSES = "parametres_refuses", "Paramètres du barème refusés"
    PARAMETRES_REMPLACES = (
        "parametres_remplaces",
        "Proposition de paramètres remplacée avant approbation",
    )


class _EvenementApprobation(models.Model):
    type = models.CharField("type", max_length=40, choices=TypeEvenementApprobation.choices)
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
        abstract = True


class EvenementCompteCaf(_EvenementApprobation):
    """L'historique du compte bancaire d'une Caf : qui a proposé, qui a approuvé ou refusé,
    ancien → nouveau compte (masqués)."""

    caf = models.ForeignKey(Caf, on_delete=models.CASCADE, related_name="evenements_compte")
    changement = models.ForeignKey(
        ChangementCompteCaf, on_delete=models.CASCADE, related_name="evenements"
    )

    class Meta:
        verbose_name = "événement du compte bancaire d'une Caf"
        verbose_name_plural = "événements des comptes bancaires des Caf"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.caf} — {self.get_type_display()}"


class EvenementParametres(_EvenementApprobation):
    """L'historique des propositions de paramètres d'une année : proposées, approuvées,
    refusées, remplacées, avec leurs auteurs."""

    parametres = models.ForeignKey(
        ParametresBareme, on_delete=models.CASCADE, related_name="evenements"
    )
    proposition = models.ForeignKey(
        PropositionParametres, on_delete=models.CASCADE, related_name="evenements"
    )

    class Meta:
        verbose_name = "événement des paramètres du barème"
        verbose_name_plural = "événements des paramètres du barème"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.parametres} — {self.get_type_display()}"
