"""Les jetons personnels d'API : une personne en crée pour ses outils, avec ses propres droits."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def valider_reseaux(reseaux: list[str]) -> None:
    """Chaque réseau autorisé est une adresse ou un bloc CIDR (« 192.0.2.0/24 »)."""
    if not isinstance(reseaux, list):
        raise ValidationError("Les réseaux autorisés forment une liste.")
    for reseau in reseaux:
        try:
            ipaddress.ip_network(str(reseau), strict=False)
        except ValueError:
            raise ValidationError(
                f"« {reseau} » n'est pas un réseau : écrivez une adresse IP (192.0.2.10) ou "
                "un bloc CIDR (192.0.2.0/24)."
            ) from None


class JetonQuerySet(models.QuerySet["JetonApi"]):
    def actifs(self) -> JetonQuerySet:
        """Ni révoqués ni expirés."""
        return self.filter(revoque_le__isnull=True, expire_le__gt=timezone.now())


class JetonApi(models.Model):
    """Un jeton personnel : seule son empreinte (SHA-256) est gardée, le jeton n'est montré
    qu'une fois. Un jeton aléatoire de 256 bits n'a pas besoin d'un hachage lent."""

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jetons_api",
        verbose_name="propriétaire",
    )
    nom = models.CharField("nom", max_length=100, help_text="Pour vous y retrouver : « Tableur »")
    prefixe = models.CharField(
        "début du jeton", max_length=12, help_text="Les premiers caractères, pour le reconnaître."
    )
    empreinte = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    lecture_seule = models.BooleanField(
        "lecture seule", default=True, help_text="Sans écriture : ni message, ni annotation."
    )
    reseaux = models.JSONField(
        "réseaux autorisés",
        default=list,
        blank=True,
        validators=[valider_reseaux],
        help_text="Adresses ou blocs CIDR d'où le jeton est accepté ; vide : de partout.",
    )
    expire_le = models.DateTimeField("expire le")
    created_at = models.DateTimeField("créé le", default=timezone.now)
    revoque_le = models.DateTimeField("révoqué le", null=True, blank=True)
    derniere_utilisation_le = models.DateTimeField("dernière utilisation", null=True, blank=True)
    derniere_adresse = models.CharField("depuis l'adresse", max_length=45, blank=True)
    rappel_envoye_le = models.DateTimeField("rappel d'expiration envoyé le", null=True, blank=True)

    objects = JetonQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.prefixe}…)"

    @property
    def est_revoque(self) -> bool:
        return self.revoque_le is not None

    @property
    def est_expire(self) -> bool:
        return self.expire_le <= timezone.now()

    @property
    def est_actif(self) -> bool:
        return not self.est_revoque and not self.est_expire

    def accepte_adresse(self, adresse: str | None) -> bool:
        if not self.reseaux:
            return True
        if not adresse:
            return False
        try:
            ip = ipaddress.ip_address(adresse)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(r, strict=False) for r in self.reseaux)
