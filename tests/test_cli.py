"""La commande `clas simuler` : même contrat que l'API, sur la base de la plateforme.

Chaque test lance la vraie commande installée dans un processus à part, sur sa propre base
SQLite temporaire (indépendante de la base de test, SQLite ou PostgreSQL).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.base_sqlite import copie_de_la_base_migree, environnement_sqlite
from tests.outils import exemple_clas

RACINE = Path(__file__).resolve().parents[1]
CLAS = Path(sys.executable).parent / "clas"


def clas(base: Path, *arguments: str, entree: str | None = None):
    return subprocess.run(
        [str(CLAS), *arguments],
        cwd=RACINE,
        env=environnement_sqlite(base),
        input=entree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def base(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """Une base migrée à ce test, qu'il peut modifier."""
    return copie_de_la_base_migree(tmp_path_factory, tmp_path / "base.sqlite3")


@pytest.fixture
def fichier_exemple(tmp_path: Path) -> Path:
    fichier = tmp_path / "exemple.json"
    fichier.write_text(json.dumps(exemple_clas(), ensure_ascii=False), encoding="utf-8")
    return fichier


def test_la_commande_clas_est_installee() -> None:
    assert CLAS.exists()
    aide = subprocess.run(
        [str(CLAS), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert aide.returncode == 0
    assert "simuler" in aide.stdout


def test_simuler_un_fichier_affiche_le_resultat_et_sort_en_0(
    base: Path, fichier_exemple: Path
) -> None:
    resultat = clas(base, "simuler", str(fichier_exemple))

    assert resultat.returncode == 0, resultat.stderr
    sortie = json.loads(resultat.stdout)
    assert sortie["montant_total"] == "8889.00"
    assert [c["montant"] for c in sortie["collectifs"]] == ["3163.00", "2863.00", "2863.00"]
    assert [c["nom"] for c in sortie["collectifs"]][1] == "Les Mésanges"
    assert sortie["explication"]
    assert "Mésanges" in resultat.stdout


def test_simuler_l_entree_standard_avec_un_tiret(base: Path) -> None:
    resultat = clas(base, "simuler", "-", entree=json.dumps(exemple_clas()))

    assert resultat.returncode == 0, resultat.stderr
    assert json.loads(resultat.stdout)["montant_total"] == "8889.00"


@pytest.mark.django_db
def test_la_commande_et_l_api_donnent_le_meme_json(base: Path, fichier_exemple: Path) -> None:
    from django.test import Client

    api = Client().post(
        "/api/v1/simulations", json.dumps(exemple_clas()), content_type="application/json"
    )

    resultat = clas(base, "simuler", str(fichier_exemple))

    assert json.loads(resultat.stdout) == api.json()


def test_une_entree_refusee_affiche_les_erreurs_et_sort_en_2(base: Path) -> None:
    entree = exemple_clas() | {"depenses_totales": "-5"}
    entree["collectifs"][0]["nb_enfants"] = "dix"

    resultat = clas(base, "simuler", "-", entree=json.dumps(entree))

    assert resultat.returncode == 2
    erreurs = json.loads(resultat.stdout)["erreurs"]
    assert [e["champ"] for e in erreurs] == ["depenses_totales", "collectifs[0].nb_enfants"]
    assert erreurs[0]["message"] == "Le montant doit être positif ou nul."


def test_un_json_mal_forme_est_refuse_en_2_avec_sa_position(base: Path) -> None:
    resultat = clas(base, "simuler", "-", entree='{"annee_scolaire": "2025-2026",\n  oups}')

    assert resultat.returncode == 2
    erreurs = json.loads(resultat.stdout)["erreurs"]
    assert erreurs[0]["champ"] == ""
    assert "JSON invalide ligne 2, colonne 3" in erreurs[0]["message"]


def test_un_fichier_introuvable_sort_en_1_avec_un_message(base: Path, tmp_path: Path) -> None:
    resultat = clas(base, "simuler", str(tmp_path / "absent.json"))

    assert resultat.returncode == 1
    assert "Impossible de lire" in resultat.stderr
    assert resultat.stdout == ""


def test_sans_sous_commande_l_usage_est_affiche_en_francais_et_sort_en_1(base: Path) -> None:
    resultat = clas(base)

    # Le code 2 est réservé à « entrée refusée » : une erreur d'usage sort en 1.
    assert resultat.returncode == 1
    assert "Usage : clas simuler FICHIER" in resultat.stderr
    assert "Erreur :" in resultat.stderr
    assert resultat.stdout == ""


def test_une_base_non_migree_est_signalee_en_francais_et_sort_en_1(
    tmp_path: Path, fichier_exemple: Path
) -> None:
    resultat = clas(tmp_path / "vide.sqlite3", "simuler", str(fichier_exemple))

    assert resultat.returncode == 1
    assert "La base de données n'est pas migrée" in resultat.stderr
    assert "make migrate" in resultat.stderr
    assert resultat.stdout == ""


def test_des_reglages_invalides_sont_signales_et_sortent_en_1(
    base: Path, fichier_exemple: Path
) -> None:
    env = environnement_sqlite(base) | {"DEBUG": "peut-être"}

    resultat = subprocess.run(
        [str(CLAS), "simuler", str(fichier_exemple)],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert resultat.returncode == 1
    assert "Configuration invalide" in resultat.stderr


def test_la_commande_applique_les_parametres_modifies_dans_la_base(
    base: Path, fichier_exemple: Path
) -> None:
    with sqlite3.connect(base) as connexion:
        connexion.execute(
            "UPDATE referentiel_parametresbareme SET montant_max_collectif = '2000.00' "
            "WHERE annee_scolaire = '2025-2026'"
        )

    resultat = clas(base, "simuler", str(fichier_exemple))

    assert resultat.returncode == 0, resultat.stderr
    sortie = json.loads(resultat.stdout)
    assert sortie["parametres"]["montant_max_collectif"]["valeur"] == "2000.00"
    assert sortie["montant_total"] == "7200.00"


def test_un_lot_donne_une_ligne_de_resultat_par_ligne_de_projet(base: Path) -> None:
    projet = exemple_clas()
    sans_collectif = {**projet, "collectifs": []}
    lignes = [
        json.dumps(projet),
        "",
        json.dumps(sans_collectif),
        "{pas du json",
        json.dumps(projet),
    ]

    resultat = clas(base, "simuler", "--lot", "-", entree="\n".join(lignes) + "\n")

    assert resultat.returncode == 2, resultat.stderr  # au moins une ligne refusée
    sorties = [json.loads(ligne) for ligne in resultat.stdout.splitlines()]
    assert len(sorties) == 4  # la ligne vide est ignorée
    unique = json.loads(clas(base, "simuler", "-", entree=json.dumps(projet)).stdout)
    assert sorties[0] == unique == sorties[3]
    assert sorties[1]["erreurs"][0]["champ"] == "collectifs"
    assert "ligne 4" in sorties[2]["erreurs"][0]["message"]


def test_un_lot_sans_refus_sort_en_0(base: Path, tmp_path: Path) -> None:
    fichier = tmp_path / "lot.jsonl"
    fichier.write_text(json.dumps(exemple_clas()) + "\n" + json.dumps(exemple_clas()) + "\n")

    resultat = clas(base, "simuler", "--lot", str(fichier))

    assert resultat.returncode == 0, resultat.stderr
    assert [json.loads(ligne)["montant_total"] for ligne in resultat.stdout.splitlines()] == [
        "8889.00",
        "8889.00",
    ]


def test_le_lot_lit_les_parametres_modifies_comme_l_orm(base: Path) -> None:
    """Le lot lit la base sans Django (`referentiel.lecture_directe`) : mêmes valeurs que
    l'ORM, décimales et taux normalisés compris, mêmes sources."""
    with sqlite3.connect(base) as connexion:
        connexion.execute(
            "UPDATE referentiel_parametresbareme SET montant_max_collectif = '2000.5', "
            "taux = 0.33, taux_acompte = 0.6 WHERE annee_scolaire = '2025-2026'"
        )
    projet = json.dumps(exemple_clas())

    unique = json.loads(clas(base, "simuler", "-", entree=projet).stdout)
    lot = clas(base, "simuler", "--lot", "-", entree=projet + "\n")

    assert lot.returncode == 0, lot.stderr
    assert json.loads(lot.stdout) == unique
    assert unique["parametres"]["montant_max_collectif"]["valeur"] == "2000.50"
    assert unique["parametres"]["taux"]["valeur"] == "0.33"


def test_un_lot_sur_une_base_non_migree_est_signale_sans_creer_la_base(tmp_path: Path) -> None:
    vide = tmp_path / "vide.sqlite3"

    resultat = clas(vide, "simuler", "--lot", "-", entree=json.dumps(exemple_clas()) + "\n")

    assert resultat.returncode == 1
    assert "La base de données n'est pas migrée" in resultat.stderr
    assert resultat.stdout == ""
    assert not vide.exists()


def test_les_colonnes_lues_sans_django_sont_celles_du_modele() -> None:
    from django.db import models

    from clas.referentiel import lecture_directe
    from clas.referentiel.models import ParametresBareme

    assert ParametresBareme._meta.db_table == lecture_directe.TABLE
    decimales = {
        champ.name: (champ.max_digits, champ.decimal_places)
        for champ in ParametresBareme._meta.get_fields()
        if isinstance(champ, models.DecimalField)
    }
    assert decimales == lecture_directe.COLONNES_DECIMALES
