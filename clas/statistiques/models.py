"""Le numéro de version des données sous lequel sont rangés les chiffres en cache
(`clas/core/chiffres_en_cache.py`, déclencheurs dans `clas/statistiques/version.py`)."""

from __future__ import annotations

from django.db import models

from clas.core.chiffres_en_cache import TABLE_VERSION


class VersionDonnees(models.Model):
    """Une seule ligne (id = 1) : son numéro avance, par des déclencheurs de la base, à chaque
    transaction qui écrit dans une table suivie (`core.chiffres_en_cache.TABLES_SUIVIES`) ;
    `generation` est tirée au hasard à la création de la table (une base neuve ne reprend pas
    les numéros d'une autre dans un cache partagé).

    Hors des modèles gérés par Django (`managed = False`, table créée par la migration) :
    ni vidée par `flush` ou `restaurer`, ni copiée dans les sauvegardes. Le numéro continue
    donc d'avancer quand les tables sont vidées puis rechargées, au lieu de revenir en
    arrière vers des numéros déjà en cache."""

    id = models.PositiveSmallIntegerField("identifiant", primary_key=True, default=1)
    numero = models.BigIntegerField("numéro", default=0)
    generation = models.CharField("génération", max_length=32)

    class Meta:
        managed = False
        db_table = TABLE_VERSION
        verbose_name = "version des données statistiques"
        verbose_name_plural = "versions des données statistiques"

    def __str__(self) -> str:
        return f"{self.generation}-{self.numero}"
