from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UtilisateurManager(BaseUserManager["Utilisateur"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **champs: object) -> Utilisateur:
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        utilisateur = self.model(email=self.normalize_email(email).lower(), **champs)
        utilisateur.set_password(password)
        utilisateur.save(using=self._db)
        return utilisateur

    def create_superuser(self, email: str, password: str, **champs: object) -> Utilisateur:
        champs.update(is_staff=True, is_superuser=True, est_admin_national=True)
        return self.create_user(email, password, **champs)


class Utilisateur(AbstractBaseUser, PermissionsMixin):
    """Une personne qui se connecte : membre d'une structure, agent de Caf ou national."""

    email = models.EmailField("adresse électronique", unique=True)
    prenom = models.CharField("prénom", max_length=100, blank=True)
    nom = models.CharField("nom", max_length=100, blank=True)
    est_admin_national = models.BooleanField(
        "administrateur national",
        default=False,
        help_text="Gère les paramètres du barème et voit toutes les Caf.",
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration technique", default=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    ferme_le = models.DateTimeField(
        "fermé le",
        null=True,
        blank=True,
        help_text="Compte fermé (par la personne ou pour inactivité) : nom et adresse "
        "anonymisés, plus de connexion ; ce qu'il a écrit dans les dossiers reste.",
    )

    objects = UtilisateurManager()
    # Posé par comptes.roles.agent_de (le cache de l'agent), absent avant le premier appel.
    _agent_caf: AgentCaf | None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["email"]

    def __str__(self) -> str:
        return self.nom_complet or self.email

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class AgentCaf(models.Model):
    """Un agent rattaché à une seule Caf, avec un ou plusieurs rôles."""

    utilisateur = models.OneToOneField(
        Utilisateur, on_delete=models.CASCADE, related_name="agent", verbose_name="utilisateur"
    )
    caf = models.ForeignKey(
        "referentiel.Caf", on_delete=models.PROTECT, related_name="agents", verbose_name="Caf"
    )
    est_instructeur = models.BooleanField("instructeur", default=False)
    est_valideur = models.BooleanField("valideur", default=False)
    est_comptable = models.BooleanField("comptable", default=False)
    est_responsable = models.BooleanField(
        "responsable",
        default=False,
        help_text="Invite et gère les agents de sa Caf, attribue les dossiers aux instructeurs.",
    )
    actif = models.BooleanField(
        "actif",
        default=True,
        help_text="Un agent désactivé ne se connecte plus ; son historique reste.",
    )

    class Meta:
        verbose_name = "agent de Caf"
        verbose_name_plural = "agents de Caf"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(est_instructeur=True)
                | models.Q(est_valideur=True)
                | models.Q(est_comptable=True)
                | models.Q(est_responsable=True),
                name="agent_a_au_moins_un_role",
                violation_error_message="Un agent doit avoir au moins un rôle.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} ({self.caf})"

    @property
    def roles(self) -> list[str]:
        libelles = [
            (self.est_instructeur, "instructeur"),
            (self.est_valideur, "valideur"),
            (self.est_comptable, "comptable"),
            (self.est_responsable, "responsable"),
        ]
        return [libelle for actif, libelle in libelles if actif]

    @property
    def invitation_en_attente(self) -> bool:
        """Invité, il n'a pas encore choisi son mot de passe."""
        return not self.utilisateur.has_usable_password()


class EvenementAgent(models.Model):
    """Le journal de l'équipe d'une Caf : invitations, rôles, désactivations."""

    class Type(models.TextChoices):
        INVITATION = "invitation", "Agent invité"
        INVITATION_RENVOYEE = "invitation_renvoyee", "Invitation renvoyée"
        INVITATION_ACCEPTEE = "invitation_acceptee", "Invitation acceptée"
        ROLES_CHANGES = "roles_changes", "Rôles changés"
        DESACTIVATION = "desactivation", "Agent désactivé"
        REACTIVATION = "reactivation", "Agent réactivé"

    agent = models.ForeignKey(
        AgentCaf,
        on_delete=models.CASCADE,
        related_name="evenements",
        verbose_name="agent concerné",
    )
    caf = models.ForeignKey(
        "referentiel.Caf", on_delete=models.PROTECT, related_name="+", verbose_name="Caf"
    )
    type = models.CharField("événement", max_length=40, choices=Type.choices)
    auteur = models.ForeignKey(
        Utilisateur,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="fait par",
    )
    roles_avant = models.CharField("rôles avant", max_length=200, blank=True)
    roles_apres = models.CharField("rôles après", max_length=200, blank=True)
    motif = models.CharField("motif", max_length=500, blank=True)
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "événement de l'équipe"
        verbose_name_plural = "événements de l'équipe"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.agent}"


class DoubleFacteur(models.Model):
    """L'état de la double authentification d'une personne, à côté des appareils de
    django-otp : les essais manqués (limite par compte, tous appareils confondus) et la
    génération qui invalide les navigateurs de confiance à chaque réinitialisation."""

    utilisateur = models.OneToOneField(
        Utilisateur,
        on_delete=models.CASCADE,
        related_name="double_facteur",
        verbose_name="utilisateur",
    )
    generation = models.PositiveIntegerField(
        "génération",
        default=0,
        help_text="Augmente à chaque réinitialisation : les navigateurs de confiance "
        "enregistrés avant ne sont plus reconnus.",
    )
    echecs = models.PositiveSmallIntegerField("codes faux de suite", default=0)
    bloque_jusqu_a = models.DateTimeField("vérification bloquée jusqu'à", null=True, blank=True)

    class Meta:
        verbose_name = "double authentification"
        verbose_name_plural = "doubles authentifications"

    def __str__(self) -> str:
        return f"Double authentification de {self.utilisateur}"


class EvenementDoubleFacteur(models.Model):
    """Le journal de la double authentification d'une personne : qui, quoi, quand."""

    class Type(models.TextChoices):
        ACTIVATION = "activation", "Double authentification activée"
        CODES_REGENERES = "codes_regeneres", "Codes de secours régénérés"
        CODE_SECOURS_UTILISE = "code_secours_utilise", "Code de secours utilisé"
        BLOCAGE = "blocage", "Trop de codes faux : vérification suspendue"
        REINITIALISATION = "reinitialisation", "Double authentification réinitialisée"
        REINITIALISATION_NATIONALE = (
            "reinitialisation_nationale",
            "Double authentification réinitialisée par l'administration nationale",
        )
        REINITIALISATION_EXPLOITATION = (
            "reinitialisation_exploitation",
            "Double authentification réinitialisée par l'exploitation de la plateforme",
        )

    utilisateur = models.ForeignKey(
        Utilisateur,
        on_delete=models.CASCADE,
        related_name="evenements_double_facteur",
        verbose_name="personne concernée",
    )
    type = models.CharField("événement", max_length=40, choices=Type.choices)
    auteur = models.ForeignKey(
        Utilisateur,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="fait par",
    )
    motif = models.CharField("motif", max_length=500, blank=True)
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "événement de double authentification"
        verbose_name_plural = "événements de double authentification"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.utilisateur}"


class SessionOuverte(models.Model):
    """Une session ouverte d'une personne, à côté de la session de Django (même clé) : pour
    lui montrer où elle est connectée et la laisser fermer une session. Créée à la connexion,
    tenue à jour par `comptes.middleware.SessionsSuivies`, supprimée à la déconnexion ou à
    la fermeture (clas/comptes/sessions.py). L'adresse IP n'est gardée que tronquée."""

    utilisateur = models.ForeignKey(
        Utilisateur,
        on_delete=models.CASCADE,
        related_name="sessions_ouvertes",
        verbose_name="utilisateur",
    )
    cle = models.CharField("clé de la session", max_length=40, unique=True)
    appareil = models.CharField("navigateur et système", max_length=200, blank=True)
    adresse_ip = models.CharField("adresse IP tronquée", max_length=50, blank=True)
    ouverte_le = models.DateTimeField("ouverte le", default=timezone.now)
    derniere_activite = models.DateTimeField("dernière activité", default=timezone.now)

    class Meta:
        verbose_name = "session ouverte"
        verbose_name_plural = "sessions ouvertes"
        ordering = ["-derniere_activite", "-pk"]

    def __str__(self) -> str:
        return f"Session de {self.utilisateur} ({self.appareil or 'appareil inconnu'})"
