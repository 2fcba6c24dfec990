"""Ce que `clas.core` garde en base : les exports produits en tâche de fond."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExportDemande(models.Model):
    """Un export trop long pour la requête, produit par la tâche de fond `produire_export`
    (`core.exports_differes`). Seul son demandeur le suit et le télécharge. Pas d'état de
    flux : il est prêt quand son fichier existe, en échec quand `erreur` est rempli."""

    demandeur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    export = models.CharField("export", max_length=200)  # chemin de l'`Export` décrit
    format = models.CharField("format", max_length=4)  # csv | xlsx
    parametres = models.JSONField("filtres de la page", default=dict)
    lignes_total = models.PositiveIntegerField("lignes à écrire", default=0)
    lignes_ecrites = models.PositiveIntegerField("lignes écrites", default=0)
    fichier = models.FileField("fichier", upload_to="exports/", blank=True)
    nom_fichier = models.CharField("nom du fichier", max_length=120)
    erreur = models.TextField("erreur", max_length=10_000, blank=True)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "export demandé"
        verbose_name_plural = "exports demandés"

    def __str__(self) -> str:
        return self.nom_fichier

    @property
    def pret(self) -> bool:
        return bool(self.fichier) and not self.erreur

    @property
    def pourcentage(self) -> int:
        if self.pret:
            return 100
        if not self.lignes_total:
            return 0
        return min(99, self.lignes_ecrites * 100 // self.lignes_total)
