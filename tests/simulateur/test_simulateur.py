"""Le simulateur public : sans JavaScript, rien de ce qui est tapé ne se perd."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.simulateur.formulaire import annee_scolaire_en_cours
from tests.outils import (
    cases_cochees,
    champs,
    exemple_clas,
    formulaire_exemple,
    formulaire_simulateur,
    texte,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def lignes_affichees(reponse) -> list[int]:
    return sorted(
        {int(m[1]) for nom in champs(reponse) if (m := re.fullmatch(r"collectifs-(\d+)-\w+", nom))}
    )


def erreur_du_champ(reponse, identifiant: str) -> str:
    """Le texte de l'erreur affichée sous le champ `identifiant` (vide s'il n'y en a pas)."""
    trouve = re.search(
        rf'<div id="{re.escape(identifiant)}-erreur">(.*?)</div>', texte(reponse), re.S
    )
    return re.sub(r"<[^>]+>", " ", trouve[1]).strip() if trouve else ""


def test_la_page_vide_propose_un_seul_collectif(anonyme: Client) -> None:
    reponse = anonyme.get("/simulateur/")

    assert reponse.status_code == 200
    assert lignes_affichees(reponse) == [0]
    valeurs = champs(reponse)
    assert valeurs["depenses_totales"] == ""
    assert valeurs["collectifs-0-nb_enfants"] == ""
    assert valeurs["annee_scolaire"] in reponse.context["annees"]
    page = texte(reponse)
    assert "Retirer le collectif" not in page
    assert "Ajouter un collectif" in page
    assert "Votre estimation" in page


def test_le_formulaire_fonctionne_sans_javascript(anonyme: Client) -> None:
    page = texte(anonyme.get("/simulateur/"))

    assert '<form method="post" action="/simulateur/"' in page
    assert 'name="action" value="calculer"' in page
    assert 'name="action" value="ajouter"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_toutes_les_annees_du_bareme_sont_proposees(anonyme: Client) -> None:
    page = texte(anonyme.get("/simulateur/"))

    for annee in ("2022-2023", "2025-2026", "2027-2028"):
        assert f'<option value="{annee}"' in page


@pytest.mark.parametrize(
    ("jour", "annee"),
    [
        (dt.date(2025, 7, 31), "2024-2025"),
        (dt.date(2025, 8, 1), "2025-2026"),
        (dt.date(2026, 1, 15), "2025-2026"),
        (dt.date(2026, 11, 28), "2026-2027"),
    ],
)
def test_l_annee_proposee_par_defaut_change_en_aout(jour: dt.date, annee: str) -> None:
    assert annee_scolaire_en_cours(jour) == annee


def test_l_exemple_de_clas_md_donne_8_889_euros_et_son_explication(anonyme: Client) -> None:
    reponse = anonyme.post("/simulateur/", formulaire_exemple())

    assert reponse.status_code == 200
    page = texte(reponse)
    assert '<p class="clas-montant-total" data-testid="montant-total">8\u00a0889,00\u00a0€</p>' in (
        page
    )
    assert page.count("3\u00a0163,00\u00a0€") >= 1
    assert page.count("2\u00a0863,00\u00a0€") >= 2
    assert "Le calcul pas à pas" in page
    assert "24\u00a0000,00\u00a0€ ÷ 3 = 8\u00a0000,00\u00a0€" in page
    assert "min(0,325 × 8\u00a0000,00\u00a0€ ; 2\u00a0563,00\u00a0€) = 2\u00a0563,00\u00a0€" in page
    assert "Montant limité au reste à charge" not in page
    resultat = reponse.context["resultat"]
    # Une ligne par étape, puis une par paramètre cité (avec sa source, une seule fois).
    assert len(resultat.explication) + len(resultat.parametres_utilises) == page.count(
        '<th scope="row">'
    )
    # Chaque source figure une fois, dans le tableau des paramètres (pas à chaque étape).
    for parametre in resultat.parametres_utilises:
        assert f'<td class="fr-text--sm">{parametre.source}</td>' in page


def test_apres_le_calcul_la_saisie_reste_dans_le_formulaire(anonyme: Client) -> None:
    reponse = anonyme.post("/simulateur/", formulaire_exemple())

    valeurs = champs(reponse)
    assert valeurs["annee_scolaire"] == "2025-2026"
    assert valeurs["depenses_totales"] == "24000.00"
    assert valeurs["cofinancements"] == "10000.00"
    assert valeurs["collectifs-1-nom"] == "Les Mésanges"
    assert valeurs["collectifs-2-semaines_de_fonctionnement"] == "36"
    assert cases_cochees(reponse) == {
        "collectifs-0-bonus_projets_culturels",
        "collectifs-0-bonus_accompagnement_parents",
        "collectifs-1-bonus_projets_culturels",
        "collectifs-2-bonus_projets_culturels",
    }


def test_un_collectif_non_eligible_affiche_ses_motifs(anonyme: Client) -> None:
    entree = exemple_clas()
    entree["collectifs"][1] |= {"nb_enfants": 4, "nb_intervenants": 1}

    reponse = anonyme.post("/simulateur/", formulaire_simulateur(entree))

    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Non éligible" in page
    motifs = reponse.context["resultat"].collectifs[1].motifs_ineligibilite
    assert [m.code for m in motifs] == ["intervenants_insuffisants", "effectif_insuffisant"]
    for motif in motifs:
        assert motif.message in page


def test_le_plafond_du_reste_a_charge_est_explique(anonyme: Client) -> None:
    entree = exemple_clas() | {"cofinancements": "20000.00"}

    page = texte(anonyme.post("/simulateur/", formulaire_simulateur(entree)))

    assert "Montant limité au reste à charge (4\u00a0000,00\u00a0€)" in page
    assert "Réduction : 4\u00a0889,00\u00a0€." in page
    assert 'data-testid="montant-total">4\u00a0000,00\u00a0€<' in page


def test_une_saisie_invalide_repond_422_avec_l_erreur_a_cote_du_champ(anonyme: Client) -> None:
    donnees = formulaire_exemple()
    donnees["collectifs-0-nb_enfants"] = "abc"
    donnees["depenses_totales"] = ""

    reponse = anonyme.post("/simulateur/", donnees)

    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, "collectif-1-nb_enfants") == (
        "Nombre entier invalide : « abc ». Saisissez un nombre entier, par exemple 10."
    )
    assert erreur_du_champ(reponse, "depenses_totales") == "Ce champ est obligatoire."
    assert erreur_du_champ(reponse, "cofinancements") == ""
    assert erreur_du_champ(reponse, "collectif-2-nb_enfants") == ""
    page = texte(reponse)
    assert 'aria-describedby="collectif-1-nb_enfants-erreur"' in page
    assert "Corrigez la saisie" in page
    assert "tout ce que vous avez saisi est conservé" in page
    assert "Le calcul n'a pas pu être fait" in page
    assert reponse.context["resultat"] is None


def test_une_saisie_invalide_ne_perd_rien_de_ce_qui_a_ete_tape(anonyme: Client) -> None:
    donnees = formulaire_exemple()
    donnees["collectifs-0-nb_enfants"] = "abc"
    donnees["depenses_totales"] = ""

    reponse = anonyme.post("/simulateur/", donnees)

    valeurs = champs(reponse)
    assert valeurs["collectifs-0-nb_enfants"] == "abc"
    assert valeurs["collectifs-0-nom"] == "Les Hirondelles"
    assert valeurs["cofinancements"] == "10000.00"
    assert valeurs["annee_scolaire"] == "2025-2026"
    assert valeurs["collectifs-2-nb_intervenants"] == "2"
    assert "collectifs-0-bonus_accompagnement_parents" in cases_cochees(reponse)


def test_un_montant_negatif_et_une_annee_inconnue_sont_signales(anonyme: Client) -> None:
    donnees = formulaire_exemple() | {"annee_scolaire": "1999-2000", "cofinancements": "-5"}

    reponse = anonyme.post("/simulateur/", donnees)

    assert reponse.status_code == 422
    assert erreur_du_champ(reponse, "cofinancements") == "Le montant doit être positif ou nul."
    assert erreur_du_champ(reponse, "annee_scolaire").startswith(
        "Année scolaire inconnue : 1999-2000."
    )


def test_un_montant_ecrit_a_la_francaise_est_accepte(anonyme: Client) -> None:
    donnees = formulaire_exemple() | {"depenses_totales": "24\u00a0000,00 €"}

    reponse = anonyme.post("/simulateur/", donnees)

    assert reponse.status_code == 200
    assert 'data-testid="montant-total">8\u00a0889,00\u00a0€<' in texte(reponse)


def test_ajouter_un_collectif_garde_les_valeurs_deja_tapees(anonyme: Client) -> None:
    donnees = formulaire_simulateur(
        {
            "annee_scolaire": "2025-2026",
            "depenses_totales": "9000",
            "collectifs": [{"nom": "Les Hiboux", "nb_enfants": 9, "bonus_projets_culturels": True}],
        },
        action="ajouter",
    )

    reponse = anonyme.post("/simulateur/", donnees)

    assert reponse.status_code == 200
    assert lignes_affichees(reponse) == [0, 1]
    valeurs = champs(reponse)
    assert valeurs["depenses_totales"] == "9000"
    assert valeurs["collectifs-0-nom"] == "Les Hiboux"
    assert valeurs["collectifs-0-nb_enfants"] == "9"
    assert valeurs["collectifs-1-nom"] == ""
    assert valeurs["collectifs-1-nb_enfants"] == ""
    assert cases_cochees(reponse) == {"collectifs-0-bonus_projets_culturels"}
    assert reponse.context["resultat"] is None
    assert "Retirer le collectif 2" in texte(reponse)


def test_retirer_le_deuxieme_collectif_garde_le_premier_et_le_troisieme(anonyme: Client) -> None:
    reponse = anonyme.post("/simulateur/", formulaire_exemple(action="retirer-1"))

    assert reponse.status_code == 200
    assert lignes_affichees(reponse) == [0, 1]
    valeurs = champs(reponse)
    assert valeurs["collectifs-0-nom"] == "Les Hirondelles"
    assert valeurs["collectifs-1-nom"] == "Les Rouges-gorges"
    assert "Les Mésanges" not in texte(reponse)
    assert cases_cochees(reponse) == {
        "collectifs-0-bonus_projets_culturels",
        "collectifs-0-bonus_accompagnement_parents",
        "collectifs-1-bonus_projets_culturels",
    }


@pytest.mark.parametrize("action", ["retirer-9", "retirer-x", "retirer-", "retirer--1"])
def test_retirer_un_collectif_qui_n_existe_pas_ne_change_rien(anonyme: Client, action: str) -> None:
    reponse = anonyme.post("/simulateur/", formulaire_exemple(action=action))

    assert reponse.status_code == 200
    assert lignes_affichees(reponse) == [0, 1, 2]


def test_le_dernier_collectif_ne_peut_pas_etre_retire(anonyme: Client) -> None:
    entree = exemple_clas()
    entree["collectifs"] = entree["collectifs"][:1]

    reponse = anonyme.post("/simulateur/", formulaire_simulateur(entree, action="retirer-0"))

    assert lignes_affichees(reponse) == [0]
    assert champs(reponse)["collectifs-0-nom"] == "Les Hirondelles"


def collectifs_complets(nombre: int) -> dict:
    """Une entrée de `nombre` collectifs dont toutes les cases sont cochées (9 champs chacun)."""
    collectif = exemple_clas()["collectifs"][0] | {
        "milieu_rural": True,
        "enfant_en_situation_de_handicap": True,
    }
    return exemple_clas() | {"collectifs": [collectif] * nombre}


def test_on_peut_aller_jusqu_a_200_collectifs_mais_pas_au_dela(anonyme: Client) -> None:
    reponse = anonyme.post(
        "/simulateur/", formulaire_simulateur(collectifs_complets(200), action="ajouter")
    )

    assert reponse.status_code == 200
    assert len(lignes_affichees(reponse)) == 200
    assert "Ajouter un collectif" not in texte(reponse)


def test_le_calcul_de_200_collectifs_tient_dans_un_seul_formulaire(anonyme: Client) -> None:
    entree = collectifs_complets(200) | {"depenses_totales": "2000000", "cofinancements": "0"}

    reponse = anonyme.post("/simulateur/", formulaire_simulateur(entree))

    assert reponse.status_code == 200
    # 10 000 € par collectif : base 2 563 €, plus les deux bonus = 3 163 € × 200
    assert 'data-testid="montant-total">632\u00a0600,00\u00a0€<' in texte(reponse)


def test_avec_htmx_une_saisie_invalide_repond_200_pour_etre_affichee(anonyme: Client) -> None:
    donnees = formulaire_exemple() | {"collectifs-0-nb_enfants": "abc"}

    reponse = anonyme.post("/simulateur/", donnees, **HTMX)

    assert reponse.status_code == 200
    assert "Nombre entier invalide : « abc »" in texte(reponse)


def test_avec_htmx_le_resultat_est_calcule(anonyme: Client) -> None:
    reponse = anonyme.post("/simulateur/", formulaire_exemple(), **HTMX)

    assert reponse.status_code == 200
    page = texte(reponse)
    assert 'id="resume"' in page
    assert 'id="explication"' in page
    assert "8\u00a0889,00\u00a0€" in page


def test_le_formulaire_demande_la_mise_a_jour_en_direct_par_htmx(anonyme: Client) -> None:
    page = texte(anonyme.get("/simulateur/"))

    assert 'hx-post="/simulateur/"' in page
    assert 'hx-target="#resume"' in page
    assert "/static/django_htmx/htmx-2.min.js" in page


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_collectifs(anonyme: Client) -> None:
    def requetes(nombre: int) -> int:
        with CaptureQueriesContext(connection) as capture:
            reponse = anonyme.post(
                "/simulateur/", formulaire_simulateur(collectifs_complets(nombre))
            )
            assert reponse.status_code == 200
        return len(capture)

    assert requetes(2) == requetes(20)
