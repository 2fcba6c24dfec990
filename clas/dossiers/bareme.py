"""Du dossier au barème : ce que le dossier déclare, traduit en entrée du calcul."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from clas.bareme import CollectifEntree, Entree, Resultat, calculer
from clas.referentiel.models import ParametresBareme

from .models import (
    COMPTES_DEPENSES_BAREME,
    Collectif,
    Dossier,
    LigneBudget,
    LigneDeCompte,
    NatureLigne,
)


def depenses_totales(lignes: Sequence[LigneDeCompte]) -> Decimal:
    """Charges 60 à 65 : les contributions en nature (86) n'entrent pas dans le barème."""
    return sum(
        (
            ligne.montant
            for ligne in lignes
            if ligne.nature == NatureLigne.CHARGE and ligne.compte in COMPTES_DEPENSES_BAREME
        ),
        Decimal("0"),
    )


def cofinancements(lignes: Sequence[LigneDeCompte]) -> Decimal:
    """Tous les produits sauf la PS Clas (saisie à part) et les contributions en nature (87)."""
    return sum(
        (
            ligne.montant
            for ligne in lignes
            if ligne.nature == NatureLigne.PRODUIT and ligne.compte != "87"
        ),
        Decimal("0"),
    )


def entree_du_dossier(
    dossier: Dossier, collectifs: list[Collectif], lignes: list[LigneBudget]
) -> Entree:
    """Les collectifs avec leurs intervenants doivent être préchargés (prefetch)."""
    return Entree(
        annee_scolaire=dossier.campagne.annee_scolaire,
        depenses_totales=depenses_totales(lignes),
        cofinancements=cofinancements(lignes),
        collectifs=tuple(
            CollectifEntree(
                nom=collectif.nom or f"Collectif {rang}",
                nb_enfants=collectif.nb_enfants or 0,
                nb_intervenants=len(collectif.intervenants.all()),
                semaines_de_fonctionnement=collectif.semaines_de_fonctionnement or 0,
                milieu_rural=collectif.milieu_rural,
                enfant_en_situation_de_handicap=collectif.enfant_en_situation_de_handicap,
                bonus_projets_culturels=collectif.bonus_projets_culturels,
                bonus_accompagnement_parents=collectif.bonus_accompagnement_parents,
            )
            for rang, collectif in enumerate(collectifs, start=1)
        ),
    )


def estimer(
    dossier: Dossier, collectifs: list[Collectif], lignes: list[LigneBudget]
) -> Resultat | None:
    """L'estimation du barème pour le dossier tel qu'il est saisi ; None tant qu'il n'a
    aucun collectif ou que l'année n'a pas de paramètres."""
    if not collectifs:
        return None
    parametres = ParametresBareme.objects.filter(
        annee_scolaire=dossier.campagne.annee_scolaire
    ).first()
    if parametres is None:
        return None
    return calculer(entree_du_dossier(dossier, collectifs, lignes), parametres.vers_bareme())
