"""Les exports de la file d'instruction (/instruction/export.csv|xlsx, collectifs) : ce que
la file montre, filtres compris, dans le périmètre de la personne ; cellules neutralisées,
montants et dates typés ; nombre de requêtes constant ; au-delà du seuil, tâche de fond."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clas.core.models import ExportDemande
from tests.conftest import PERSONAS
from tests.core.lecture_exports import cellules_xlsx, contenu, dictionnaires_csv, lignes_csv

from .outils import creer_dossier
from .test_files_filtres import TOUS_LES_DOSSIERS

# Marqué ici (pas seulement par les fixtures) : pytest-django lance ces tests avec ceux qui
# ont la base, avant les tests transactionnels qui la vident.
pytestmark = pytest.mark.django_db

URL_CSV = reverse("instruction_export", args=["csv"])
URL_XLSX = reverse("instruction_export", args=["xlsx"])
URL_COLLECTIFS = reverse("instruction_export_collectifs", args=["csv"])

ATTENDU = {
    "anonyme": 302,
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", [URL_CSV, URL_XLSX, URL_COLLECTIFS])
def test_chaque_persona_recoit_l_export_ou_un_refus(client_de, files_jeu, persona, url):
    reponse = client_de(persona).get(url + "?file=tous")
    assert reponse.status_code == ATTENDU[persona]


def _structures(reponse) -> set[str]:
    return {ligne["Structure"] for ligne in dictionnaires_csv(reponse)}


def test_l_agent_n_exporte_que_les_dossiers_deposes_de_sa_caf(instructeur, files_jeu):
    structures = _structures(instructeur.get(URL_CSV + "?file=tous"))
    assert structures == set(files_jeu)  # ni le brouillon, ni la Somme


def test_l_agent_d_une_autre_caf_n_exporte_que_la_sienne(instructeur_autre_caf, files_jeu):
    assert _structures(instructeur_autre_caf.get(URL_CSV + "?file=tous")) == {"Somme Abbeville"}


def test_l_administration_nationale_exporte_toutes_les_caf(national, files_jeu):
    structures = _structures(national.get(URL_CSV + "?file=tous"))
    assert structures == {*files_jeu, "Somme Abbeville"}


def test_l_export_national_suit_le_filtre_caf_de_la_page(national, files_jeu, caf_somme):
    structures = _structures(national.get(URL_CSV + f"?file=tous&caf={caf_somme.pk}"))
    assert structures == {"Somme Abbeville"}


def test_l_export_suit_la_file_et_les_filtres_de_la_page(instructeur, files_jeu):
    assert _structures(instructeur.get(URL_CSV + "?file=decides&commune=givors")) == {
        "Accepté Givors",
        "Refusé Givors",
    }
    # Sans file demandée : celle de l'instructeur, « à instruire », comme la page.
    assert _structures(instructeur.get(URL_CSV)) == {"Déposé Lyon"}
    # Un filtre refusé est ignoré, comme sur la page, jamais une erreur.
    reponse = instructeur.get(URL_CSV + "?file=tous&montant_min=beaucoup&commune=Bron")
    assert _structures(reponse) == {"Compléments Bron"}


@pytest.fixture
def exports_ancienne_annee(files_jeu, caf_rhone, caf_somme, utilisateurs):
    """Une campagne 2024-2025 dans le Rhône (un dossier, deux collectifs) et dans la Somme
    (un dossier, un collectif)."""
    from .outils import creer_campagne

    valideur = utilisateurs["valideur"]
    rhone = creer_campagne(caf_rhone, "2024-2025", cree_par=valideur)
    creer_dossier(rhone, nom="Ancien Lyon", collectifs=[{}, {}])
    somme = creer_campagne(caf_somme, "2024-2025", cree_par=valideur)
    creer_dossier(somme, nom="Ancien Amiens")


def test_l_export_suit_le_filtre_annee_scolaire(instructeur, exports_ancienne_annee):
    lignes = dictionnaires_csv(instructeur.get(URL_CSV + "?file=tous&annee=2024-2025"))
    assert [(ligne["Structure"], ligne["Année scolaire"]) for ligne in lignes] == [
        ("Ancien Lyon", "2024-2025")
    ]
    assert _structures(instructeur.get(URL_CSV + "?file=tous&annee=2026-2027")) == set(
        TOUS_LES_DOSSIERS
    )


def test_l_export_national_des_collectifs_d_une_annee_couvre_toutes_les_caf(
    national, exports_ancienne_annee, caf_rhone, caf_somme
):
    """L'export national de tous les collectifs d'une année (ticket 13) : depuis la file,
    filtre « Année scolaire », sans choisir de Caf."""
    filtres = "?file=tous&annee=2024-2025"
    lignes = dictionnaires_csv(national.get(URL_COLLECTIFS + filtres))
    assert sorted((ligne["Structure"], ligne["Année scolaire"]) for ligne in lignes) == [
        ("Ancien Amiens", "2024-2025"),
        ("Ancien Lyon", "2024-2025"),
        ("Ancien Lyon", "2024-2025"),
    ]
    assert {ligne["Caf"] for ligne in lignes} == {caf_rhone.nom, caf_somme.nom}
    url_xlsx = reverse("instruction_export_collectifs", args=["xlsx"]) + filtres
    assert len(cellules_xlsx(contenu(national.get(url_xlsx)))) == 1 + 3  # en-tête compris
    # La Caf choisie en plus : ses collectifs de l'année seulement.
    lignes = dictionnaires_csv(national.get(URL_COLLECTIFS + filtres + f"&caf={caf_somme.pk}"))
    assert [ligne["Structure"] for ligne in lignes] == ["Ancien Amiens"]


def test_la_file_filtree_par_annee_propose_l_export_de_cette_annee(
    national, exports_ancienne_annee
):
    page = national.get(reverse("instruction_files") + "?file=tous&annee=2024-2025")
    assert f'href="{URL_COLLECTIFS}?file=tous&amp;annee=2024-2025"' in page.content.decode()


def test_le_csv_est_a_la_francaise(instructeur, files_jeu):
    reponse = instructeur.get(URL_CSV + "?file=decides&commune=givors&tri=structure")
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="dossiers-' in reponse["Content-Disposition"]
    assert b";" in contenu(reponse).splitlines()[0]
    lignes = {ligne["Structure"]: ligne for ligne in dictionnaires_csv(reponse)}
    accepte = lignes["Accepté Givors"]
    assert accepte["Prestation demandée (€)"] == "6000,00"
    assert accepte["Montant accordé (€)"] == "6000,00"
    assert accepte["Décision"] == "Accord"
    assert accepte["État"] == "Accepté"
    assert accepte["Caf"] == "Caf du Rhône"
    assert accepte["Collectifs"] == "1"
    assert accepte["Enfants"] == "10"
    jour, mois, annee = accepte["Déposé le"].split("/")
    assert len(jour) == 2 and len(mois) == 2 and len(annee) == 4


def test_une_cellule_qui_ressemble_a_une_formule_est_neutralisee(
    instructeur, campagne_rhone, files_jeu
):
    creer_dossier(campagne_rhone, nom='=HYPERLINK("http://pirate")', commune="@Lyon")
    creer_dossier(campagne_rhone, nom="-2+3", commune="\tTabulation")
    lignes = dictionnaires_csv(instructeur.get(URL_CSV + "?file=a_instruire"))
    noms = {ligne["Structure"] for ligne in lignes}
    assert '\'=HYPERLINK("http://pirate")' in noms
    assert "'-2+3" in noms
    assert {ligne["Commune"] for ligne in lignes} >= {"'@Lyon", "'\tTabulation"}
    cellules = cellules_xlsx(contenu(instructeur.get(URL_XLSX + "?file=a_instruire")))
    textes = {valeur for ligne in cellules for genre, valeur in ligne if genre == "s"}
    assert '\'=HYPERLINK("http://pirate")' in textes


def test_le_xlsx_a_des_cellules_typees(instructeur, files_jeu):
    reponse = instructeur.get(URL_XLSX + "?file=decides&commune=givors&tri=structure")
    assert reponse["Content-Type"].startswith("application/vnd.openxmlformats")
    entete, *lignes = cellules_xlsx(contenu(reponse))
    titres = [valeur for _, valeur in entete]
    accepte = next(
        ligne for ligne in lignes if ligne[titres.index("Structure")][1] == "Accepté Givors"
    )
    assert accepte[titres.index("Prestation demandée (€)")] == ("n", 6000.0)
    assert accepte[titres.index("Montant accordé (€)")] == ("n", 6000.0)
    assert accepte[titres.index("Collectifs")] == ("n", 1.0)
    assert accepte[titres.index("Déposé le")][0] == "d"
    assert accepte[titres.index("Dossier")][0] == "s"


def test_l_export_des_collectifs_a_une_ligne_par_collectif(instructeur, files_jeu):
    lignes = dictionnaires_csv(instructeur.get(URL_COLLECTIFS + "?file=tous&rural=1"))
    assert [(ligne["Structure"], ligne["Milieu rural"]) for ligne in lignes] == [
        ("Mien Villeurbanne", "non"),
        ("Mien Villeurbanne", "oui"),
    ]
    assert lignes[0]["Enfants"] == "10"


def test_un_format_inconnu_est_une_page_introuvable(instructeur, files_jeu):
    assert instructeur.get(reverse("instruction_export", args=["pdf"])).status_code == 404


def test_la_file_propose_les_boutons_d_export_avec_ses_filtres(instructeur, files_jeu):
    page = instructeur.get(reverse("instruction_files") + "?file=tous&commune=Lyon&page=1")
    html = page.content.decode()
    assert f'href="{URL_CSV}?file=tous&amp;commune=Lyon"' in html
    assert f'href="{URL_XLSX}?file=tous&amp;commune=Lyon"' in html
    assert "Exporter leurs collectifs (CSV)" in html


@pytest.mark.parametrize("url", [URL_CSV, URL_XLSX, URL_COLLECTIFS])
def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_dossiers(
    instructeur, campagne_rhone, django_assert_max_num_queries, url
):
    def requetes() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as capture:
            contenu(instructeur.get(url + "?file=tous"))
        return len(capture.captured_queries)

    for _ in range(3):
        creer_dossier(campagne_rhone, collectifs=[{}, {}])
    peu = requetes()
    for _ in range(30):
        creer_dossier(campagne_rhone, collectifs=[{}, {}, {}])
    assert requetes() == peu


def test_au_dela_du_seuil_l_export_passe_en_tache_de_fond(
    instructeur, valideur, anonyme, files_jeu, settings, django_capture_on_commit_callbacks
):
    settings.CLAS_EXPORT_SEUIL_TACHE = 3
    with django_capture_on_commit_callbacks(execute=True):
        reponse = instructeur.get(URL_CSV + "?file=tous&page=2")
    demande = ExportDemande.objects.get()
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("export_suivi", args=[demande.pk])
    assert demande.parametres == {"file": ["tous"]}
    assert demande.pret and demande.lignes_total == demande.lignes_ecrites == len(files_jeu)

    suivi = instructeur.get(reponse["Location"])
    assert "Le fichier est prêt" in suivi.content.decode()
    assert reverse("export_telecharger", args=[demande.pk]) in suivi.content.decode()
    fichier = instructeur.get(reverse("export_telecharger", args=[demande.pk]))
    assert fichier.status_code == 200
    assert len(lignes_csv(fichier)) == len(files_jeu) + 1
    # Réservé au demandeur : un collègue de la même Caf n'y a pas accès.
    for url in (reponse["Location"], reverse("export_telecharger", args=[demande.pk])):
        assert valideur.get(url).status_code == 404
        assert anonyme.get(url).status_code == 302


def test_la_page_de_suivi_montre_la_progression_et_se_rafraichit(
    instructeur, files_jeu, settings, utilisateurs
):
    demande = ExportDemande.objects.create(
        demandeur=utilisateurs["instructeur"],
        export="clas.instruction.exports.DOSSIERS",
        format="xlsx",
        nom_fichier="dossiers.xlsx",
        lignes_total=8000,
        lignes_ecrites=2000,
    )
    url = reverse("export_suivi", args=[demande.pk])
    html = instructeur.get(url).content.decode()
    assert 'value="25"' in html and "25 %" in html
    assert 'hx-trigger="every 2s"' in html
    fragment = instructeur.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith("{#") is False and "<html" not in fragment
    assert "2000 lignes écrites sur 8000" in fragment
    assert instructeur.get(reverse("export_telecharger", args=[demande.pk])).status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("nom", ["export_suivi", "export_telecharger"])
def test_un_export_en_fond_n_est_ouvert_qu_a_celui_qui_l_a_demande(
    client_de, utilisateurs, persona, nom
):
    demande = ExportDemande.objects.create(
        demandeur=utilisateurs["instructeur"],
        export="clas.instruction.exports.DOSSIERS",
        format="csv",
        nom_fichier="dossiers.csv",
        lignes_total=10,
        lignes_ecrites=5,
    )
    reponse = client_de(persona).get(reverse(nom, args=[demande.pk]))
    if persona == "anonyme":
        assert reponse.status_code == 302
    elif persona == "instructeur":
        # Le suivi s'ouvre ; le fichier, pas encore prêt, n'existe pas encore.
        assert reponse.status_code == (200 if nom == "export_suivi" else 404)
    else:
        assert reponse.status_code in (403, 404)
