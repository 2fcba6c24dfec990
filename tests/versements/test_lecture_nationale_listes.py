"""Les listes des Caf en lecture seule pour l'administration nationale (issue 13) : la page
des paiements, celle d'un lot, les bilans (et ceux en retard), les indus. Le national lit
toutes les Caf ou celle qu'il choisit (`?caf=`), avec une colonne « Caf » quand toutes sont
montrées, un rappel de la lecture seule, aucun formulaire d'action ; ses POST sont refusés
(403, message en français) ; un agent ne voit que sa Caf ; un porteur et un anonyme sont
refusés ; le nombre de requêtes ne grandit pas avec les lignes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clas.bilans.models import Bilan, EtatBilan, Indu
from clas.conventions.models import Convention
from clas.core.permissions import LECTURE_SEULE
from clas.versements import actions as paiements
from clas.versements.models import EtatVersement, LotPaiement
from clas.versements.permissions import capacites_paiements
from clas.versements.views import REFUS_FICHIERS_NATIONAL
from tests.conventions.paiements_fabrique import convention_signee, donner_un_compte
from tests.factories import payer_par_le_circuit
from tests.instruction.outils import creer_campagne
from tests.outils import texte

pytestmark = pytest.mark.django_db

E = EtatVersement
DECONNEXION = '<form method="post" action="/deconnexion/" class="clas-form-inline">'
AUJOURD_HUI = timezone.localdate


def _peupler(caf, campagne, utilisateurs, rang: int) -> dict[str, Any]:
    """Dans la Caf : un versement à valider (bilan déposé), un validé à mettre en paiement
    (indu en retard), un payé dans un lot (bilan en retard). Les structures portent le
    département et le rang : « Structure 69-1 A »."""
    instructeur, valideur = utilisateurs["instructeur"], utilisateurs["valideur"]
    prefixe = f"Structure {caf.departement}-{rang}"
    a_valider = convention_signee(
        caf, instructeur, valideur, "4500.00", campagne=campagne, nom=f"{prefixe} A"
    )
    a_payer = convention_signee(
        caf, instructeur, valideur, "2000.00", etat=E.VALIDE, campagne=campagne, nom=f"{prefixe} B"
    )
    paye = payer_par_le_circuit(
        convention_signee(
            caf, instructeur, valideur, "1000.00", campagne=campagne, nom=f"{prefixe} C"
        ),
        utilisateurs["comptable"],
    )
    Bilan.objects.create(
        convention=a_valider.convention,
        etat=EtatBilan.DEPOSE,
        depose_le=timezone.now(),
        depose_par=a_valider.convention.dossier.cree_par,
    )
    Indu.objects.create(
        convention=a_payer.convention,
        montant=Decimal("300.00"),
        motif="Bilan inférieur aux versements",
        echeance=AUJOURD_HUI() - dt.timedelta(days=3),
    )
    Convention.objects.filter(pk=paye.convention_id).update(
        date_limite_bilan=AUJOURD_HUI() - dt.timedelta(days=10)
    )
    return {"a_valider": a_valider, "a_payer": a_payer, "paye": paye, "lot": paye.lot}


@pytest.fixture
def campagnes(caf_rhone, caf_somme, utilisateurs) -> dict[str, Any]:
    valideur = utilisateurs["valideur"]
    return {
        "rhone": creer_campagne(caf_rhone, "2026-2027", cree_par=valideur),
        "somme": creer_campagne(caf_somme, "2026-2027", cree_par=valideur),
    }


@pytest.fixture
def scene(caf_rhone, caf_somme, campagnes, utilisateurs) -> dict[str, Any]:
    """Les mêmes lignes dans le Rhône et dans la Somme ; dans le Rhône, d'abord, un lot
    encore à la banque (créé par le comptable) : la page du lot a alors ses formulaires."""
    donner_un_compte(caf_rhone)
    en_banque = convention_signee(
        caf_rhone,
        utilisateurs["instructeur"],
        utilisateurs["valideur"],
        "3000.00",
        etat=E.VALIDE,
        campagne=campagnes["rhone"],
        nom="Structure 69-banque",
    )
    lot = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    assert [v.pk for v in lot.versements.all()] == [en_banque.pk]
    return {
        "rhone": _peupler(caf_rhone, campagnes["rhone"], utilisateurs, 1),
        "somme": _peupler(caf_somme, campagnes["somme"], utilisateurs, 1),
        "lot_en_banque": lot,
        "en_banque": en_banque,
    }


# Les listes : (nom de l'URL, paramètres, ce qui prouve qu'une ligne d'une Caf est montrée).
LISTES = {
    "paiements": ("paiements_accueil", "", ("A", "B")),
    "paiements-lots": ("paiements_accueil", "onglet=lots", ()),
    "bilans": ("bilans_caf", "", ("A",)),
    "bilans-en-retard": ("bilans_caf", "en_retard=1", ("C",)),
    "indus": ("indus_liste", "", ("B",)),
    "indus-en-retard": ("indus_liste", "en_retard=1", ("B",)),
}


def _adresse(nom: str, parametres: str = "", **autres: Any) -> str:
    suite = "&".join(p for p in (parametres, *(f"{k}={v}" for k, v in autres.items())) if p)
    return reverse(nom) + (f"?{suite}" if suite else "")


def _marques(scene: dict[str, Any], cle: str, quoi: str) -> list[str]:
    """Ce qui, dans la page, montre les lignes de la Caf `cle` (« rhone », « somme »)."""
    departement = "69" if cle == "rhone" else "80"
    suffixes = LISTES[quoi][2]
    if not suffixes:  # la liste des lots : leur numéro
        return [f"{scene[cle]['lot'].numero}<"]
    return [f"Structure {departement}-1 {suffixe}<" for suffixe in suffixes]


@pytest.mark.parametrize("quoi", sorted(LISTES))
def test_le_national_lit_les_lignes_de_toutes_les_caf_avec_leur_colonne(
    national, scene, quoi
) -> None:
    nom, parametres, _ = LISTES[quoi]
    reponse = national.get(_adresse(nom, parametres))
    assert reponse.status_code == 200
    page = texte(reponse)
    for cle in ("rhone", "somme"):
        for marque in _marques(scene, cle, quoi):
            assert marque in page, (cle, marque)
    assert 'id="lecture-seule"' in page
    assert "Lecture seule — toutes les Caf" in page
    assert '<th scope="col">Caf</th>' in page
    assert "<td>Caf du Rhône</td>" in page and "<td>Caf de la Somme</td>" in page
    assert '<option value="">Toutes les Caf</option>' in page


@pytest.mark.parametrize("quoi", sorted(LISTES))
def test_le_national_choisit_une_caf(national, scene, caf_rhone, caf_somme, quoi) -> None:
    nom, parametres, _ = LISTES[quoi]
    for cle, caf, autre in (("rhone", caf_rhone, "somme"), ("somme", caf_somme, "rhone")):
        page = texte(national.get(_adresse(nom, parametres, caf=caf.pk)))
        for marque in _marques(scene, cle, quoi):
            assert marque in page
        for marque in _marques(scene, autre, quoi):
            assert marque not in page
        assert f"Lecture seule — {caf.nom}" in page
        assert f'<option value="{caf.pk}" selected>' in page
        assert '<th scope="col">Caf</th>' not in page  # une seule Caf : pas de colonne


def test_une_caf_inconnue_montre_toutes_les_caf(national, scene) -> None:
    page = texte(national.get(_adresse("indus_liste", caf="abc")))
    assert "Lecture seule — toutes les Caf" in page
    assert "Structure 69-1 B<" in page and "Structure 80-1 B<" in page


@pytest.mark.parametrize("quoi", sorted(LISTES))
@pytest.mark.parametrize(
    ("persona", "cle", "autre"),
    [("instructeur", "rhone", "somme"), ("instructeur_autre_caf", "somme", "rhone")],
)
def test_un_agent_ne_voit_que_sa_caf_meme_avec_caf_dans_l_adresse(
    client_de, scene, caf_rhone, caf_somme, quoi, persona, cle, autre
) -> None:
    nom, parametres, _ = LISTES[quoi]
    autre_caf = caf_somme if autre == "somme" else caf_rhone
    for adresse in (_adresse(nom, parametres), _adresse(nom, parametres, caf=autre_caf.pk)):
        reponse = client_de(persona).get(adresse)
        assert reponse.status_code == 200
        page = texte(reponse)
        for marque in _marques(scene, cle, quoi):
            assert marque in page
        for marque in _marques(scene, autre, quoi):
            assert marque not in page
        assert 'id="lecture-seule"' not in page
        assert 'id="filtre-caf"' not in page


PAGES = {
    "paiements_accueil": lambda scene: reverse("paiements_accueil"),
    "paiements_lot": lambda scene: reverse("paiements_lot", args=[scene["lot_en_banque"].pk]),
    "bilans_caf": lambda scene: reverse("bilans_caf"),
    "bilans_caf_en_retard": lambda scene: reverse("bilans_caf") + "?en_retard=1",
    "indus_liste": lambda scene: reverse("indus_liste"),
}


def _formulaires_post(page: str) -> list[str]:
    return re.findall(r'<form[^>]*method="post"[^>]*>', page)


@pytest.mark.parametrize("onglet", ["a-valider", "a-payer", "lots"])
def test_la_page_des_paiements_n_a_aucune_action_pour_le_national(
    national, valideur, comptable, scene, onglet
) -> None:
    adresse = reverse("paiements_accueil") + f"?onglet={onglet}"
    page = texte(national.get(adresse))
    assert _formulaires_post(page) == [DECONNEXION]
    for action in ("paiements_valider", "paiements_creer_lot", "caf_compte_bancaire"):
        assert reverse(action) not in page
    assert reverse("coordonnees_a_verifier") not in page
    assert reverse("transferts_a_confirmer") not in page
    # Le valideur valide, le comptable crée le lot : le test peut échouer.
    assert reverse("paiements_valider") in texte(valideur.get(adresse))
    assert reverse("paiements_creer_lot") in texte(comptable.get(reverse("paiements_accueil")))


@pytest.mark.parametrize("nom", sorted(PAGES))
def test_aucune_liste_n_a_de_formulaire_d_action_pour_le_national(
    national, comptable, valideur, scene, nom
) -> None:
    adresse = PAGES[nom](scene)
    page = texte(national.get(adresse))
    assert _formulaires_post(page) == [DECONNEXION]
    assert 'id="lecture-seule"' in page
    assert "lecture seule" in page.lower()


def test_la_page_du_lot_n_a_ni_action_ni_fichier_pour_le_national(
    national, comptable, scene
) -> None:
    lot = scene["lot_en_banque"]
    adresse = reverse("paiements_lot", args=[lot.pk])
    page = texte(national.get(adresse))
    assert lot.numero in page
    assert "Structure 69-banque" in page
    assert "Lecture seule — Caf du Rhône" in page
    assert _formulaires_post(page) == [DECONNEXION]
    assert "Marquer le lot payé" not in page
    assert reverse("paiements_lot_sepa", args=[lot.pk]) not in page
    assert reverse("paiements_lot_csv", args=[lot.pk]) not in page
    # Le comptable, lui, a ses formulaires et ses fichiers.
    page_comptable = texte(comptable.get(adresse))
    assert len(_formulaires_post(page_comptable)) > 1
    assert reverse("paiements_lot_sepa", args=[lot.pk]) in page_comptable


def test_le_national_lit_le_lot_d_une_autre_caf_que_l_agent_ne_voit_pas(
    national, instructeur, scene
) -> None:
    lot = scene["somme"]["lot"]
    assert national.get(reverse("paiements_lot", args=[lot.pk])).status_code == 200
    assert instructeur.get(reverse("paiements_lot", args=[lot.pk])).status_code == 404


@pytest.mark.parametrize("nom", ["paiements_lot_sepa", "paiements_lot_csv"])
def test_les_fichiers_du_lot_sont_refuses_au_national_avec_le_message(
    national, comptable, scene, nom
) -> None:
    """Les fichiers que la Caf remet à sa banque ne sont pas une lecture du national."""
    adresse = reverse(nom, args=[scene["lot_en_banque"].pk])
    reponse = national.get(adresse)
    assert reponse.status_code == 403
    assert REFUS_FICHIERS_NATIONAL in texte(reponse)
    assert comptable.get(adresse).status_code == 200


@pytest.mark.parametrize("nom", sorted(PAGES))
def test_un_post_du_national_sur_une_liste_est_refuse_avec_le_message(national, scene, nom) -> None:
    avant = (LotPaiement.objects.count(), list(Bilan.objects.values_list("etat", flat=True)))
    reponse = national.post(PAGES[nom](scene), {"versements": ["1"]})
    assert reponse.status_code == 403
    assert LECTURE_SEULE in texte(reponse)
    assert (LotPaiement.objects.count(), list(Bilan.objects.values_list("etat", flat=True))) == (
        avant
    )


# Les actions que ces pages proposent aux agents : refusées au national, avec le message.
ACTIONS = {
    "paiements_valider": lambda scene: reverse("paiements_valider"),
    "paiements_creer_lot": lambda scene: reverse("paiements_creer_lot"),
    "paiements_lot_payer": lambda s: reverse("paiements_lot_payer", args=[s["lot_en_banque"].pk]),
    "paiements_lot_retour": lambda s: reverse("paiements_lot_retour", args=[s["lot_en_banque"].pk]),
    "paiements_versement_rejeter": lambda s: reverse(
        "paiements_versement_rejeter", args=[s["en_banque"].pk]
    ),
    "paiements_versement_reemettre": lambda s: reverse(
        "paiements_versement_reemettre", args=[s["en_banque"].pk]
    ),
    "bilan_accepter": lambda s: reverse(
        "bilan_accepter", args=[s["somme"]["a_valider"].convention.dossier_id]
    ),
    "indu_remboursement": lambda s: reverse(
        "indu_remboursement", args=[s["somme"]["a_payer"].convention.dossier_id]
    ),
}


@pytest.mark.parametrize("nom", sorted(ACTIONS))
def test_chaque_action_des_listes_est_refusee_au_national(national, scene, nom) -> None:
    en_banque = scene["en_banque"]
    reponse = national.post(
        ACTIONS[nom](scene),
        {
            "versements": [scene["rhone"]["a_valider"].pk],
            "date_execution": AUJOURD_HUI().isoformat(),
            "date_paiement": AUJOURD_HUI().isoformat(),
            "motif": "Contrôle national.",
            "montant": "10.00",
        },
    )
    assert reponse.status_code == 403
    assert LECTURE_SEULE in texte(reponse)
    en_banque.refresh_from_db()
    assert en_banque.etat == E.MIS_EN_PAIEMENT
    scene["rhone"]["a_valider"].refresh_from_db()
    assert scene["rhone"]["a_valider"].etat == E.A_VALIDER
    assert LotPaiement.objects.count() == 3


def test_les_capacites_du_national_ne_disent_que_voir(utilisateurs) -> None:
    capacites = capacites_paiements(utilisateurs["national"])
    assert capacites["voir"] is True
    assert not any(valeur for cle, valeur in capacites.items() if cle != "voir")


@pytest.mark.parametrize("nom", sorted(PAGES))
@pytest.mark.parametrize(("persona", "statut"), [("porteur", 403), ("anonyme", 302)])
def test_le_porteur_et_l_anonyme_sont_refuses(client_de, scene, nom, persona, statut) -> None:
    reponse = client_de(persona).get(PAGES[nom](scene))
    assert reponse.status_code == statut
    if persona == "anonyme":
        assert "connexion" in reponse["Location"]
    else:
        assert "réservée aux agents des Caf" in texte(reponse)


def test_le_menu_du_national_mene_aux_listes(national) -> None:
    liens = {lien.libelle: lien.url for lien in national.get("/simulateur/").context["navigation"]}
    assert liens["Bilans"] == reverse("bilans_caf")
    assert liens["Paiements"] == reverse("paiements_accueil")


# --- Un nombre constant de requêtes --------------------------------------------------------


def _requetes(client, adresse: str) -> int:
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(adresse)
    assert reponse.status_code == 200
    return len(requetes)


@pytest.mark.parametrize("quoi", sorted(LISTES))
@pytest.mark.parametrize("filtre", ["", "rhone"])
def test_les_listes_du_national_ont_un_nombre_constant_de_requetes(
    national, caf_rhone, caf_somme, campagnes, utilisateurs, quoi, filtre
) -> None:
    nom, parametres, _ = LISTES[quoi]
    adresse = _adresse(nom, parametres, **({"caf": caf_rhone.pk} if filtre else {}))
    for caf, cle in ((caf_rhone, "rhone"), (caf_somme, "somme")):
        _peupler(caf, campagnes[cle], utilisateurs, 1)
    peu = _requetes(national, adresse)
    for rang in (2, 3, 4):  # quatre fois plus de lignes
        for caf, cle in ((caf_rhone, "rhone"), (caf_somme, "somme")):
            _peupler(caf, campagnes[cle], utilisateurs, rang)
    assert _requetes(national, adresse) == peu


def test_la_page_d_un_lot_du_national_a_un_nombre_constant_de_requetes(
    national, caf_rhone, utilisateurs
) -> None:
    donner_un_compte(caf_rhone)
    campagne = creer_campagne(caf_rhone, "2026-2027", cree_par=utilisateurs["valideur"])

    def lot_de(nombre: int, annee: str) -> LotPaiement:
        for rang in range(nombre):
            convention_signee(
                caf_rhone,
                utilisateurs["instructeur"],
                utilisateurs["valideur"],
                "1000.00",
                etat=E.VALIDE,
                campagne=campagne,
                nom=f"Structure {annee}-{rang}",
            )
        return paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot

    petit, grand = lot_de(1, "p"), lot_de(4, "g")
    assert _requetes(national, reverse("paiements_lot", args=[petit.pk])) == _requetes(
        national, reverse("paiements_lot", args=[grand.pk])
    )


def test_les_versements_a_valider_du_national_sont_par_pages(
    national, scene, caf_rhone, monkeypatch
) -> None:
    """Toutes les Caf : la liste ne montre qu'une page, le total et le nombre portent sur
    toutes les lignes ; la page suivante garde l'onglet et la Caf choisie."""
    from clas.versements import views

    monkeypatch.setattr(views, "VERSEMENTS_PAR_PAGE", 1)
    monkeypatch.setattr(views, "LOTS_PAR_PAGE", 1)
    page = texte(national.get(reverse("paiements_accueil") + "?onglet=a-valider"))
    assert "À valider (2)" in page
    assert "Versements à valider : 2 pour 6\xa0300,00\xa0€" in page
    assert page.count("Structure 69-1 A<") + page.count("Structure 80-1 A<") == 1
    assert 'href="?page_a_valider=2&onglet=a-valider"' in page
    seule = texte(national.get(reverse("paiements_accueil") + f"?caf={caf_rhone.pk}"))
    assert "À valider (1)" in seule
    assert "Lots (2)" in seule  # le lot à la banque et celui du versement payé
    assert f'href="?lots=2&onglet=lots&caf={caf_rhone.pk}"' in seule


@pytest.mark.parametrize("vue", ["paiements_export", "indus_export"])
def test_l_export_du_national_suit_la_caf_choisie(national, scene, caf_rhone, vue) -> None:
    """Les boutons d'export reprennent l'adresse de la page : la Caf choisie y est."""
    from tests.core.lecture_exports import dictionnaires_csv

    adresse = reverse(vue, args=["csv"])
    toutes = {ligne["Caf"] for ligne in dictionnaires_csv(national.get(adresse))}
    assert toutes == {"Caf du Rhône", "Caf de la Somme"}
    choisie = dictionnaires_csv(national.get(f"{adresse}?caf={caf_rhone.pk}"))
    assert choisie and {ligne["Caf"] for ligne in choisie} == {"Caf du Rhône"}
    page = texte(national.get(reverse("indus_liste") + f"?caf={caf_rhone.pk}"))
    assert f"{reverse('indus_export', args=['csv'])}?caf={caf_rhone.pk}" in page


@pytest.mark.parametrize("vue", ["paiements_export", "indus_export"])
@pytest.mark.parametrize("inconnue", ["999999", "abc", ""])
def test_une_caf_inconnue_exporte_toutes_les_caf_comme_la_page(
    national, scene, vue, inconnue
) -> None:
    """La page montre toutes les Caf quand `?caf=` n'en désigne aucune : l'export aussi."""
    from tests.core.lecture_exports import dictionnaires_csv

    adresse = reverse(vue, args=["csv"])
    lignes = dictionnaires_csv(national.get(f"{adresse}?caf={inconnue}"))
    assert {ligne["Caf"] for ligne in lignes} == {"Caf du Rhône", "Caf de la Somme"}
