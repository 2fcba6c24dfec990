"""Le journal infalsifiable : une table en ajout seul, où chaque entrée porte l'empreinte
(SHA-256) de son contenu et de l'entrée précédente. Modifier, supprimer ou réordonner une
entrée casse la chaîne : `manage.py verifier_journal` le voit et nomme l'entrée.

Aucune clé étrangère : une entrée garde les identifiants en clair, elle survit à la
suppression de ce qu'elle décrit (dossier purgé, compte fermé)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

REFUS = "Le journal est en ajout seul : une entrée ne se modifie ni ne se supprime."


class JournalImmuable(Exception):
    """Tentative de modifier ou supprimer une entrée du journal."""


class _EntreesQuerySet(models.QuerySet["Entree"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise JournalImmuable(REFUS)

    def delete(self) -> NoReturn:
        raise JournalImmuable(REFUS)


class Entree(models.Model):
    """Une entrée du journal : un événement métier, dans l'ordre où il a été écrit."""

    numero = models.PositiveBigIntegerField("numéro", primary_key=True)
    horodatage = models.DateTimeField("le")
    source = models.CharField(
        "source",
        max_length=60,
        help_text="Le modèle ou le sujet de l'événement : « dossiers.evenement », "
        "« structures.structure », « comptes.connexion »…",
    )
    source_id = models.CharField("identifiant de la source", max_length=40, blank=True)
    type = models.CharField("type", max_length=60)
    acteur_id = models.BigIntegerField("identifiant de l'auteur", null=True, blank=True)
    contenu = models.TextField("contenu (JSON canonique)", max_length=1_000_000)
    precedent = models.CharField("empreinte de l'entrée précédente", max_length=64)
    empreinte = models.CharField("empreinte", max_length=64)

    objects = _EntreesQuerySet.as_manager()

    class Meta:
        db_table = "journal_entree"
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        ordering = ["numero"]

    def __str__(self) -> str:
        return f"n° {self.numero} — {self.type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise JournalImmuable(REFUS)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise JournalImmuable(REFUS)
