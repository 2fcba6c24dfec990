"""Les chiffres publics (`/chiffres/`) : ouverts à tous, agrégés par année scolaire et par
département (aucune structure, aucun nom), chaque nombre recalculé à partir des lignes, un
graphique avec son tableau, et un CSV dont les cellules ne sont jamais des formules."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.bareme import formater_euros
from clas.dossiers.models import Collectif, Dossier
from clas.instruction.models import NatureDecision
from clas.statistiques.chiffres_publics import chiffres_publics
from clas.structures.models import Structure
from tests.conftest import PERSONAS
from tests.core.lecture_exports import lignes_csv
from tests.instruction.outils import creer_campagne
from tests.outils import texte

from .fabrique import remplir

pytestmark = pytest.mark.django_db

URL = "/chiffres/"
URL_CSV = "/chiffres/chiffres-clas.csv"


@pytest.fixture
def donnees(caf_rhone, caf_somme, utilisateurs):
    for caf, annee, fois in (
        (caf_rhone, "2024-2025", 1),
        (caf_rhone, "2025-2026", 2),
        (caf_somme, "2025-2026", 1),
    ):
        remplir(creer_campagne(caf, annee, cree_par=utilisateurs["valideur"]), utilisateurs, fois)
    return utilisateurs


def attendu() -> dict[tuple[str, str], tuple[int, int, Decimal]]:
    """(année, département) → (projets financés, leurs collectifs, montant décidé)."""
    projets: dict[tuple[str, str], list[Dossier]] = defaultdict(list)
    for dossier in Dossier.objects.select_related("campagne__caf", "decision"):
        decision = getattr(dossier, "decision", None)
        if decision and decision.nature == NatureDecision.ACCORD:
            projets[(dossier.campagne.annee_scolaire, dossier.campagne.caf.departement)].append(
                dossier
            )
    return {
        cle: (
            len(dossiers),
            Collectif.objects.filter(dossier__in=dossiers).count(),
            sum((d.decision.montant for d in dossiers), Decimal(0)),
        )
        for cle, dossiers in projets.items()
    }


def test_chaque_ligne_est_celle_des_dossiers(donnees) -> None:
    calcules = {
        (ligne.annee, ligne.departement): (ligne.projets, ligne.collectifs, ligne.montant_decide)
        for ligne in chiffres_publics()
    }
    assert calcules == attendu()
    assert calcules[("2025-2026", "69")] == (4, 6, Decimal("15000.00"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_les_chiffres_sont_publics(client_de, donnees, persona) -> None:
    assert client_de(persona).get(URL).status_code == 200
    reponse = client_de(persona).get(URL_CSV)
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"


def test_la_page_montre_l_annee_choisie_par_departement_sans_donnee_personnelle(
    donnees, anonyme
) -> None:
    page = texte(anonyme.get(URL, {"annee": "2025-2026"}))
    assert "69 — Caf du Rhône" in page and "80 — Caf de la Somme" in page
    assert formater_euros(Decimal("15000.00")) in page
    assert formater_euros(Decimal("22500.00")) in page  # le total de l'année
    for structure in Structure.objects.all():
        assert structure.nom not in page
        assert structure.siret not in page
    assert 'aria-labelledby="graphique-chiffres-titre graphique-chiffres-desc"' in page
    assert "Données du graphique : montant décidé par année scolaire, toutes Caf" in page
    # Le graphique dit l'essentiel en phrase : chaque année, son montant.
    assert f"{formater_euros(Decimal('7500.00'))} pour 2 projets en 2024-2025" in page


def test_une_annee_inconnue_est_dite(donnees, anonyme) -> None:
    page = texte(anonyme.get(URL, {"annee": "=1+1"}))
    assert "Aucun projet financé pour l'année « =1+1 » : voici la plus récente." in page


def test_sans_projet_financé_la_page_le_dit(anonyme) -> None:
    page = texte(anonyme.get(URL))
    assert "Aucun projet n'a encore été financé" in page


def test_le_csv_donne_toutes_les_annees_a_la_francaise(donnees, anonyme) -> None:
    lignes = lignes_csv(anonyme.get(URL_CSV))  # vérifie aussi le BOM UTF-8
    assert lignes[0] == [
        "Année scolaire",
        "Département",
        "Caf",
        "Projets financés",
        "Collectifs",
        "Montant décidé (€)",
    ]
    assert lignes[1:] == [
        ["2025-2026", "69", "Caf du Rhône", "4", "6", "15000,00"],
        ["2025-2026", "80", "Caf de la Somme", "2", "3", "7500,00"],
        ["2024-2025", "69", "Caf du Rhône", "2", "3", "7500,00"],
    ]


def test_une_cellule_qui_ressemble_a_une_formule_est_neutralisee(donnees, anonyme, caf_somme):
    caf_somme.nom = '=HYPERLINK("http://exemple.fr")'
    caf_somme.save(update_fields=["nom"])
    lignes = lignes_csv(anonyme.get(URL_CSV))
    assert lignes[2][2] == '\'=HYPERLINK("http://exemple.fr")'


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_dossiers(
    caf_rhone, utilisateurs, anonyme
) -> None:
    campagne = creer_campagne(caf_rhone, "2025-2026", cree_par=utilisateurs["valideur"])
    remplir(campagne, utilisateurs, 1)
    with CaptureQueriesContext(connection) as avant:
        anonyme.get(URL)
    remplir(campagne, utilisateurs, 3)
    with CaptureQueriesContext(connection) as apres:
        anonyme.get(URL)
    assert len(apres) == len(avant) <= 5
