"""Les deux refus que toute action peut opposer, les mêmes dans toutes les applications."""

from __future__ import annotations


class ActionImpossible(Exception):
    """L'action ne peut pas se faire dans l'état actuel (souvent : quelqu'un d'autre vient
    d'agir). Le message, en français, dit ce qui s'est passé et quoi faire ; rien n'a été
    modifié. `details` : les raisons ligne à ligne (versements laissés de côté…)."""

    def __init__(self, message: str = "", details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class VersionPerimee(ActionImpossible):
    """Ce qui est enregistré a changé depuis l'ouverture de la page (verrou optimiste) :
    rien n'est écrit, la saisie de la personne lui est rendue telle quelle."""
