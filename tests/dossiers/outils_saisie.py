"""Ce que les formulaires des étapes de saisie envoient, pour les tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from clas.dossiers.models import Dossier

PROJET = {
    "titre": "Réussir ensemble",
    "resume": "Accompagnement à la scolarité de 30 enfants du quartier.",
    "axe_enfants": "Aide méthodologique et ouverture culturelle.",
    "axe_parents": "Rencontres mensuelles avec les parents.",
    "axe_ecole": "Liaison hebdomadaire avec les enseignants.",
    "axe_partenaires": "Médiathèque, maison de quartier.",
    "orientation_enfants": "Par les enseignants, avec l'accord des parents.",
    "liens_ecoles_pedt": "Inscrit au PEDT de la ville.",
    "lieux": "Centre social, salle du premier étage.",
}


def collectif(rang: int = 0, **champs: Any) -> dict[str, Any]:
    """Un collectif complet et éligible : 10 enfants, 2 intervenants, 36 semaines."""
    valeurs: dict[str, Any] = {
        "nom": f"Collectif {rang + 1}",
        "lieu": "Centre social",
        "niveaux": ["CM1", "CM2"],
        "nb_enfants": "10",
        "premiere_semaine": "2026-09-14",
        "semaines_de_fonctionnement": "36",
        "intervenant_1_nom": "Alice Martin",
        "intervenant_1_statut": "salarie",
        "intervenant_1_qualification": "BAFA",
        "intervenant_2_nom": "Bruno Petit",
        "intervenant_2_statut": "benevole",
        "horaire_1_jour": "mardi",
        "horaire_1_debut": "16:45",
        "horaire_1_fin": "18:15",
        "horaire_2_jour": "mercredi",
        "horaire_2_debut": "14:00",
        "horaire_2_fin": "16:00",
    }
    valeurs.update(champs)
    return valeurs


def formulaire_collectifs(collectifs: list[dict[str, Any]]) -> dict[str, Any]:
    donnees: dict[str, Any] = {
        "collectifs-TOTAL_FORMS": str(len(collectifs)),
        "collectifs-INITIAL_FORMS": "0",
        "collectifs-MIN_NUM_FORMS": "1",
        "collectifs-MAX_NUM_FORMS": "200",
    }
    for rang, valeurs in enumerate(collectifs):
        for nom, valeur in valeurs.items():
            if valeur is True:
                valeur = "on"
            if valeur is False or valeur is None:
                continue
            donnees[f"collectifs-{rang}-{nom}"] = valeur
    return donnees


def exemple_clas() -> list[dict[str, Any]]:
    """Les trois collectifs de l'exemple de CLAS.md §2.2 (bonus culture sur les trois,
    bonus parents sur un)."""
    return [
        collectif(
            0,
            nom="Les Hirondelles",
            bonus_projets_culturels=True,
            description_projets_culturels="Sorties au musée.",
            bonus_accompagnement_parents=True,
            description_accompagnement_parents="Ateliers numériques pour les parents.",
        ),
        collectif(
            1,
            nom="Les Mésanges",
            bonus_projets_culturels=True,
            description_projets_culturels="Théâtre.",
        ),
        collectif(
            2,
            nom="Les Rouges-gorges",
            bonus_projets_culturels=True,
            description_projets_culturels="Médiathèque.",
        ),
    ]


def poster(
    client: Client,
    dossier: Dossier,
    etape: str,
    donnees: dict[str, Any],
    action: str = "enregistrer",
    version: int | None = None,
):
    """POST d'une étape avec la version actuelle du dossier (sauf si `version` est donnée)."""
    if version is None:
        version = Dossier.objects.values_list("version", flat=True).get(pk=dossier.pk)
    return client.post(
        f"/dossiers/{dossier.pk}/etapes/{etape}/",
        {**donnees, "version": str(version), "action": action},
    )
