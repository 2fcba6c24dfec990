"""Les files de travail : filtres, recherche, tri, pagination, valeurs incomprises et nombre
de requêtes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.dossiers.models import EtatDossier
from clas.instruction.files import lire_montant
from tests.outils import texte

from .outils import creer_campagne, creer_decision, creer_dossier, creer_proposition

pytestmark = pytest.mark.django_db

URL = "/instruction/"
TOUS_LES_DOSSIERS = [
    "Accepté Givors",
    "Collègue Vénissieux",
    "Compléments Bron",
    "Déposé Lyon",
    "Mien Villeurbanne",
    "Refusé Givors",
    "Sans suite Tarare",
    "À valider Lyon",
]


def noms(reponse) -> list[str]:
    return sorted(dossier.structure.nom for dossier in reponse.context["dossiers"])


def dans_l_ordre(reponse) -> list[str]:
    return [dossier.structure.nom for dossier in reponse.context["dossiers"]]


@pytest.mark.parametrize(
    ("parametres", "attendus"),
    [
        (
            {"etat": "en_instruction"},
            ["Collègue Vénissieux", "Mien Villeurbanne", "À valider Lyon"],
        ),
        ({"etat": "accepte"}, ["Accepté Givors"]),
        ({"type_structure": "association"}, ["Mien Villeurbanne"]),
        ({"commune": "givors"}, ["Accepté Givors", "Refusé Givors"]),
        ({"commune": "Villeur"}, ["Mien Villeurbanne"]),
        ({"rural": "1"}, ["Mien Villeurbanne"]),
        ({"bonus": "culture"}, ["Collègue Vénissieux"]),
        ({"bonus": "parents"}, ["Compléments Bron"]),
        (
            {"montant_min": "3000", "montant_max": "5000"},
            ["Collègue Vénissieux", "Compléments Bron", "À valider Lyon"],
        ),
        ({"montant_min": "6 000,00"}, ["Accepté Givors", "Refusé Givors"]),
        ({"montant_max": "1000"}, ["Déposé Lyon"]),
        ({"instructeur": "aucun"}, ["Déposé Lyon", "Sans suite Tarare"]),
        ({"etat": "en_instruction", "commune": "Lyon"}, ["À valider Lyon"]),
    ],
)
def test_chaque_filtre_retient_les_bons_dossiers(
    instructeur, files_jeu, parametres, attendus
) -> None:
    reponse = instructeur.get(URL, {"file": "tous", **parametres})
    assert reponse.context["avis"] == []
    assert noms(reponse) == sorted(attendus)


def test_le_filtre_instructeur_retient_les_dossiers_de_cet_agent(
    instructeur, files_jeu, files_collegue
) -> None:
    reponse = instructeur.get(URL, {"file": "tous", "instructeur": files_collegue.pk})
    assert noms(reponse) == ["Collègue Vénissieux", "Refusé Givors"]
    assert f'<option value="{files_collegue.pk}" selected>' in texte(reponse)


def test_le_filtre_campagne_retient_les_dossiers_de_la_campagne(
    instructeur, files_jeu, caf_rhone, utilisateurs
) -> None:
    ancienne = creer_campagne(caf_rhone, "2024-2025", cree_par=utilisateurs["valideur"])
    creer_dossier(ancienne, nom="Ancien Lyon", etat=EtatDossier.ACCEPTE)
    reponse = instructeur.get(URL, {"file": "tous", "campagne": ancienne.pk})
    assert noms(reponse) == ["Ancien Lyon"]
    reponse = instructeur.get(
        URL, {"file": "tous", "campagne": files_jeu["Déposé Lyon"].campagne_id}
    )
    assert noms(reponse) == TOUS_LES_DOSSIERS


def test_les_nombres_des_files_tiennent_compte_des_filtres(instructeur, files_jeu) -> None:
    compteurs = instructeur.get(URL, {"commune": "Givors"}).context["compteurs"]
    assert compteurs["decides"] == 2
    assert compteurs["a_instruire"] == 0
    assert compteurs["tous"] == 2


def test_les_filtres_restent_affiches_dans_le_formulaire(instructeur, files_jeu) -> None:
    page = texte(
        instructeur.get(
            URL,
            {
                "file": "tous",
                "commune": "Bron",
                "montant_min": "100",
                "rural": "1",
                "bonus": "parents",
                "etat": "complements_demandes",
                "type_structure": "centre_social",
                "q": "Compl",
            },
        )
    )
    assert 'name="commune" value="Bron"' in page
    assert 'name="montant_min" value="100"' in page
    assert 'name="q" value="Compl"' in page
    assert 'name="rural" value="1" checked' in page
    assert '<option value="parents" selected>' in page
    assert '<option value="complements_demandes" selected>' in page
    assert '<option value="centre_social" selected>' in page
    assert "7 filtres appliqués" not in page  # q n'est pas un filtre
    assert "6 filtres appliqués" in page
    assert 'name="file" value="tous"' in page


@pytest.mark.parametrize(
    ("recherche", "attendus"),
    [
        ("Givors", ["Accepté Givors", "Refusé Givors"]),
        ("compléments", ["Compléments Bron"]),
    ],
)
def test_la_recherche_par_nom_de_structure(instructeur, files_jeu, recherche, attendus) -> None:
    reponse = instructeur.get(URL, {"file": "tous", "q": recherche})
    assert noms(reponse) == attendus


def test_la_recherche_par_numero_de_dossier(instructeur, files_jeu) -> None:
    dossier = files_jeu["Refusé Givors"]
    assert noms(instructeur.get(URL, {"file": "tous", "q": dossier.numero})) == ["Refusé Givors"]
    fin = dossier.numero[-5:]
    assert noms(instructeur.get(URL, {"file": "tous", "q": fin})) == ["Refusé Givors"]


def test_la_recherche_par_siret_meme_avec_des_espaces(instructeur, files_jeu) -> None:
    siret = files_jeu["Déposé Lyon"].structure.siret
    espace = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    for texte_recherche in (siret, espace):
        reponse = instructeur.get(URL, {"file": "tous", "q": texte_recherche})
        assert noms(reponse) == ["Déposé Lyon"]


def test_la_recherche_ne_trouve_rien_dans_une_autre_caf(instructeur, files_jeu) -> None:
    reponse = instructeur.get(URL, {"file": "tous", "q": "Abbeville"})
    assert noms(reponse) == []
    assert "avec ces critères" in texte(reponse)


# --- Tri ---------------------------------------------------------------------------------


def test_le_tri_par_defaut_est_la_date_de_depot_la_plus_ancienne_d_abord(
    instructeur, files_jeu
) -> None:
    ordre = dans_l_ordre(instructeur.get(URL, {"file": "tous"}))
    par_depot = sorted(files_jeu.values(), key=lambda d: (d.depose_le, d.pk))
    assert ordre == [d.structure.nom for d in par_depot]


@pytest.mark.parametrize(
    ("tri", "cle"),
    [
        ("numero", lambda d: d.numero),
        ("structure", lambda d: d.structure.nom),
        ("etat", lambda d: d.etat),
        ("depot", lambda d: d.depose_le),
    ],
)
def test_le_tri_croissant_et_decroissant(instructeur, files_jeu, tri, cle) -> None:
    dossiers = list(files_jeu.values())
    croissant = dans_l_ordre(instructeur.get(URL, {"file": "tous", "tri": tri}))
    attendu = [d.structure.nom for d in sorted(dossiers, key=lambda d: (cle(d), d.pk))]
    assert croissant == attendu
    decroissant = dans_l_ordre(instructeur.get(URL, {"file": "tous", "tri": f"-{tri}"}))
    attendu = [
        d.structure.nom for d in sorted(dossiers, key=lambda d: (cle(d), d.pk), reverse=True)
    ]
    assert decroissant == attendu


def test_le_tri_par_montant_met_les_montants_vides_a_la_fin(instructeur, files_jeu) -> None:
    croissant = dans_l_ordre(instructeur.get(URL, {"file": "tous", "tri": "montant"}))
    assert croissant[0] == "Déposé Lyon"
    assert croissant[-1] == "Sans suite Tarare"
    decroissant = dans_l_ordre(instructeur.get(URL, {"file": "tous", "tri": "-montant"}))
    assert decroissant[0] == "Refusé Givors"
    assert decroissant[-1] == "Sans suite Tarare"


def test_les_en_tetes_de_tri_gardent_les_filtres_et_inversent_le_sens(
    instructeur, files_jeu
) -> None:
    page = texte(instructeur.get(URL, {"file": "tous", "commune": "Lyon", "tri": "numero"}))
    assert 'aria-sort="ascending"' in page
    liens = re.findall(r'<th scope="col"[^>]*><a href="([^"]+)"', page)
    assert len(liens) == 5
    numero = next(lien for lien in liens if "tri=-numero" in lien)
    assert "commune=Lyon" in numero and "file=tous" in numero
    assert all("commune=Lyon" in lien for lien in liens)


# --- Pagination --------------------------------------------------------------------------


def test_cinquante_dossiers_par_page_et_les_filtres_gardes(instructeur, campagne_rhone) -> None:
    for rang in range(55):
        creer_dossier(campagne_rhone, nom=f"Lyon {rang:02d}", commune="Lyon")
    for rang in range(5):
        creer_dossier(campagne_rhone, nom=f"Bron {rang:02d}", commune="Bron")

    page1 = instructeur.get(URL, {"file": "a_instruire", "commune": "Lyon", "tri": "structure"})
    assert len(page1.context["dossiers"]) == 50
    assert page1.context["page"].paginator.count == 55
    contenu = texte(page1)
    suivante = re.search(r'href="([^"]+)">Page suivante', contenu)
    assert suivante is not None
    lien = suivante.group(1)
    assert "commune=Lyon" in lien and "page=2" in lien and "tri=structure" in lien
    assert "file=a_instruire" in lien

    page2 = instructeur.get(URL + lien.replace("&amp;", "&"))
    assert dans_l_ordre(page2) == [f"Lyon {rang:02d}" for rang in range(50, 55)]
    assert "2 / 2" in texte(page2)
    precedente = re.search(r'href="([^"]+)">Page précédente', texte(page2))
    assert precedente is not None and "commune=Lyon" in precedente.group(1)


def test_un_numero_de_page_incompris_montre_la_premiere_page(instructeur, files_jeu) -> None:
    for page in ("abc", "-3", "999"):
        reponse = instructeur.get(URL, {"file": "tous", "page": page})
        assert reponse.status_code == 200


def test_changer_de_file_revient_a_la_premiere_page_en_gardant_les_filtres(
    instructeur, files_jeu
) -> None:
    page = texte(instructeur.get(URL, {"file": "tous", "commune": "Lyon", "page": "1"}))
    onglet = re.search(r'href="([^"]+)"[^>]*>Décidés', page)
    assert onglet is not None
    assert "commune=Lyon" in onglet.group(1)
    assert "file=decides" in onglet.group(1)
    assert "page=" not in onglet.group(1)


# --- Valeurs incomprises -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("parametres", "avis"),
    [
        ({"montant_min": "abc"}, "Prestation demandée (minimum) : « abc » n'est pas un montant"),
        ({"montant_max": "12,3,4"}, "Prestation demandée (maximum) : « 12,3,4 » n'est pas"),
        ({"montant_min": "-5"}, "« -5 » n'est pas un montant"),
        ({"montant_min": "NaN"}, "« NaN » n'est pas un montant"),
        ({"montant_min": "5000", "montant_max": "100"}, "le maximum est inférieur au minimum"),
        ({"etat": "perdu"}, "État : « perdu » n'est pas reconnu"),
        ({"etat": "brouillon"}, "État : « brouillon » n'est pas reconnu"),
        ({"type_structure": "xyz"}, "Type de structure : « xyz » n'est pas reconnu"),
        ({"bonus": "tout"}, "Bonus demandé : « tout » n'est pas reconnu"),
        ({"campagne": "abc"}, "Campagne : cette campagne n'est pas une campagne de votre Caf"),
        ({"campagne": "999999"}, "Campagne : cette campagne n'est pas une campagne de votre Caf"),
        ({"instructeur": "zz"}, "Instructeur : cet agent n'est pas un instructeur de votre Caf"),
        ({"tri": "prix"}, "Tri : « prix » n'est pas reconnu"),
        ({"file": "corbeille"}, "File : « corbeille » n'est pas reconnu"),
    ],
)
def test_une_valeur_incomprise_est_ignoree_avec_un_avis(
    instructeur, files_jeu, parametres, avis
) -> None:
    reponse = instructeur.get(URL, {"file": "tous", "commune": "Givors", **parametres})
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Certains critères n'ont pas été compris" in page
    assert avis in page
    assert "Ce critère n'est pas appliqué." in page
    if "file" not in parametres:
        # Les autres filtres s'appliquent toujours.
        assert noms(reponse) == ["Accepté Givors", "Refusé Givors"]
    for nom, valeur in parametres.items():
        if nom.startswith("montant"):
            assert f'name="{nom}" value="{valeur}"' in page  # ce qui a été tapé reste affiché


def test_la_campagne_d_une_autre_caf_est_refusee(
    instructeur, files_jeu, files_campagne_somme
) -> None:
    reponse = instructeur.get(URL, {"file": "tous", "campagne": files_campagne_somme.pk})
    assert "n'est pas une campagne de votre Caf" in texte(reponse)
    assert noms(reponse) == TOUS_LES_DOSSIERS


def test_un_instructeur_d_une_autre_caf_n_est_pas_un_filtre_valable(
    instructeur, files_jeu, utilisateurs
) -> None:
    autre = utilisateurs["instructeur_autre_caf"]
    reponse = instructeur.get(URL, {"file": "tous", "instructeur": autre.pk})
    assert "n'est pas un instructeur de votre Caf" in texte(reponse)
    assert noms(reponse) == TOUS_LES_DOSSIERS


# --- Année scolaire ---------------------------------------------------------------------


@pytest.fixture
def files_ancienne_annee(files_jeu, caf_rhone, caf_somme, utilisateurs) -> None:
    """Une campagne 2024-2025 dans le Rhône et dans la Somme, un dossier dans chacune."""
    valideur = utilisateurs["valideur"]
    rhone = creer_campagne(caf_rhone, "2024-2025", cree_par=valideur)
    creer_dossier(rhone, nom="Ancien Lyon", etat=EtatDossier.ACCEPTE, collectifs=[{}, {}])
    somme = creer_campagne(caf_somme, "2024-2025", cree_par=valideur)
    creer_dossier(somme, nom="Ancien Amiens", etat=EtatDossier.ACCEPTE)


def test_le_filtre_annee_retient_les_dossiers_des_campagnes_de_l_annee(
    instructeur, files_ancienne_annee
) -> None:
    reponse = instructeur.get(URL, {"file": "tous", "annee": "2024-2025"})
    assert reponse.context["avis"] == []
    assert noms(reponse) == ["Ancien Lyon"]
    page = texte(reponse)
    assert '<option value="2024-2025" selected>2024-2025</option>' in page
    assert '<option value="2026-2027">2026-2027</option>' in page
    assert "1 filtre appliqué" in page
    assert noms(instructeur.get(URL, {"file": "tous", "annee": "2026-2027"})) == (TOUS_LES_DOSSIERS)


def test_une_annee_sans_campagne_est_ignoree_avec_un_avis(
    instructeur, files_ancienne_annee
) -> None:
    reponse = instructeur.get(URL, {"file": "tous", "annee": "2031-2032", "commune": "Givors"})
    assert (
        "Année scolaire : aucune campagne n'a lieu pendant l'année scolaire « 2031-2032 »"
        in texte(reponse)
    )
    assert noms(reponse) == ["Accepté Givors", "Refusé Givors"]


def test_le_national_filtre_une_annee_dans_toutes_les_caf(national, files_ancienne_annee) -> None:
    """Sans choisir de Caf : toutes les années de toutes les Caf sont proposées."""
    reponse = national.get(URL, {"file": "tous", "annee": "2024-2025"})
    assert reponse.context["avis"] == []
    assert noms(reponse) == ["Ancien Amiens", "Ancien Lyon"]
    assert reponse.context["annees"] == ["2026-2027", "2024-2025"]
    assert "Somme Abbeville" in noms(national.get(URL, {"file": "tous", "annee": "2026-2027"}))


def test_le_national_combine_l_annee_et_la_caf(national, files_ancienne_annee, caf_somme) -> None:
    reponse = national.get(URL, {"file": "tous", "annee": "2024-2025", "caf": caf_somme.pk})
    assert noms(reponse) == ["Ancien Amiens"]


# --- La recherche de l'administration nationale, dans toutes les Caf ----------------------


def _somme(files_jeu):
    from clas.dossiers.models import Dossier

    return Dossier.objects.select_related("structure").get(structure__nom="Somme Abbeville")


def test_le_national_trouve_le_dossier_d_une_autre_caf_par_siret_avec_des_espaces(
    national, files_jeu, caf_somme
) -> None:
    siret = _somme(files_jeu).structure.siret
    for saisi in (siret, f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}", siret[5:]):
        reponse = national.get(URL, {"q": saisi})
        assert noms(reponse) == ["Somme Abbeville"], saisi
    assert f"<td>{caf_somme.nom}</td>" in texte(reponse)  # la colonne « Caf » le dit


@pytest.mark.parametrize("saisi", ["abbeville", "Somme Abb", "numero", "fin du numero"])
def test_le_national_trouve_le_dossier_d_une_autre_caf(national, files_jeu, saisi) -> None:
    dossier = _somme(files_jeu)
    if saisi == "numero":
        saisi = dossier.numero
    elif saisi == "fin du numero":
        saisi = dossier.numero[-10:]  # « 2027-00009 » : sans la Caf
    reponse = national.get(URL, {"q": saisi})
    assert reponse.context["lecture_seule"] is True
    assert noms(reponse) == ["Somme Abbeville"]
    # La ligne mène au dossier, ouvert en lecture seule.
    assert national.get(f"/instruction/dossiers/{dossier.pk}/").status_code == 200


def test_la_recherche_nationale_trouve_dans_plusieurs_caf(national, files_jeu) -> None:
    """« Lyon » : les dossiers du Rhône ; le numéro de la Caf « 069 » : aucun de la Somme."""
    assert noms(national.get(URL, {"q": "Lyon"})) == ["Déposé Lyon", "À valider Lyon"]
    assert "Somme Abbeville" not in noms(national.get(URL, {"q": "-069-"}))


@pytest.mark.parametrize(
    ("texte_saisi", "attendu"),
    [
        ("2500", Decimal("2500")),
        ("2 500,50", Decimal("2500.50")),
        ("2\u00a0500 €", Decimal("2500")),
        ("2500.5", Decimal("2500.5")),
    ],
)
def test_un_montant_s_ecrit_a_la_francaise(texte_saisi, attendu) -> None:
    assert lire_montant(texte_saisi) == attendu


# --- Nombre de requêtes ------------------------------------------------------------------


def _remplir(campagne, instructeur, valideur, nombre: int) -> None:
    """`nombre` dossiers dans chaque file, avec collectifs, propositions et décisions."""
    for rang in range(nombre):
        creer_dossier(campagne, nom=f"Déposé {rang}", collectifs=[{}, {"milieu_rural": True}])
        creer_dossier(
            campagne,
            etat=EtatDossier.EN_INSTRUCTION,
            nom=f"Instruit {rang}",
            instructeur=instructeur,
        )
        a_valider = creer_dossier(
            campagne,
            etat=EtatDossier.EN_INSTRUCTION,
            nom=f"À valider {rang}",
            instructeur=instructeur,
        )
        creer_proposition(a_valider, instructeur, "900")
        accepte = creer_dossier(campagne, nom=f"Accepté {rang}", instructeur=instructeur)
        creer_decision(accepte, instructeur, valideur, "800")


def _requetes(client, parametres) -> int:
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(URL, parametres)
    assert reponse.status_code == 200
    return len(requetes)


@pytest.mark.parametrize(
    "parametres",
    [
        {"file": "tous"},
        {"file": "a_valider"},
        {"file": "en_instruction", "mes": "1", "tri": "-montant"},
        {"file": "decides", "q": "Accepté", "rural": "1", "bonus": "culture", "commune": "Lyon"},
        {"file": "tous", "montant_min": "abc", "instructeur": "aucun", "etat": "depose"},
    ],
)
def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_dossiers(
    instructeur, campagne_rhone, utilisateurs, parametres
) -> None:
    moi, valideur = utilisateurs["instructeur"], utilisateurs["valideur"]
    _remplir(campagne_rhone, moi, valideur, 1)
    parametres = parametres | {"campagne": campagne_rhone.pk}
    peu = _requetes(instructeur, parametres)
    _remplir(campagne_rhone, moi, valideur, 9)
    beaucoup = _requetes(instructeur, parametres)
    assert peu == beaucoup
    # Dont, pour tout agent : l'appareil de double authentification et l'heure d'activité
    # gardée dans la session (comptes/middleware.py), une écriture par requête.
    assert beaucoup <= 14


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_campagnes(
    instructeur, campagne_rhone, caf_rhone, utilisateurs
) -> None:
    moi, valideur = utilisateurs["instructeur"], utilisateurs["valideur"]
    _remplir(campagne_rhone, moi, valideur, 1)
    peu = _requetes(instructeur, {"file": "tous"})
    for annee in ("2023-2024", "2024-2025", "2025-2026"):
        ancienne = creer_campagne(caf_rhone, annee, cree_par=valideur)
        _remplir(ancienne, moi, valideur, 2)
    assert _requetes(instructeur, {"file": "tous"}) == peu
