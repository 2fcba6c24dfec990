"""Le tableau de bord (`/statistiques/`) : les chiffres d'une année scolaire comparés aux
années précédentes, ses graphiques et leurs tableaux. Les nombres viennent de
`indicateurs.tableau_de_bord`, lus dans le cache tant que les données n'ont pas changé
(`cache.py`) ; ici, seulement leur mise en forme."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clas.core.permissions import RequeteConnectee, connexion_requise
from clas.dossiers.models import EtatDossier
from clas.instruction.enveloppe import Situation
from clas.referentiel.models import Caf
from clas.simulateur.formulaire import annee_scolaire_en_cours

from ..cache import tableau_de_bord_en_cache
from ..graphiques import (
    Graphique,
    Nombre,
    Serie,
    barres_horizontales,
    barres_verticales,
    entier,
    enumeration,
    euros,
    jours,
    montant_court,
)
from ..indicateurs import (
    ETATS_COMPTES,
    Annee,
    Delais,
    TableauDeBord,
    annees_disponibles,
)
from ..permissions import REFUS, capacites_statistiques, perimetre_de


def pourcent(valeur: Decimal | None) -> str:
    """42.5 → « 42,5 % » ; rien à rapporter : « — »."""
    if valeur is None:
        return "—"
    return f"{valeur}".replace(".", ",") + "\u00a0%"


def delai(valeur: float | None) -> str:
    return "—" if valeur is None else jours(valeur)


@dataclass(frozen=True)
class LigneComparaison:
    libelle: str
    valeurs: list[str]
    groupe: str = ""


def _ligne(
    libelle: str, annees: list[Annee], lire: Callable[[Annee], object], ecrire: Callable[..., str]
) -> LigneComparaison:
    return LigneComparaison(libelle, [ecrire(lire(annee)) for annee in annees])


def _par_etat(etat: str) -> Callable[[Annee], int]:
    return lambda annee: annee.dossiers_par_etat.get(etat, 0)


def comparaison(annees: list[Annee]) -> list[tuple[str, list[LigneComparaison]]]:
    """Le tableau « année par année » : un groupe de lignes par sujet."""

    def d(lire: Callable[[Annee], Delais], quoi: str) -> Callable[[Annee], float | None]:
        return lambda a: getattr(lire(a), quoi)

    return [
        (
            "Dossiers et projets",
            [
                _ligne("Dossiers déposés", annees, lambda a: a.dossiers, entier),
                _ligne("Projets financés", annees, lambda a: a.projets_finances, entier),
                _ligne("Collectifs déposés", annees, lambda a: a.collectifs, entier),
                _ligne("Enfants (dossiers déposés)", annees, lambda a: a.enfants, entier),
                _ligne("Collectifs financés", annees, lambda a: a.collectifs_finances, entier),
                _ligne("Enfants (projets financés)", annees, lambda a: a.enfants_finances, entier),
            ],
        ),
        (
            "Dossiers déposés par état",
            [_ligne(str(etat.label), annees, _par_etat(etat), entier) for etat in ETATS_COMPTES],
        ),
        (
            "Montants",
            [
                _ligne("Enveloppe budgétaire", annees, lambda a: a.enveloppe, euros),
                _ligne("Demandé", annees, lambda a: a.montant_demande, euros),
                _ligne("Proposé, à valider", annees, lambda a: a.montant_propose, euros),
                _ligne("Décidé (accords)", annees, lambda a: a.montant_decide, euros),
                _ligne("Versé", annees, lambda a: a.montant_verse, euros),
                _ligne(
                    "Récupéré (remboursements d'indus)", annees, lambda a: a.montant_recupere, euros
                ),
                _ligne(
                    "Enveloppe engagée (décidé et proposé)",
                    annees,
                    lambda a: a.part_engagee,
                    pourcent,
                ),
            ],
        ),
        (
            "Collectifs des dossiers déposés",
            [
                _ligne(
                    "Avec le bonus projets culturels", annees, lambda a: a.part_culturels, pourcent
                ),
                _ligne(
                    "Avec le bonus accompagnement des parents",
                    annees,
                    lambda a: a.part_parents,
                    pourcent,
                ),
                _ligne("En milieu rural", annees, lambda a: a.part_rurale, pourcent),
            ],
        ),
        (
            "Délais",
            [
                _ligne(
                    "Du dépôt à la décision : médiane",
                    annees,
                    d(lambda a: a.delai_decision, "mediane"),
                    delai,
                ),
                _ligne(
                    "Du dépôt à la décision : 9e décile",
                    annees,
                    d(lambda a: a.delai_decision, "decile_9"),
                    delai,
                ),
                _ligne(
                    "De la décision au premier versement : médiane",
                    annees,
                    d(lambda a: a.delai_premier_versement, "mediane"),
                    delai,
                ),
                _ligne(
                    "De la décision au premier versement : 9e décile",
                    annees,
                    d(lambda a: a.delai_premier_versement, "decile_9"),
                    delai,
                ),
            ],
        ),
        (
            "Bilans et indus",
            [
                _ligne("Conventions signées", annees, lambda a: a.conventions_signees, entier),
                _ligne("Bilans déposés à temps", annees, lambda a: a.bilans_a_temps, entier),
                _ligne(
                    "Bilans déposés en retard", annees, lambda a: a.bilans_deposes_en_retard, entier
                ),
                _ligne(
                    "Bilans en retard, pas déposés", annees, lambda a: a.bilans_en_retard, entier
                ),
                _ligne("Bilans pas encore attendus", annees, lambda a: a.bilans_attendus, entier),
                _ligne("Indus ouverts", annees, lambda a: a.indus_ouverts, entier),
                _ligne(
                    "Montant des indus ouverts", annees, lambda a: a.montant_indus_ouverts, euros
                ),
                _ligne("Indus ouverts en retard", annees, lambda a: a.indus_en_retard, entier),
            ],
        ),
    ]


def graphique_montants(tableau: TableauDeBord) -> Graphique:
    annees = tableau.annees
    series = [
        Serie("Demandé", [a.montant_demande for a in annees], euros),
        Serie("Décidé", [a.montant_decide for a in annees], euros),
        Serie("Versé", [a.montant_verse for a in annees], euros),
        Serie("Récupéré", [a.montant_recupere for a in annees], euros),
    ]
    decide = enumeration([f"{euros(a.montant_decide)} en {a.annee}" for a in annees])
    verse = enumeration([f"{euros(a.montant_verse)} en {a.annee}" for a in annees])
    return barres_verticales(
        "graphique-montants",
        "Montants demandés, décidés, versés et récupérés par année scolaire",
        f"Montant décidé : {decide}. Montant versé : {verse}.",
        [a.annee for a in annees],
        series,
        graduer=montant_court,
    )


def graphique_etats(tableau: TableauDeBord) -> Graphique:
    courante = tableau.courante
    libelles = [str(etat.label) for etat in ETATS_COMPTES]
    nombres = [courante.dossiers_par_etat.get(etat, 0) for etat in ETATS_COMPTES]
    detail = enumeration(
        [f"{libelle.lower()} : {n}" for libelle, n in zip(libelles, nombres, strict=True)]
    )
    return barres_horizontales(
        "graphique-etats",
        f"Dossiers par état en {tableau.annee}",
        f"En {tableau.annee}, {entier(courante.dossiers)} dossiers déposés ; {detail}.",
        libelles,
        Serie("Dossiers", nombres),
        entete_categorie="État",
    )


def graphique_delais(tableau: TableauDeBord) -> Graphique:
    annees = tableau.annees

    def valeur(x: float | None) -> Nombre:
        return 0 if x is None else x

    series = [
        Serie("Médiane", [valeur(a.delai_decision.mediane) for a in annees], _jours_ou_tiret),
        Serie("9e décile", [valeur(a.delai_decision.decile_9) for a in annees], _jours_ou_tiret),
    ]
    detail = (
        enumeration(
            [
                f"{delai(a.delai_decision.mediane)} de médiane en {a.annee}"
                for a in annees
                if a.delai_decision.nombre
            ]
        )
        or "aucune décision"
    )
    return barres_verticales(
        "graphique-delais",
        "Délai du dépôt à la décision par année scolaire",
        f"Jours du calendrier entre le dépôt et la décision : {detail}.",
        [a.annee for a in annees],
        series,
        graduer=lambda x: entier(x),
    )


def _jours_ou_tiret(valeur: Nombre) -> str:
    return jours(valeur) if valeur else "—"


def graphique_departements(tableau: TableauDeBord) -> Graphique:
    lignes = tableau.par_departement
    premiers = sorted(lignes, key=lambda r: r.montant_decide, reverse=True)[:3]
    detail = enumeration([f"{r.libelle} ({euros(r.montant_decide)})" for r in premiers])
    return barres_horizontales(
        "graphique-departements",
        f"Montant décidé par département en {tableau.annee}",
        f"{len(lignes)} départements ont des dossiers déposés en {tableau.annee}. "
        + (f"Les montants décidés les plus élevés : {detail}." if premiers else ""),
        [r.libelle for r in lignes],
        Serie("Montant décidé", [r.montant_decide for r in lignes], euros),
        entete_categorie="Département",
        autres_series=[
            Serie("Dossiers déposés", [r.dossiers for r in lignes]),
            Serie("Projets financés", [r.projets_finances for r in lignes]),
        ],
    )


def situation(annee: Annee) -> Situation:
    """L'enveloppe de l'année (toutes les campagnes du périmètre), pour le bloc commun à
    l'instruction (`instruction/_enveloppe.html`)."""
    return Situation(
        enveloppe=annee.enveloppe,
        propose=annee.montant_propose,
        decide=annee.montant_decide,
        reste=annee.enveloppe - annee.montant_decide - annee.montant_propose,
    )


def annee_par_defaut(disponibles: list[str]) -> str:
    """L'année scolaire en cours si elle a une campagne, sinon la plus récente d'avant : une
    campagne de l'an prochain, tout juste ouverte, n'a encore rien à montrer."""
    en_cours = annee_scolaire_en_cours(timezone.localdate())
    passees = [a for a in disponibles if a <= en_cours]
    return max(passees) if passees else disponibles[0]


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def statistiques(request: RequeteConnectee) -> HttpResponse:
    capacites = capacites_statistiques(request.user)
    if not capacites["voir"]:
        raise PermissionDenied(REFUS)
    code_caf = request.GET.get("caf", "").strip() if capacites["choisir_caf"] else ""
    perimetre = perimetre_de(request.user, code_caf)
    avertissements = []
    if code_caf and perimetre.national:
        avertissements.append(f"La Caf « {code_caf} » n'existe pas : voici les chiffres nationaux.")
    disponibles = annees_disponibles(perimetre)
    annee = request.GET.get("annee", "").strip()
    if annee and annee not in disponibles:
        avertissements.append(
            f"Aucune campagne pour l'année « {annee} » : voici l'année scolaire en cours."
        )
    contexte: dict[str, object] = {
        "titre": f"Statistiques — {perimetre.libelle}",
        "perimetre": perimetre,
        "capacites": capacites,
        "disponibles": disponibles,
        "avertissements": avertissements,
        "cafs": Caf.objects.order_by("code") if capacites["choisir_caf"] else [],
    }
    if disponibles:
        annee = annee if annee in disponibles else annee_par_defaut(disponibles)
        tableau = tableau_de_bord_en_cache(perimetre, annee, disponibles)
        contexte |= {
            "tableau": tableau,
            "annee": annee,
            "courante": tableau.courante,
            "situation": situation(tableau.courante),
            "comparaison": comparaison(tableau.annees),
            "graphique_montants": graphique_montants(tableau),
            "graphique_etats": graphique_etats(tableau),
            "graphique_delais": graphique_delais(tableau),
            "graphique_departements": (
                graphique_departements(tableau) if perimetre.national else None
            ),
            "etats": EtatDossier,
        }
    return render(request, "statistiques/tableau_de_bord.html", contexte)
