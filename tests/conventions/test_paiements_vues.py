"""Les pages des paiements : droits des 8 personas sur chaque vue (POST compris), contenu,
messages, téléchargements, requêtes en nombre constant ; les versements sur les pages du
dossier (structure et Caf)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clas.bilans import regularisation
from clas.versements import actions as paiements
from clas.versements.models import EtatVersement, LotPaiement, Mouvement, Versement
from tests.instruction.outils import creer_campagne
from tests.outils import texte

from .paiements_fabrique import convention_signee, donner_un_compte

E = EtatVersement
AUJOURD_HUI = timezone.localdate


@pytest.fixture
def jeu(caf_rhone, utilisateurs, structure_a, monkeypatch):
    """Dans la Caf du Rhône (avec son compte) : un acompte à valider (structure A), un
    validé, et un lot contenant un acompte mis en paiement."""
    monkeypatch.setattr(regularisation, "cloturer_si_termine", lambda c, a: False)
    donner_un_compte(caf_rhone)
    campagne = creer_campagne(caf_rhone, "2026-2027", cree_par=utilisateurs["valideur"])

    def fabriquer(montant, **options):
        return convention_signee(
            caf_rhone,
            utilisateurs["instructeur"],
            utilisateurs["valideur"],
            montant,
            campagne=campagne,
            **options,
        )

    en_lot = fabriquer("2000.00", etat=E.VALIDE)
    lot = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    return {
        "a_valider": fabriquer("4500.00", structure=structure_a),
        "valide": fabriquer("1000.00", etat=E.VALIDE),
        "en_lot": Versement.objects.get(pk=en_lot.pk),
        "lot": lot,
        "fabriquer": fabriquer,
    }


CONNEXION = 302
REFUS_NON_AGENT = {"porteur": 403, "porteur_autre": 403, "national": 403, "anonyme": CONNEXION}


def _statuts(**agents: int) -> list[tuple[str, int]]:
    return list({**REFUS_NON_AGENT, **agents}.items())


def _est_connexion(reponse) -> bool:
    return reponse.status_code == 302 and "connexion" in reponse["Location"]


# --- Droits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "statut"),
    # L'administration nationale lit les paiements de toutes les Caf (lecture seule).
    _statuts(instructeur=200, instructeur_autre_caf=200, valideur=200, comptable=200, national=200),
)
def test_qui_voit_la_page_des_paiements(client_de, jeu, persona, statut):
    reponse = client_de(persona).get(reverse("paiements_accueil"))
    assert reponse.status_code == statut
    if persona == "anonyme":
        assert _est_connexion(reponse)
    numero = jeu["a_valider"].convention.dossier.numero
    if persona == "instructeur_autre_caf":
        assert numero not in texte(reponse)
    elif statut == 200:
        assert numero in texte(reponse)


@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=403, instructeur_autre_caf=403, valideur=302, comptable=403),
)
def test_seul_le_valideur_valide_par_la_page(client_de, jeu, persona, statut):
    versement = jeu["a_valider"]
    reponse = client_de(persona).post(reverse("paiements_valider"), {"versements": [versement.pk]})
    assert reponse.status_code == statut
    versement.refresh_from_db()
    assert (versement.etat == E.VALIDE) == (persona == "valideur")


@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=403, instructeur_autre_caf=403, valideur=403, comptable=302),
)
def test_seul_le_comptable_cree_un_lot_par_la_page(client_de, jeu, persona, statut):
    reponse = client_de(persona).post(
        reverse("paiements_creer_lot"), {"date_execution": AUJOURD_HUI().isoformat()}
    )
    assert reponse.status_code == statut
    jeu["valide"].refresh_from_db()
    assert (jeu["valide"].lot_id is not None) == (persona == "comptable")
    assert LotPaiement.objects.count() == (2 if persona == "comptable" else 1)


@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=200, instructeur_autre_caf=404, valideur=200, comptable=200, national=200),
)
def test_qui_voit_un_lot(client_de, jeu, persona, statut):
    reponse = client_de(persona).get(reverse("paiements_lot", args=[jeu["lot"].pk]))
    assert reponse.status_code == statut
    if statut == 200:
        page = texte(reponse)
        assert jeu["lot"].numero in page
        assert jeu["en_lot"].reference in page
        assert ("Marquer le lot payé" in page) == (persona == "comptable")
        assert ("Fichier de virement SEPA" in page) == (persona in ("valideur", "comptable"))


@pytest.mark.parametrize("nom", ["paiements_lot_sepa", "paiements_lot_csv"])
@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=403, instructeur_autre_caf=404, valideur=200, comptable=200),
)
def test_qui_telecharge_les_fichiers_du_lot(client_de, jeu, nom, persona, statut):
    reponse = client_de(persona).get(reverse(nom, args=[jeu["lot"].pk]))
    assert reponse.status_code == statut


@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=403, instructeur_autre_caf=404, valideur=403, comptable=302),
)
def test_seul_le_comptable_marque_le_lot_paye(client_de, jeu, persona, statut):
    reponse = client_de(persona).post(
        reverse("paiements_lot_payer", args=[jeu["lot"].pk]),
        {"date_paiement": AUJOURD_HUI().isoformat(), "reference_bancaire": "VIR-1"},
    )
    assert reponse.status_code == statut
    jeu["en_lot"].refresh_from_db()
    assert (jeu["en_lot"].etat == E.PAYE) == (persona == "comptable")
    assert Mouvement.objects.count() == (1 if persona == "comptable" else 0)


@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=403, instructeur_autre_caf=404, valideur=403, comptable=200),
)
def test_seul_le_comptable_importe_le_retour_de_la_banque(client_de, jeu, persona, statut):
    reference = jeu["en_lot"].reference
    fichier = SimpleUploadedFile(
        "retour.csv",
        f"reference;statut;date;reference_bancaire;motif\n{reference};paye;"
        f"{AUJOURD_HUI():%d/%m/%Y};VIR-9;\n".encode(),
    )
    reponse = client_de(persona).post(
        reverse("paiements_lot_retour", args=[jeu["lot"].pk]), {"fichier": fichier}
    )
    assert reponse.status_code == statut
    jeu["en_lot"].refresh_from_db()
    assert (jeu["en_lot"].etat == E.PAYE) == (persona == "comptable")
    if persona == "comptable":
        assert f"Ligne 2 : {reference} payé le" in texte(reponse)


@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=403, instructeur_autre_caf=404, valideur=403, comptable=302),
)
def test_seul_le_comptable_enregistre_un_rejet(client_de, jeu, persona, statut):
    versement = jeu["en_lot"]
    reponse = client_de(persona).post(
        reverse("paiements_versement_rejeter", args=[versement.pk]), {"motif": "Compte clos"}
    )
    assert reponse.status_code == statut
    versement.refresh_from_db()
    assert (versement.etat == E.REJETE) == (persona == "comptable")


@pytest.mark.parametrize(
    ("persona", "statut"),
    _statuts(instructeur=403, instructeur_autre_caf=404, valideur=302, comptable=302),
)
def test_qui_reemet_un_versement_rejete(client_de, jeu, utilisateurs, persona, statut):
    versement = jeu["en_lot"]
    paiements.rejeter_versement(versement, utilisateurs["comptable"], "Compte clos")
    reponse = client_de(persona).post(reverse("paiements_versement_reemettre", args=[versement.pk]))
    assert reponse.status_code == statut
    reemis = persona in ("valideur", "comptable")
    assert Versement.objects.filter(reemission_de=versement).exists() == reemis
    if reemis:
        # Un second envoi ne crée rien de plus.
        client_de(persona).post(reverse("paiements_versement_reemettre", args=[versement.pk]))
        assert Versement.objects.filter(reemission_de=versement).count() == 1


# --- Contenu et messages ------------------------------------------------------------------


def test_le_comptable_cree_un_lot_et_voit_le_message(comptable, jeu):
    reponse = comptable.post(
        reverse("paiements_creer_lot"),
        {"date_execution": (AUJOURD_HUI() + dt.timedelta(days=1)).isoformat()},
        follow=True,
    )
    page = texte(reponse)
    assert "créé : 1 versement pour 700,00" in page.replace("\u00a0", " ")
    lot = LotPaiement.objects.order_by("-pk").first()
    assert reponse.redirect_chain[-1][0] == reverse("paiements_lot", args=[lot.pk])


def test_creer_un_lot_sans_rien_a_payer_le_dit(comptable, jeu):
    comptable.post(reverse("paiements_creer_lot"), {"date_execution": AUJOURD_HUI().isoformat()})
    reponse = comptable.post(
        reverse("paiements_creer_lot"), {"date_execution": AUJOURD_HUI().isoformat()}, follow=True
    )
    assert "Rien à payer" in texte(reponse)
    assert LotPaiement.objects.count() == 2


def test_une_date_d_execution_passee_est_refusee_par_la_page(comptable, jeu):
    hier = AUJOURD_HUI() - dt.timedelta(days=1)
    reponse = comptable.post(
        reverse("paiements_creer_lot"), {"date_execution": hier.isoformat()}, follow=True
    )
    assert "Le lot n'a pas été créé. La date d'exécution" in texte(reponse)
    assert "est passée : choisissez aujourd'hui" in texte(reponse)
    assert LotPaiement.objects.count() == 1


def test_une_date_d_execution_lointaine_est_refusee_puis_corrigee(comptable, jeu):
    """La faute de frappe (2062 pour 2026) est refusée avec la limite ; corrigée, le lot part
    et garde la date corrigée."""
    lointaine = AUJOURD_HUI() + dt.timedelta(days=400)
    url = reverse("paiements_creer_lot")
    reponse = comptable.post(url, {"date_execution": lointaine.isoformat()})
    assert reponse.status_code == 400
    assert "est trop lointaine" in texte(reponse)
    assert f'value="{lointaine.isoformat()}"' in reponse.content.decode()
    assert LotPaiement.objects.count() == 1
    corrigee = AUJOURD_HUI() + dt.timedelta(days=7)
    comptable.post(url, {"date_execution": corrigee.isoformat()}, follow=True)
    lot = LotPaiement.objects.latest("id")
    assert LotPaiement.objects.count() == 2
    assert lot.date_execution == corrigee
    page = texte(comptable.get(reverse("paiements_lot", args=[lot.pk])))
    assert corrigee.strftime("%d/%m/%Y") in page


def test_les_fichiers_du_lot_se_telechargent(comptable, jeu):
    lot = jeu["lot"]
    sepa = comptable.get(reverse("paiements_lot_sepa", args=[lot.pk]))
    contenu = b"".join(sepa.streaming_content)
    assert sepa["Content-Type"] == "application/xml"
    assert f'filename="{lot.numero}.xml"' in sepa["Content-Disposition"]
    assert b"pain.001.001.03" in contenu and jeu["en_lot"].reference.encode() in contenu

    recap = comptable.get(reverse("paiements_lot_csv", args=[lot.pk]))
    assert recap["Content-Type"] == "text/csv; charset=utf-8"
    assert recap.content.startswith(b"\xef\xbb\xbf")
    texte_csv = recap.content.decode("utf-8-sig")
    assert texte_csv.splitlines()[0].startswith("Référence (EndToEndId);Dossier;")
    assert ";1400,00;" in texte_csv


def test_le_recapitulatif_ne_porte_aucune_formule(comptable, jeu):
    """Un nom de structure saisi comme une formule reste un texte dans le tableur ; le
    montant reste un nombre."""
    versement = jeu["en_lot"]
    structure = versement.convention.dossier.structure
    structure.nom = '=HYPERLINK("http://exemple.invalid","Cliquez")'
    structure.save(update_fields=["nom"])
    versement.motif_rejet = "@SUM(1+1)"
    versement.save(update_fields=["motif_rejet"])
    recap = comptable.get(reverse("paiements_lot_csv", args=[jeu["lot"].pk]))
    lignes = list(csv.reader(io.StringIO(recap.content.decode("utf-8-sig")), delimiter=";"))
    ligne = next(ligne for ligne in lignes if ligne[0] == versement.reference)
    assert ligne[2] == "'" + structure.nom
    assert ligne[10] == "'@SUM(1+1)"
    assert ligne[4] == "1400,00"
    for cellule in (c for ligne in lignes for c in ligne):
        assert not cellule.startswith(("=", "+", "@", "\t", "\r")), cellule


def test_marquer_paye_sans_reference_reaffiche_le_formulaire(comptable, jeu):
    reponse = comptable.post(
        reverse("paiements_lot_payer", args=[jeu["lot"].pk]),
        {"date_paiement": AUJOURD_HUI().isoformat(), "reference_bancaire": ""},
    )
    assert reponse.status_code == 400
    assert "Le lot n'a pas été marqué payé" in texte(reponse)
    assert not Mouvement.objects.exists()


def test_marquer_paye_deux_fois_par_la_page(comptable, jeu):
    donnees = {"date_paiement": AUJOURD_HUI().isoformat(), "reference_bancaire": "VIR-1"}
    url = reverse("paiements_lot_payer", args=[jeu["lot"].pk])
    comptable.post(url, donnees)
    reponse = comptable.post(url, donnees, follow=True)
    assert "était déjà traité : rien n'a changé" in texte(reponse)
    assert Mouvement.objects.count() == 1


def test_un_retour_sans_aucune_ligne_applicable_est_explique_ligne_par_ligne(comptable, jeu):
    fichier = SimpleUploadedFile(
        "retour.csv",
        b"reference;statut;date;reference_bancaire;motif\nINCONNUE;paye;01/01/2026;V;\n",
    )
    reponse = comptable.post(
        reverse("paiements_lot_retour", args=[jeu["lot"].pk]), {"fichier": fichier}
    )
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Aucune ligne du retour n'a été appliquée : 1 ligne refusée" in page
    assert "Ligne 2 : la référence « INCONNUE » n'est pas dans le lot" in page


def test_un_fichier_illisible_n_est_pas_applique(comptable, jeu):
    fichier = SimpleUploadedFile("retour.xml", b"<Document><CstmrPmtStsRpt>")
    reponse = comptable.post(
        reverse("paiements_lot_retour", args=[jeu["lot"].pk]), {"fichier": fichier}
    )
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Fichier illisible, rien n'est appliqué" in page
    assert "Le fichier XML est mal formé" in page


def test_un_rejet_sans_motif_est_refuse_par_la_page(comptable, jeu):
    versement = jeu["en_lot"]
    reponse = comptable.post(
        reverse("paiements_versement_rejeter", args=[versement.pk]), {"motif": ""}, follow=True
    )
    assert "Le rejet n'a pas été enregistré : Indiquez le motif du rejet" in texte(reponse)
    versement.refresh_from_db()
    assert versement.etat == E.MIS_EN_PAIEMENT


# --- Requêtes en nombre constant ----------------------------------------------------------


def _requetes(client, url) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def test_la_page_des_paiements_fait_autant_de_requetes_avec_2_ou_20_versements(comptable, jeu):
    url = reverse("paiements_accueil")
    avant = _requetes(comptable, url)
    for rang in range(9):
        jeu["fabriquer"](f"{1000 + rang}.00")
        jeu["fabriquer"](f"{2000 + rang}.00", etat=E.VALIDE)
    assert _requetes(comptable, url) == avant


def test_la_page_d_un_lot_fait_autant_de_requetes_avec_2_ou_20_versements(
    comptable, jeu, caf_rhone, utilisateurs
):
    jeu["fabriquer"]("3000.00", etat=E.VALIDE)
    petit = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    for rang in range(20):
        jeu["fabriquer"](f"{1000 + rang}.00", etat=E.VALIDE)
    grand = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    assert grand.nb_versements > petit.nb_versements + 10
    assert _requetes(comptable, reverse("paiements_lot", args=[petit.pk])) == _requetes(
        comptable, reverse("paiements_lot", args=[grand.pk])
    )


# --- Sur les pages du dossier -------------------------------------------------------------


def test_la_structure_voit_ses_versements_et_sa_situation(porteur, jeu, utilisateurs):
    versement = jeu["a_valider"]
    paiements.valider_versements([versement], utilisateurs["valideur"])
    page = texte(porteur.get(reverse("dossier_detail", args=[versement.convention.dossier_id])))
    page = page.replace("\u00a0", " ")
    assert "Versements de la Caf" in page
    assert "Décidé : 4 500,00 €" in page
    assert "Versé : 0,00 €" in page
    assert "En cours : 3 150,00 €" in page
    assert "Validé" in page


def test_la_structure_voit_le_motif_d_un_rejet_et_le_paiement(
    porteur, jeu, caf_rhone, utilisateurs
):
    versement = jeu["a_valider"]
    paiements.valider_versements([versement], utilisateurs["valideur"])
    paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())
    paiements.rejeter_versement(versement, utilisateurs["comptable"], "Compte clos")
    url = reverse("dossier_detail", args=[versement.convention.dossier_id])
    assert "Virement rejeté par la banque : Compte clos" in texte(porteur.get(url))

    nouveau, _ = paiements.reemettre(versement, utilisateurs["comptable"])
    paiements.valider_versements([nouveau], utilisateurs["valideur"])
    lot = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    paiements.marquer_lot_paye(lot, utilisateurs["comptable"], AUJOURD_HUI(), "VIR")
    page = texte(porteur.get(url)).replace("\u00a0", " ")
    assert "Versé : 3 150,00 €" in page
    assert f"{AUJOURD_HUI():%d/%m/%Y}" in page


def test_la_page_caf_du_dossier_montre_la_convention_et_le_bouton_valider(
    valideur, instructeur, jeu
):
    versement = jeu["a_valider"]
    url = reverse("instruction_dossier", args=[versement.convention.dossier_id])
    page = texte(valideur.get(url))
    assert "depuis l'adresse IP 192.0.2.10" in page
    assert reverse("convention_pdf", args=[versement.convention.dossier_id]) in page
    assert "Valider acompte de 3" in page
    assert "Valider acompte" not in texte(instructeur.get(url))

    reponse = valideur.post(
        reverse("paiements_valider"),
        {"versements": [versement.pk], "suivant": url + "#versements"},
    )
    assert reponse["Location"] == url + "#versements"
    versement.refresh_from_db()
    assert versement.etat == E.VALIDE


def test_rien_sur_la_page_d_un_dossier_sans_convention(porteur, dossier):
    page = texte(porteur.get(reverse("dossier_detail", args=[dossier.pk])))
    assert "Versements de la Caf" not in page


def test_la_page_caf_du_dossier_fait_autant_de_requetes_avec_1_ou_3_versements(
    valideur, jeu, utilisateurs, caf_rhone
):
    versement = jeu["a_valider"]
    url = reverse("instruction_dossier", args=[versement.convention.dossier_id])
    avant = _requetes(valideur, url)
    paiements.valider_versements([versement], utilisateurs["valideur"])
    paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())
    paiements.rejeter_versement(versement, utilisateurs["comptable"], "Compte clos")
    paiements.reemettre(versement, utilisateurs["comptable"])
    assert _requetes(valideur, url) == avant


def test_une_date_d_execution_refusee_reste_dans_le_champ(comptable, jeu):
    hier = AUJOURD_HUI() - dt.timedelta(days=1)
    reponse = comptable.post(reverse("paiements_creer_lot"), {"date_execution": hier.isoformat()})
    assert reponse.status_code == 400
    assert f'value="{hier.isoformat()}"' in reponse.content.decode()
    assert "est passée : choisissez aujourd'hui" in texte(reponse)
