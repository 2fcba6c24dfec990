"""Les files de travail de la Caf (`/instruction/`) : qui y entre, quels dossiers dans quelle
file, les nombres, la navigation."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from clas.dossiers.models import Dossier
from tests.conftest import PERSONAS
from tests.outils import texte

pytestmark = pytest.mark.django_db

URL = "/instruction/"

ACCES = dict.fromkeys(PERSONAS, 200) | {
    "anonyme": "connexion",
    "porteur": 403,
    "porteur_autre": 403,
    # L'administration nationale lit les files de toutes les Caf (lecture seule,
    # tests/conventions/test_lecture_seule_nationale.py).
    "national": 200,
}


def sans_balises(reponse) -> str:
    """Le texte lu à l'écran : sans balises, espaces ordinaires regroupés."""
    return re.sub(r"[ \n\t]+", " ", re.sub(r"<[^>]+>", "", texte(reponse)))


def noms(reponse) -> list[str]:
    return [dossier.structure.nom for dossier in reponse.context["dossiers"]]


@pytest.mark.parametrize(("persona", "attendu"), ACCES.items())
def test_qui_ouvre_les_files_de_travail(client_de, persona, attendu, files_jeu) -> None:
    reponse = client_de(persona).get(URL)
    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"] == "/connexion/?next=/instruction/"
    else:
        assert reponse.status_code == attendu


@pytest.mark.parametrize("persona", ["porteur", "porteur_autre"])
def test_un_non_agent_recoit_un_refus_clair_meme_avec_des_filtres(client_de, persona) -> None:
    reponse = client_de(persona).get(URL + "?file=a_valider&q=Lyon")
    assert reponse.status_code == 403
    assert "réservée aux agents des Caf et à l'administration nationale" in texte(reponse)


def test_un_anonyme_est_renvoye_vers_la_connexion_avec_ses_filtres(anonyme) -> None:
    reponse = anonyme.get(URL + "?file=decides")
    assert reponse.status_code == 302
    assert reponse["Location"] == "/connexion/?next=/instruction/%3Ffile%3Ddecides"


def test_l_instructeur_d_une_autre_caf_ne_voit_aucun_dossier_du_rhone(
    instructeur_autre_caf, files_jeu
) -> None:
    reponse = instructeur_autre_caf.get(URL + "?file=tous")
    assert reponse.status_code == 200
    assert noms(reponse) == ["Somme Abbeville"]
    page = texte(reponse)
    for nom in files_jeu:
        assert nom not in page
    assert reponse.context["compteurs"]["tous"] == 1


def test_l_instructeur_du_rhone_ne_voit_ni_la_somme_ni_les_brouillons(
    instructeur, files_jeu
) -> None:
    reponse = instructeur.get(URL + "?file=tous")
    assert sorted(noms(reponse)) == sorted(files_jeu)
    page = texte(reponse)
    assert "Somme Abbeville" not in page
    assert "Brouillon Lyon" not in page


FILES_ATTENDUES = {
    "a_instruire": ["Déposé Lyon"],
    "en_instruction": ["Collègue Vénissieux", "Mien Villeurbanne"],
    "complements": ["Compléments Bron"],
    "a_valider": ["À valider Lyon"],
    "decides": ["Accepté Givors", "Refusé Givors", "Sans suite Tarare"],
}


@pytest.mark.parametrize(("file", "attendus"), FILES_ATTENDUES.items())
def test_chaque_file_montre_ses_dossiers(instructeur, files_jeu, file, attendus) -> None:
    reponse = instructeur.get(URL, {"file": file})
    assert sorted(noms(reponse)) == attendus
    assert reponse.context["file"] == file


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable"])
def test_les_nombres_de_chaque_file_sont_affiches(client_de, persona, files_jeu) -> None:
    reponse = client_de(persona).get(URL)
    compteurs = reponse.context["compteurs"]
    attendus = {file: len(noms_) for file, noms_ in FILES_ATTENDUES.items()}
    assert {file: compteurs[file] for file in attendus} == attendus
    assert compteurs["tous"] == 8
    page = texte(reponse)
    assert "À instruire\u00a0(1)" in page
    assert "En instruction\u00a0(2)" in page
    assert "Compléments demandés\u00a0(1)" in page
    assert "À valider\u00a0(1)" in page
    assert "Décidés\u00a0(3)" in page


def test_en_instruction_mes_dossiers_ou_tous(instructeur, files_jeu) -> None:
    tous = instructeur.get(URL, {"file": "en_instruction"})
    assert "Tous (2)" in texte(tous)
    assert "Mes dossiers (1)" in texte(tous)
    mes = instructeur.get(URL, {"file": "en_instruction", "mes": "1"})
    assert noms(mes) == ["Mien Villeurbanne"]
    assert mes.context["mes"] is True
    assert 'name="mes" value="1"' in texte(mes)


def test_mes_dossiers_ne_s_applique_qu_a_la_file_en_instruction(instructeur, files_jeu) -> None:
    reponse = instructeur.get(URL, {"file": "decides", "mes": "1"})
    assert len(noms(reponse)) == 3


@pytest.mark.parametrize(
    ("persona", "file"),
    [("instructeur", "a_instruire"), ("valideur", "a_valider"), ("comptable", "decides")],
)
def test_chacun_arrive_sur_sa_file(client_de, persona, file, files_jeu) -> None:
    assert client_de(persona).get(URL).context["file"] == file


def test_la_file_a_valider_montre_le_montant_propose_et_son_auteur(
    valideur, files_jeu, utilisateurs
) -> None:
    page = sans_balises(valideur.get(URL, {"file": "a_valider"}))
    assert "Accord : 4\u00a0500,00\u00a0€" in page
    assert f"par {utilisateurs['instructeur']}" in page


def test_une_ligne_montre_numero_structure_commune_etat_depot_montant_et_instructeur(
    instructeur, files_jeu, files_collegue
) -> None:
    dossier = files_jeu["Collègue Vénissieux"]
    reponse = instructeur.get(URL, {"file": "en_instruction"})
    page = texte(reponse)
    assert f'href="/instruction/dossiers/{dossier.pk}/">{dossier.numero}</a>' in page
    assert "Vénissieux" in page
    assert "En instruction" in page
    assert timezone.localtime(dossier.depose_le).strftime("%d/%m/%Y") in page
    assert "3\u00a0000,00\u00a0€" in page
    assert str(files_collegue) in page


def test_un_dossier_non_attribue_le_dit(instructeur, files_jeu) -> None:
    assert "Non attribué" in texte(instructeur.get(URL, {"file": "a_instruire"}))


def test_un_dossier_en_attente_de_validation_est_signale_dans_les_autres_files(
    instructeur, files_jeu
) -> None:
    page = texte(instructeur.get(URL, {"file": "tous", "q": "À valider"}))
    assert "Proposition à valider" in page


def test_une_file_vide_le_dit(instructeur, campagne_rhone) -> None:
    page = texte(instructeur.get(URL))
    assert "Aucun dossier dans la file « À instruire »" in page


def test_la_navigation_d_un_agent_commence_par_l_instruction(instructeur) -> None:
    reponse = instructeur.get(URL)
    liens = reponse.context["navigation"]
    assert liens[0].libelle == "Instruction"
    assert liens[0].url == URL
    assert liens[0].actif


def test_l_accueil_de_la_caf_mene_aux_files(instructeur) -> None:
    assert 'href="/instruction/"' in texte(instructeur.get("/caf/"))


def test_un_dossier_sans_numero_n_apparait_jamais(instructeur, files_jeu) -> None:
    assert Dossier.objects.filter(numero__isnull=True).count() == 1
    assert "Brouillon" not in "".join(noms(instructeur.get(URL, {"file": "tous"})))
