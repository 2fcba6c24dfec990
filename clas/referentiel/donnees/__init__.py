"""Données de référence livrées avec le code : les 101 Caf et les paramètres du barème.

Les migrations les chargent ; les fonctions reçoivent les modèles pour servir aussi bien
dans une migration (modèles historiques) que dans le code courant.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

DOSSIER = Path(__file__).resolve().parent


def lire_caf() -> list[dict[str, str]]:
    with (DOSSIER / "caf.csv").open(encoding="utf-8", newline="") as fichier:
        return list(csv.DictReader(fichier))


def lire_parametres() -> list[dict[str, Any]]:
    with (DOSSIER / "parametres_bareme.json").open(encoding="utf-8") as fichier:
        annees: list[dict[str, Any]] = json.load(fichier)["annees"]
    return annees


def charger_caf(modele_caf: Any) -> int:
    """Crée les Caf manquantes et met à jour les noms ; renvoie le nombre de Caf créées."""
    creees = 0
    for ligne in lire_caf():
        _, cree = modele_caf.objects.update_or_create(
            code=ligne["code"], defaults={"departement": ligne["departement"], "nom": ligne["nom"]}
        )
        creees += int(cree)
    return creees


def charger_parametres(modele_parametres: Any) -> int:
    """Crée les années manquantes ; ne touche jamais une année existante (elle a pu être
    modifiée par l'administrateur national)."""
    creees = 0
    for annee in lire_parametres():
        _, cree = modele_parametres.objects.get_or_create(
            annee_scolaire=annee["annee_scolaire"],
            defaults={**annee["valeurs"], "sources": annee["sources"]},
        )
        creees += int(cree)
    return creees
