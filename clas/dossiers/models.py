from __future__ import annotations

import operator
from decimal import Decimal
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clas.core.etats import libelle_etat

from .evenements import ObjetEvenement, TypeEvenement, fiche

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur


class EtatDossier(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    DEPOSE = "depose", "Déposé"
    EN_INSTRUCTION = "en_instruction", "En instruction"
    COMPLEMENTS_DEMANDES = "complements_demandes", "Compléments demandés"
    ACCEPTE = "accepte", "Accepté"
    REFUSE = "refuse", "Refusé"
    SANS_SUITE = "sans_suite", "Classé sans suite"
    CLOTURE = "cloture", "Clôturé"


def _de_ses_structures(utilisateur: Utilisateur) -> models.Q:
    """Les dossiers des structures dont la personne est membre, par une sous-requête : une
    jointure sur les membres dédoublerait les lignes (et demanderait un DISTINCT sur toutes
    les colonnes, trié sur disque à l'échelle nationale)."""
    from clas.structures.models import MembreStructure

    siennes = MembreStructure.objects.filter(utilisateur=utilisateur).values("structure_id")
    return models.Q(structure_id__in=siennes)


def _structures_en_plus(utilisateur: Utilisateur) -> list[models.Q]:
    """Pour un agent ou le national : les structures dont il est aussi membre (presque
    jamais), lues d'avance et mises en cache sur l'objet. Une sous-requête dans un OR avec
    la Caf obligerait PostgreSQL à lire tous les dossiers du pays pour chaque page."""
    from clas.structures.models import MembreStructure

    if not hasattr(utilisateur, "_structures_membre"):
        utilisateur._structures_membre = list(  # type: ignore[attr-defined]  # cache de la requête
            MembreStructure.objects.filter(utilisateur=utilisateur).values_list(
                "structure_id", flat=True
            )
        )
    siennes: list[int] = utilisateur._structures_membre  # type: ignore[attr-defined]  # idem
    return [models.Q(structure_id__in=siennes)] if siennes else []


def _campagnes_de_la_caf(caf_id: int) -> models.Q:
    """Les dossiers des campagnes de la Caf, par la liste de leurs identifiants (trois ou
    quatre, lus d'abord : une petite requête). Avec une jointure sur les campagnes (ou une
    sous-requête), PostgreSQL lisait tous les dossiers de la Caf avant de trier et de
    paginer ; avec la liste, il suit l'index du tri (`dossier_par_modification`) : 20 → 4 ms
    pour une page de l'API sur le pays doublé, le même temps quelle que soit la Caf."""
    from clas.campagnes.models import Campagne

    campagnes = list(Campagne.objects.filter(caf_id=caf_id).values_list("pk", flat=True))
    return models.Q(campagne_id__in=campagnes)


class DossierQuerySet(models.QuerySet["Dossier"]):
    def visibles_par(self, utilisateur: Utilisateur) -> DossierQuerySet:
        """Un membre voit les dossiers de ses structures ; un agent ceux de sa Caf (hors
        brouillons) ; le national tous les dossiers déposés."""
        from clas.comptes.roles import agent_de

        if not utilisateur.is_authenticated:
            return self.none()
        agent = agent_de(utilisateur)
        if agent is None and not utilisateur.est_admin_national:
            return self.filter(_de_ses_structures(utilisateur))
        filtres = _structures_en_plus(utilisateur)
        if utilisateur.est_admin_national:
            filtres.append(~models.Q(etat=EtatDossier.BROUILLON))
        elif agent is not None:
            filtres.append(
                _campagnes_de_la_caf(agent.caf_id) & ~models.Q(etat=EtatDossier.BROUILLON)
            )
        return self.filter(reduce(operator.or_, filtres))

    def echanges_par(self, utilisateur: Utilisateur) -> DossierQuerySet:
        """Les dossiers dont une personne reçoit les documents échangés avec la Caf (lettre
        de décision, convention) : membres de la structure et agents de la Caf du dossier ;
        l'administration nationale, qui lit tous les dossiers déposés (lecture seule)."""
        from clas.comptes.roles import agent_de
        from clas.core.permissions import en_lecture_seule

        if not utilisateur.is_authenticated:
            return self.none()
        if en_lecture_seule(utilisateur):
            return self.exclude(etat=EtatDossier.BROUILLON)
        agent = agent_de(utilisateur)
        if agent is None:
            return self.filter(_de_ses_structures(utilisateur))
        filtres = [
            *_structures_en_plus(utilisateur),
            _campagnes_de_la_caf(agent.caf_id),
        ]
        return self.filter(reduce(operator.or_, filtres))

    def avec_contenu(self) -> DossierQuerySet:
        """Collectifs (et intervenants), budget et pièces préchargés : la page d'un dossier
        garde un nombre de requêtes constant."""
        return self.prefetch_related(
            models.Prefetch(
                "collectifs",
                queryset=Collectif.objects.prefetch_related("intervenants").order_by("ordre", "id"),
            ),
            models.Prefetch(
                "lignes_budget", queryset=LigneBudget.objects.order_by("nature", "compte", "id")
            ),
            models.Prefetch("pieces", queryset=PieceDossier.objects.select_related("piece")),
        )


class Dossier(models.Model):
    """La demande de prestation de service Clas d'une structure pour une campagne."""

    structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name="structure",
    )
    campagne = models.ForeignKey(
        "campagnes.Campagne",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name="campagne",
    )
    etat = models.CharField(
        "état", max_length=30, choices=EtatDossier.choices, default=EtatDossier.BROUILLON
    )
    numero = models.CharField(
        "numéro",
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text="Attribué au dépôt : CLAS-<caf>-<année>-<séquence>.",
    )

    # Le projet
    titre = models.CharField("titre du projet", max_length=200, blank=True)
    resume = models.TextField("résumé du projet", max_length=10_000, blank=True)
    axe_enfants = models.TextField("axe enfants", max_length=10_000, blank=True)
    axe_parents = models.TextField("axe parents", max_length=10_000, blank=True)
    axe_ecole = models.TextField("axe école", max_length=10_000, blank=True)
    axe_partenaires = models.TextField("axe partenaires locaux", max_length=10_000, blank=True)
    orientation_enfants = models.TextField("orientation des enfants", max_length=10_000, blank=True)
    liens_ecoles_pedt = models.TextField(
        "liens avec les écoles et le PEDT", max_length=10_000, blank=True
    )
    lieux = models.TextField("lieux d'accueil", max_length=10_000, blank=True)

    ps_demandee = models.DecimalField(
        "prestation de service Clas demandée",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    # Attestation sur l'honneur, par un signataire de la structure.
    attestation_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="attestation signée par",
    )
    attestation_le = models.DateTimeField("attestation signée le", null=True, blank=True)

    # Saisies refusées par la validation, gardées pour ne rien perdre : {étape: données}.
    saisies_en_cours = models.JSONField("saisies en cours", default=dict, blank=True)
    # Étapes rouvertes par une demande de compléments.
    etapes_a_completer = models.JSONField("étapes à compléter", default=list, blank=True)
    # Verrou optimiste : chaque enregistrement incrémente la version.
    version = models.PositiveIntegerField("version", default=1)

    repris_de = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reprises",
        verbose_name="repris du dossier",
    )
    recu = models.FileField("accusé de dépôt (PDF)", upload_to="recus/", blank=True)
    instructeur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers_instruits",
        verbose_name="instructeur",
        help_text="L'agent de la Caf qui instruit le dossier.",
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="créé par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    depose_le = models.DateTimeField("déposé le", null=True, blank=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = "dossier"
        ordering = ["-created_at"]
        # Le tri par défaut des files (date de dépôt, puis numéro interne) : la première page
        # de la file nationale se lit dans l'index au lieu de trier les 13 000 dossiers.
        # Celui des listes /dossiers/ (dernière modification d'abord) : la première page se
        # lit dans l'index au lieu de joindre et trier tous les dossiers du pays.
        indexes = [
            models.Index(fields=["depose_le", "id"], name="dossier_par_depot"),
            models.Index(fields=["updated_at", "id"], name="dossier_par_modification"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "campagne"],
                name="un_dossier_par_structure_et_campagne",
                violation_error_message=(
                    "Votre structure a déjà un dossier pour cette campagne : reprenez-le."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.numero or f"Brouillon n° {self.pk}"


NIVEAUX_SCOLAIRES = [
    ("CP", "CP"),
    ("CE1", "CE1"),
    ("CE2", "CE2"),
    ("CM1", "CM1"),
    ("CM2", "CM2"),
    ("6e", "6e"),
    ("5e", "5e"),
    ("4e", "4e"),
    ("3e", "3e"),
    ("2de", "Seconde"),
    ("1re", "Première"),
    ("Tle", "Terminale"),
]


class Collectif(models.Model):
    """Un groupe d'enfants du projet, tel que la structure le déclare."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="collectifs")
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    nom = models.CharField("nom du collectif", max_length=200, blank=True)
    lieu = models.CharField("lieu", max_length=300, blank=True)
    niveaux = models.JSONField("niveaux scolaires", default=list, blank=True)
    nb_enfants = models.PositiveSmallIntegerField(
        "nombre d'enfants", null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    milieu_rural = models.BooleanField("en milieu rural", default=False)
    enfant_en_situation_de_handicap = models.BooleanField(
        "accueille un enfant en situation de handicap nécessitant une attention renforcée",
        default=False,
    )
    premiere_semaine = models.DateField("première semaine de fonctionnement", null=True, blank=True)
    semaines_de_fonctionnement = models.PositiveSmallIntegerField(
        "nombre de semaines de fonctionnement",
        null=True,
        blank=True,
        validators=[MaxValueValidator(52)],
    )
    # Horaires : [{"jour": "lundi", "debut": "16:30", "fin": "18:00"}, …]
    horaires = models.JSONField("horaires hebdomadaires", default=list, blank=True)
    bonus_projets_culturels = models.BooleanField(
        "projets culturels ou éducatifs (bonus)", default=False
    )
    description_projets_culturels = models.TextField(
        "actions culturelles prévues", max_length=10_000, blank=True
    )
    bonus_accompagnement_parents = models.BooleanField(
        "accompagnement des parents (bonus)", default=False
    )
    description_accompagnement_parents = models.TextField(
        "actions d'accompagnement des parents prévues", max_length=10_000, blank=True
    )

    class Meta:
        verbose_name = "collectif"
        ordering = ["dossier", "ordre", "id"]

    def __str__(self) -> str:
        return self.nom or f"Collectif {self.ordre + 1}"


class StatutIntervenant(models.TextChoices):
    SALARIE = "salarie", "Salarié"
    BENEVOLE = "benevole", "Bénévole"


class Intervenant(models.Model):
    collectif = models.ForeignKey(Collectif, on_delete=models.CASCADE, related_name="intervenants")
    nom = models.CharField("nom", max_length=200)
    statut = models.CharField("statut", max_length=10, choices=StatutIntervenant.choices)
    qualification = models.CharField("qualification", max_length=200, blank=True)

    class Meta:
        verbose_name = "intervenant"
        ordering = ["collectif", "id"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.get_statut_display()})"


class NatureLigne(models.TextChoices):
    CHARGE = "charge", "Charge"
    PRODUIT = "produit", "Produit"


class Compte(models.TextChoices):
    """Les familles du plan comptable associatif utilisées par le budget Clas."""

    C60 = "60", "60 — Achats"
    C61 = "61", "61 — Services extérieurs"
    C62 = "62", "62 — Autres services extérieurs"
    C63 = "63", "63 — Impôts et taxes"
    C64 = "64", "64 — Charges de personnel"
    C65 = "65", "65 — Autres charges de gestion courante"
    C86 = "86", "86 — Emplois des contributions volontaires en nature"
    P70 = "70", "70 — Ventes de produits finis, prestations de services"
    P74 = "74", "74 — Subventions d'exploitation"
    P75 = "75", "75 — Autres produits de gestion courante"
    P87 = "87", "87 — Contributions volontaires en nature"


COMPTES_CHARGES = ("60", "61", "62", "63", "64", "65", "86")
COMPTES_PRODUITS = ("70", "74", "75", "87")
# Les dépenses qui entrent dans le barème : charges 60 à 65 (hors contributions en nature).
COMPTES_DEPENSES_BAREME = ("60", "61", "62", "63", "64", "65")


class Financeur(models.TextChoices):
    ETAT = "etat", "État"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    COMMUNE = "commune", "Commune ou intercommunalité"
    AUTRE_CAF = "autre_caf", "Autres financements de la Caf"
    AUTRE = "autre", "Autres financeurs"


class LigneDeCompte(models.Model):
    """Une ligne de compte (charge ou produit) : celle du budget prévisionnel du dossier et
    celle du compte de résultat du bilan partagent ces champs."""

    nature = models.CharField("nature", max_length=10, choices=NatureLigne.choices)
    compte = models.CharField("compte", max_length=2, choices=Compte.choices)
    financeur = models.CharField(
        "financeur",
        max_length=20,
        choices=Financeur.choices,
        blank=True,
        help_text="Pour les subventions (compte 74) seulement.",
    )
    libelle = models.CharField("libellé", max_length=200, blank=True)
    montant = models.DecimalField(
        "montant", max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.compte} {self.libelle} : {self.montant}"


class LigneBudget(LigneDeCompte):
    """Une ligne du budget prévisionnel du dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="lignes_budget")

    class Meta:
        verbose_name = "ligne de budget"
        verbose_name_plural = "lignes de budget"
        ordering = ["dossier", "nature", "compte", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(montant__gte=0),
                name="ligne_budget_montant_positif",
                violation_error_message="Un montant de budget est positif ou nul.",
            )
        ]


class PieceDossier(models.Model):
    """Une pièce du coffre-fort de la structure, jointe à ce dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pieces")
    piece = models.ForeignKey(
        "structures.PieceJustificative", on_delete=models.PROTECT, related_name="dossiers"
    )
    created_at = models.DateTimeField("jointe le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce du dossier"
        verbose_name_plural = "pièces du dossier"
        constraints = [
            models.UniqueConstraint(fields=["dossier", "piece"], name="piece_jointe_une_fois")
        ]

    def __str__(self) -> str:
        return str(self.piece)


class Evenement(models.Model):
    """L'historique du dossier : transitions de chaque flux, modifications, rappels. Chaque
    événement a un type du catalogue (`evenements.TypeEvenement`), l'objet qu'il concerne
    (le dossier, un versement, le bilan…) et l'état de cet objet avant et après. Les
    événements publics sont montrés à la structure ; les autres aux seuls agents."""

    # Index : `evenement_par_dossier_et_date` (il sert aussi la clé étrangère).
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="evenements", db_index=False
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    type = models.CharField("type", max_length=40, choices=TypeEvenement.choices)
    objet = models.CharField(
        "objet", max_length=20, choices=ObjetEvenement.choices, default=ObjetEvenement.DOSSIER
    )
    objet_id = models.PositiveIntegerField("identifiant de l'objet", null=True, blank=True)
    etat_avant = models.CharField("état avant", max_length=30, blank=True)
    etat_apres = models.CharField("état après", max_length=30, blank=True)
    description = models.TextField("description", max_length=10_000, blank=True)
    public = models.BooleanField("visible par la structure", default=True)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "événement"
        ordering = ["created_at", "id"]
        # L'historique d'un dossier, le plus récent d'abord et tronqué : lu dans l'ordre de
        # l'index, sans trier les 200 événements d'un gros dossier ni parcourir les comptes.
        indexes = [
            models.Index(
                fields=["dossier", "created_at", "id"], name="evenement_par_dossier_et_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} — {self.libelle}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # L'objet et la visibilité viennent du catalogue, jamais de l'appelant.
        fiche_ = fiche(self.type)
        self.objet = fiche_.objet
        self.public = fiche_.public
        super().save(*args, **kwargs)

    @property
    def libelle(self) -> str:
        """« Versement payé »."""
        return str(TypeEvenement(self.type).label)

    @property
    def changement(self) -> str:
        """L'état de l'objet avant et après, en clair : « Mis en paiement → Payé » ; vide si
        l'événement ne change aucun état."""
        if self.etat_avant == self.etat_apres:
            return ""
        apres = libelle_etat(self.objet, self.etat_apres)
        if not self.etat_avant:
            return apres
        return f"{libelle_etat(self.objet, self.etat_avant)} → {apres}"

    @classmethod
    def noter(
        cls,
        dossier: Dossier,
        type_: str,
        description: str,
        auteur: Utilisateur | None = None,
        objet: models.Model | None = None,
        apres: str = "",
    ) -> Evenement:
        """Un événement qui ne change aucun état (signature, rappel, correction…), ou la
        création d'un objet dans l'état `apres` (un acompte « à valider »). `objet` est
        l'objet concerné (un versement, le bilan…) ; le dossier par défaut."""
        return cls.objects.create(
            dossier=dossier,
            auteur=auteur,
            type=type_,
            objet_id=(objet or dossier).pk,
            etat_apres=apres,
            description=description,
        )


class Message(models.Model):
    """Un message échangé entre la structure et la Caf à propos d'un dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="messages")
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    de_la_caf = models.BooleanField("envoyé par la Caf", default=False)
    texte = models.TextField("message", max_length=10_000)
    piece_jointe = models.FileField("pièce jointe", upload_to="messages/", blank=True)
    nom_piece_jointe = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "message"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} — {self.created_at:%d/%m/%Y}"


class DemandeComplements(models.Model):
    """Ce que la Caf demande de compléter, et pour quand."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="demandes_complements"
    )
    etapes = models.JSONField("étapes à compléter", default=list)
    message = models.TextField("ce qui est demandé", max_length=10_000)
    echeance = models.DateField("à rendre avant le")
    demandee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    repondue_le = models.DateTimeField("complétée le", null=True, blank=True)

    class Meta:
        verbose_name = "demande de compléments"
        verbose_name_plural = "demandes de compléments"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.dossier} — compléments avant le {self.echeance:%d/%m/%Y}"


class SequenceNumero(models.Model):
    """Le dernier numéro attribué par Caf et année : verrouillé au dépôt pour que deux
    dépôts simultanés n'aient jamais le même numéro."""

    caf = models.ForeignKey("referentiel.Caf", on_delete=models.CASCADE, related_name="+")
    annee_scolaire = models.CharField(max_length=9)
    dernier = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caf", "annee_scolaire"], name="une_sequence_par_caf")
        ]

    def __str__(self) -> str:
        return f"{self.caf.code} {self.annee_scolaire} : {self.dernier}"
