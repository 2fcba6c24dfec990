"""La saisie d'un dossier par étapes : enregistrement, brouillon des saisies invalides,
verrou optimiste, collectifs, budget, panneau du barème, pièces et attestation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.dossiers.bareme import estimer
from clas.dossiers.models import (
    Collectif,
    Dossier,
    EtatDossier,
    Evenement,
    Intervenant,
    LigneBudget,
    PieceDossier,
)
from clas.structures.models import MembreStructure, PieceJustificative, RoleMembre
from tests.factories import MembreStructureFactory
from tests.outils import cases_cochees, champs, texte

from .outils_saisie import (
    PROJET,
    collectif,
    exemple_clas,
    formulaire_collectifs,
    poster,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def url(dossier: Dossier, etape: str) -> str:
    return f"/dossiers/{dossier.pk}/etapes/{etape}/"


def recharger(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


# --- Le parcours ---------------------------------------------------------------------------


def test_le_parcours_complet_enregistre_chaque_etape(porteur, dossier) -> None:
    reponse = porteur.get(url(dossier, "projet"))
    assert reponse.status_code == 200
    assert "Étape 1 sur 5" in texte(reponse)

    reponse = poster(porteur, dossier, "projet", PROJET, action="suivant")
    assert reponse.status_code == 302
    assert reponse["Location"] == url(dossier, "collectifs")
    assert recharger(dossier).titre == "Réussir ensemble"

    reponse = poster(
        porteur, dossier, "collectifs", formulaire_collectifs(exemple_clas()), action="suivant"
    )
    assert reponse.status_code == 302, texte(reponse)[:3000]
    assert reponse["Location"] == url(dossier, "budget")
    assert Collectif.objects.filter(dossier=dossier).count() == 3
    assert Intervenant.objects.filter(collectif__dossier=dossier).count() == 6

    reponse = poster(
        porteur,
        dossier,
        "budget",
        {
            "charge_64": "20 000,00",
            "charge_60": "4000",
            "produit_74_commune": "10 000",
            "ps_demandee": "8 889,00",
        },
        action="suivant",
    )
    assert reponse.status_code == 302, texte(reponse)[:3000]
    assert reponse["Location"] == url(dossier, "documents")

    reponse = poster(porteur, dossier, "documents", {}, action="suivant")
    assert reponse.status_code == 302
    assert reponse["Location"] == url(dossier, "attestation")

    reponse = poster(porteur, dossier, "attestation", {"atteste": "on"}, action="signer")
    assert reponse.status_code == 302
    dossier = recharger(dossier)
    assert dossier.attestation_par.email == "porteur.a@exemple.fr"
    assert dossier.attestation_le is not None
    assert Evenement.objects.filter(dossier=dossier, type="attestation").exists()
    # La dernière étape mène à la page du dossier (vérification et dépôt).
    reponse = porteur.get(url(dossier, "attestation"))
    assert f'href="/dossiers/{dossier.pk}/"' in reponse.content.decode()


def test_precedent_enregistre_et_revient_a_l_etape_precedente(porteur, dossier) -> None:
    reponse = poster(
        porteur, dossier, "collectifs", formulaire_collectifs([collectif()]), "precedent"
    )
    assert reponse.status_code == 302
    assert reponse["Location"] == url(dossier, "projet")
    assert Collectif.objects.filter(dossier=dossier).count() == 1


def test_chaque_enregistrement_incremente_la_version(porteur, dossier) -> None:
    assert dossier.version == 1
    poster(porteur, dossier, "projet", PROJET)
    poster(porteur, dossier, "projet", {**PROJET, "titre": "Autre titre"})
    assert recharger(dossier).version == 3


def test_une_etape_inconnue_est_introuvable(porteur, dossier) -> None:
    assert porteur.get(url(dossier, "inconnue")).status_code == 404


# --- Rien de ce qui est tapé n'est perdu ---------------------------------------------------


def test_une_saisie_invalide_est_gardee_et_restauree_avec_ses_erreurs(porteur, dossier) -> None:
    donnees = {**PROJET, "titre": "", "resume": "Mon résumé tapé avec soin."}
    reponse = poster(porteur, dossier, "projet", donnees, action="suivant")

    assert reponse.status_code == 400
    assert "Donnez un titre au projet" in texte(reponse)
    assert champs(reponse)["resume"] == "Mon résumé tapé avec soin."
    dossier = recharger(dossier)
    assert dossier.saisies_en_cours["projet"]["resume"] == ["Mon résumé tapé avec soin."]
    assert dossier.resume == ""  # les modèles ne reçoivent que du valide

    # Plus tard, en rouvrant l'étape : la saisie et son erreur sont là.
    reponse = porteur.get(url(dossier, "projet"))
    assert reponse.status_code == 200
    assert champs(reponse)["resume"] == "Mon résumé tapé avec soin."
    assert "Donnez un titre au projet" in texte(reponse)
    assert "à corriger" in texte(reponse)

    # Une fois corrigée, la saisie en cours disparaît.
    reponse = poster(porteur, dossier, "projet", {**donnees, "titre": "Titre"})
    assert reponse.status_code == 302
    dossier = recharger(dossier)
    assert "projet" not in dossier.saisies_en_cours
    assert dossier.resume == "Mon résumé tapé avec soin."


def test_des_collectifs_invalides_sont_gardes_tels_quels(porteur, dossier) -> None:
    donnees = formulaire_collectifs([collectif(nb_enfants="treize"), collectif(1, nom="B")])
    reponse = poster(porteur, dossier, "collectifs", donnees)

    assert reponse.status_code == 400
    assert "Saisissez un nombre entier" in texte(reponse)
    reponse = porteur.get(url(dossier, "collectifs"))
    valeurs = champs(reponse)
    assert valeurs["collectifs-0-nb_enfants"] == "treize"
    assert valeurs["collectifs-1-nom"] == "B"
    assert "collectifs-1-niveaux" not in valeurs  # cases : voir ci-dessous
    assert "collectifs-0-niveaux" in set(cases_cochees(reponse))


# --- Verrou optimiste ----------------------------------------------------------------------


def test_une_modification_perimee_est_refusee_sans_rien_ecraser(
    porteur, client_de, dossier, utilisateurs
) -> None:
    collegue_user = MembreStructureFactory(
        structure=dossier.structure,
        role=RoleMembre.CONTRIBUTEUR,
        utilisateur__prenom="Chloé",
        utilisateur__nom="Durand",
    ).utilisateur
    from django.test import Client

    collegue = Client()
    collegue.force_login(collegue_user)
    version_ouverte = recharger(dossier).version  # les deux ouvrent la page

    assert (
        poster(
            collegue,
            dossier,
            "projet",
            {**PROJET, "titre": "Titre de Chloé"},
            version=version_ouverte,
        ).status_code
        == 302
    )
    reponse = poster(
        porteur, dossier, "projet", {**PROJET, "titre": "Mon titre"}, version=version_ouverte
    )

    assert reponse.status_code == 409
    contenu = texte(reponse)
    assert "Ce dossier a été modifié par Chloé Durand le" in contenu
    assert "Vos saisies sont conservées ci-dessous" in contenu
    assert champs(reponse)["titre"] == "Mon titre"
    dossier = recharger(dossier)
    assert dossier.titre == "Titre de Chloé"
    assert dossier.version == version_ouverte + 1


def test_une_saisie_invalide_perimee_n_ecrase_pas_non_plus(porteur, dossier) -> None:
    poster(porteur, dossier, "projet", PROJET)
    reponse = poster(porteur, dossier, "projet", {"titre": ""}, version=1)
    assert reponse.status_code == 409
    assert "projet" not in recharger(dossier).saisies_en_cours


# --- Collectifs ----------------------------------------------------------------------------


def test_ajouter_puis_retirer_un_collectif_sans_javascript(porteur, dossier) -> None:
    donnees = formulaire_collectifs([collectif(0, nom="A"), collectif(1, nom="B")])
    reponse = poster(porteur, dossier, "collectifs", donnees, action="ajouter_collectif")
    assert reponse.status_code == 200
    valeurs = champs(reponse)
    assert valeurs["collectifs-TOTAL_FORMS"] == "3"
    assert valeurs["collectifs-2-nom"] == ""
    assert list(Collectif.objects.filter(dossier=dossier).values_list("nom", flat=True)) == [
        "A",
        "B",
    ]
    # La ligne vide ajoutée est ignorée ; on retire la première.
    ids = list(Collectif.objects.filter(dossier=dossier).values_list("id", flat=True))
    donnees = formulaire_collectifs(
        [collectif(0, nom="A", id=ids[0]), collectif(1, nom="B", id=ids[1]), {}]
    )
    reponse = poster(porteur, dossier, "collectifs", donnees, action="retirer_collectif-0")
    assert reponse.status_code == 200
    assert list(Collectif.objects.filter(dossier=dossier).values_list("id", "nom")) == [
        (ids[1], "B")
    ]
    assert champs(reponse)["collectifs-TOTAL_FORMS"] == "1"


def test_un_collectif_garde_son_identifiant_quand_on_le_modifie(porteur, dossier) -> None:
    poster(porteur, dossier, "collectifs", formulaire_collectifs([collectif(nom="A")]))
    pk = Collectif.objects.get(dossier=dossier).pk
    poster(porteur, dossier, "collectifs", formulaire_collectifs([collectif(nom="A2", id=pk)]))
    assert list(Collectif.objects.filter(dossier=dossier).values_list("id", "nom")) == [(pk, "A2")]


def test_un_collectif_est_enregistre_avec_tous_ses_champs(porteur, dossier) -> None:
    donnees = formulaire_collectifs(
        [
            collectif(
                milieu_rural=True,
                enfant_en_situation_de_handicap=True,
                nb_enfants="5",
                semaines_de_fonctionnement="18",
                premiere_semaine="05/01/2027",
                bonus_accompagnement_parents=True,
                description_accompagnement_parents="Aide aux dossiers de bourses.",
            )
        ]
    )
    assert poster(porteur, dossier, "collectifs", donnees).status_code == 302
    c = Collectif.objects.get(dossier=dossier)
    assert c.niveaux == ["CM1", "CM2"]
    assert c.nb_enfants == 5
    assert c.milieu_rural and c.enfant_en_situation_de_handicap
    assert c.premiere_semaine == dt.date(2027, 1, 5)
    assert c.semaines_de_fonctionnement == 18
    assert c.horaires == [
        {"jour": "mardi", "debut": "16:45", "fin": "18:15"},
        {"jour": "mercredi", "debut": "14:00", "fin": "16:00"},
    ]
    assert c.description_accompagnement_parents == "Aide aux dossiers de bourses."
    assert [(i.nom, i.statut, i.qualification) for i in c.intervenants.all()] == [
        ("Alice Martin", "salarie", "BAFA"),
        ("Bruno Petit", "benevole", ""),
    ]
    # Réaffiché tel quel.
    valeurs = champs(porteur.get(url(dossier, "collectifs")))
    assert valeurs["collectifs-0-intervenant_2_nom"] == "Bruno Petit"
    assert valeurs["collectifs-0-horaire_2_debut"] == "14:00"
    assert valeurs["collectifs-0-premiere_semaine"] == "2027-01-05"


def test_zero_collectif_est_refuse(porteur, dossier) -> None:
    reponse = poster(porteur, dossier, "collectifs", formulaire_collectifs([]))
    assert reponse.status_code == 400
    assert "Déclarez au moins un collectif" in texte(reponse)


@pytest.mark.lent
def test_plus_de_200_collectifs_est_refuse(porteur, dossier) -> None:
    donnees = formulaire_collectifs([{"nom": f"C{i}"} for i in range(201)])
    reponse = poster(porteur, dossier, "collectifs", donnees)
    assert reponse.status_code == 400
    assert "Au plus 200 collectifs par dossier" in texte(reponse)
    assert not Collectif.objects.filter(dossier=dossier).exists()


@pytest.mark.parametrize(
    ("valeur", "message"),
    [("-1", "entre 0 et 100"), ("101", "entre 0 et 100"), ("dix", "nombre entier")],
)
def test_un_nombre_d_enfants_absurde_est_refuse(porteur, dossier, valeur, message) -> None:
    reponse = poster(
        porteur, dossier, "collectifs", formulaire_collectifs([collectif(nb_enfants=valeur)])
    )
    assert reponse.status_code == 400
    assert message in texte(reponse)


def test_un_nombre_de_semaines_hors_de_1_a_52_est_refuse(porteur, dossier) -> None:
    reponse = poster(
        porteur,
        dossier,
        "collectifs",
        formulaire_collectifs([collectif(semaines_de_fonctionnement="53")]),
    )
    assert reponse.status_code == 400
    assert "entre 1 et 52" in texte(reponse)


@pytest.mark.parametrize(
    ("jour", "debut", "fin"),
    [("lundi", "15:00", "17:00"), ("jeudi", "08:00", "09:00"), ("mercredi", "10:00", "11:30")],
)
def test_une_seance_pendant_le_temps_scolaire_est_refusee(porteur, dossier, jour, debut, fin):
    donnees = formulaire_collectifs(
        [collectif(horaire_1_jour=jour, horaire_1_debut=debut, horaire_1_fin=fin)]
    )
    reponse = poster(porteur, dossier, "collectifs", donnees)
    assert reponse.status_code == 400
    assert "pendant le temps scolaire" in texte(reponse)


@pytest.mark.parametrize(
    ("jour", "debut", "fin"),
    [("lundi", "16:30", "18:00"), ("mercredi", "13:30", "16:00"), ("samedi", "09:00", "11:00")],
)
def test_une_seance_hors_temps_scolaire_est_acceptee(porteur, dossier, jour, debut, fin):
    donnees = formulaire_collectifs(
        [collectif(horaire_1_jour=jour, horaire_1_debut=debut, horaire_1_fin=fin)]
    )
    assert poster(porteur, dossier, "collectifs", donnees).status_code == 302


def test_une_seance_qui_finit_avant_de_commencer_est_refusee(porteur, dossier) -> None:
    donnees = formulaire_collectifs(
        [collectif(horaire_1_jour="mardi", horaire_1_debut="18:00", horaire_1_fin="17:00")]
    )
    reponse = poster(porteur, dossier, "collectifs", donnees)
    assert reponse.status_code == 400
    assert "L'heure de fin doit être après l'heure de début" in texte(reponse)


def test_un_bonus_sans_description_est_refuse(porteur, dossier) -> None:
    donnees = formulaire_collectifs([collectif(bonus_projets_culturels=True)])
    reponse = poster(porteur, dossier, "collectifs", donnees)
    assert reponse.status_code == 400
    assert "Décrivez les actions prévues" in texte(reponse)


def test_un_intervenant_sans_statut_est_refuse(porteur, dossier) -> None:
    donnees = formulaire_collectifs([collectif(intervenant_3_nom="Chloé")])
    reponse = poster(porteur, dossier, "collectifs", donnees)
    assert reponse.status_code == 400
    assert "salarié ou bénévole" in texte(reponse)


# --- Budget et panneau du barème -----------------------------------------------------------


def test_le_budget_accepte_les_decimales_a_la_francaise_et_affiche_les_totaux(
    porteur, dossier
) -> None:
    reponse = poster(
        porteur,
        dossier,
        "budget",
        {
            "charge_64": "20 000,50",
            "charge_86": "1 000",
            "produit_74_etat": "5 000",
            "produit_74_commune": "3 000,50",
            "produit_87": "1000",
            "ps_demandee": "12 000",
        },
    )
    assert reponse.status_code == 302
    lignes = {
        (lg.nature, lg.compte, lg.financeur): lg.montant
        for lg in LigneBudget.objects.filter(dossier=dossier)
    }
    assert lignes[("charge", "64", "")] == Decimal("20000.50")
    assert lignes[("produit", "74", "commune")] == Decimal("3000.50")
    assert recharger(dossier).ps_demandee == Decimal("12000")

    contenu = texte(porteur.get(url(dossier, "budget")))
    assert "21\u00a0000,50\u00a0€" in contenu  # charges
    assert "21\u00a0000,50\u00a0€" in contenu  # produits, PS comprise
    assert "Budget équilibré" in contenu
    assert champs(porteur.get(url(dossier, "budget")))["charge_64"] == "20 000,50"


@pytest.mark.parametrize("valeur", ["-5", "abc", "12,345"])
def test_un_montant_invalide_est_refuse(porteur, dossier, valeur) -> None:
    reponse = poster(porteur, dossier, "budget", {"charge_60": valeur})
    assert reponse.status_code == 400
    assert not LigneBudget.objects.filter(dossier=dossier).exists()


def test_le_panneau_donne_8889_euros_pour_l_exemple_de_clas_md(porteur, dossier) -> None:
    poster(porteur, dossier, "collectifs", formulaire_collectifs(exemple_clas()))
    poster(
        porteur,
        dossier,
        "budget",
        {
            "charge_60": "4 000",
            "charge_64": "20 000",
            "produit_74_commune": "10 000",
            "ps_demandee": "14 000",
        },
    )
    reponse = porteur.get(url(dossier, "budget"))
    contenu = texte(reponse)
    assert "8\u00a0889,00\u00a0€" in contenu
    collectifs = list(Collectif.objects.filter(dossier=dossier).prefetch_related("intervenants"))
    attendu = estimer(dossier, collectifs, list(LigneBudget.objects.filter(dossier=dossier)))
    assert attendu is not None and attendu.montant_total == Decimal("8889.00")
    assert reponse.context["panneau"].resultat == attendu
    # La PS demandée dépasse l'estimation : le panneau le dit ; le budget est équilibré.
    assert "dépasse l'estimation du barème" in contenu
    assert "Budget non équilibré" not in contenu


def test_le_panneau_signale_un_budget_non_equilibre(porteur, dossier) -> None:
    poster(porteur, dossier, "budget", {"charge_60": "1000", "produit_70": "200"})
    contenu = texte(porteur.get(url(dossier, "projet")))
    assert "Budget non équilibré" in contenu
    assert "écart 800,00\u00a0€" in contenu


def test_un_budget_vide_n_est_pas_dit_equilibre(porteur, dossier) -> None:
    contenu = texte(porteur.get(url(dossier, "budget")))
    assert "Budget non renseigné" in contenu
    assert "Budget équilibré" not in contenu


def test_apres_une_erreur_les_totaux_sont_dits_ceux_du_dernier_enregistrement(
    porteur, dossier
) -> None:
    reponse = poster(porteur, dossier, "budget", {"charge_60": "mille", "produit_70": "200"})
    assert reponse.status_code == 400
    contenu = texte(reponse)
    assert "Saisissez un montant en euros" in contenu
    assert "Les totaux ci-dessous sont ceux du dernier enregistrement" in contenu
    # La saisie erronée est gardée dans le brouillon : la page rouverte le dit encore,
    # jusqu'à la correction.
    assert "Les totaux ci-dessous" in texte(porteur.get(url(dossier, "budget")))
    poster(porteur, dossier, "budget", {"charge_60": "1000", "produit_70": "200"})
    assert "Les totaux ci-dessous" not in texte(porteur.get(url(dossier, "budget")))


def test_le_panneau_montre_les_motifs_d_ineligibilite(porteur, dossier) -> None:
    poster(porteur, dossier, "collectifs", formulaire_collectifs([collectif(nb_enfants="3")]))
    contenu = texte(porteur.get(url(dossier, "collectifs")))
    assert "Non éligible" in contenu


def test_l_estimation_est_un_fragment_pour_htmx_et_une_page_sinon(porteur, dossier) -> None:
    fragment = porteur.get(f"/dossiers/{dossier.pk}/estimation/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert texte(fragment).lstrip().startswith("{#") is False
    assert "<html" not in fragment.content.decode()
    assert 'id="panneau-bareme"' in fragment.content.decode()
    page = porteur.get(f"/dossiers/{dossier.pk}/estimation/")
    assert "<html" in page.content.decode()


# --- Pièces --------------------------------------------------------------------------------


def test_une_piece_deposee_va_dans_le_coffre_fort_et_est_jointe(porteur, dossier) -> None:
    reponse = porteur.post(
        url(dossier, "documents"),
        {
            "version": "1",
            "action": "enregistrer",
            "nouveau_type": "statuts",
            "nouveau_fichier": SimpleUploadedFile("statuts.pdf", PDF, "application/pdf"),
        },
    )
    assert reponse.status_code == 302, texte(reponse)[:2000]
    piece = PieceJustificative.objects.get(structure=dossier.structure)
    assert piece.type_mime == "application/pdf"
    assert piece.deposee_par.email == "porteur.a@exemple.fr"
    assert PieceDossier.objects.filter(dossier=dossier, piece=piece).exists()

    # Décocher la retire du dossier, pas du coffre-fort.
    poster(porteur, dossier, "documents", {})
    assert not PieceDossier.objects.filter(dossier=dossier).exists()
    assert PieceJustificative.objects.filter(pk=piece.pk).exists()
    # La recocher la joint à nouveau.
    poster(porteur, dossier, "documents", {"pieces": [str(piece.pk)]})
    assert PieceDossier.objects.filter(dossier=dossier, piece=piece).exists()


def test_un_fichier_qui_n_est_pas_ce_qu_il_pretend_est_refuse(porteur, dossier) -> None:
    reponse = porteur.post(
        url(dossier, "documents"),
        {
            "version": "1",
            "nouveau_type": "rib",
            "nouveau_fichier": SimpleUploadedFile(
                "rib.pdf", b"MZ\x90\x00 pas un pdf", "application/pdf"
            ),
        },
    )
    assert reponse.status_code == 400
    assert "n'est ni un PDF" in texte(reponse)
    assert not PieceJustificative.objects.exists()
    assert recharger(dossier).saisies_en_cours["documents"]["nouveau_type"] == ["rib"]


def test_les_pieces_expirees_sont_signalees(porteur, dossier, utilisateurs) -> None:
    from django.core.files.base import ContentFile

    piece = PieceJustificative(
        structure=dossier.structure,
        type_piece="assurance",
        nom_fichier="assurance.pdf",
        taille=len(PDF),
        type_mime="application/pdf",
        date_validite=dt.date(2020, 1, 1),
        deposee_par=utilisateurs["porteur"],
    )
    piece.fichier.save("assurance.pdf", ContentFile(PDF), save=False)
    piece.save()
    contenu = texte(porteur.get(url(dossier, "documents")))
    assert "EXPIRÉE depuis le 01/01/2020" in contenu


def test_une_piece_d_une_autre_structure_ne_peut_pas_etre_jointe(
    porteur, dossier, structure_b, utilisateurs
) -> None:
    from django.core.files.base import ContentFile

    autre = PieceJustificative(
        structure=structure_b,
        type_piece="rib",
        nom_fichier="rib.pdf",
        taille=len(PDF),
        type_mime="application/pdf",
        deposee_par=utilisateurs["porteur_autre"],
    )
    autre.fichier.save("rib.pdf", ContentFile(PDF), save=False)
    autre.save()
    reponse = poster(porteur, dossier, "documents", {"pieces": [str(autre.pk)]})
    assert reponse.status_code == 400
    assert not PieceDossier.objects.exists()


# --- Attestation ---------------------------------------------------------------------------


def test_un_contributeur_ne_peut_pas_signer_l_attestation(porteur, dossier, utilisateurs):
    MembreStructure.objects.filter(utilisateur=utilisateurs["porteur"]).update(
        role=RoleMembre.CONTRIBUTEUR
    )
    reponse = porteur.get(url(dossier, "attestation"))
    assert reponse.status_code == 200
    contenu = texte(reponse)
    assert "Seul un administrateur ou un signataire" in contenu
    assert 'name="atteste"' not in contenu or "disabled" in contenu

    reponse = poster(porteur, dossier, "attestation", {"atteste": "on"}, action="signer")
    assert reponse.status_code == 403
    assert recharger(dossier).attestation_par is None


def test_un_contributeur_peut_remplir_les_autres_etapes(porteur, dossier, utilisateurs):
    MembreStructure.objects.filter(utilisateur=utilisateurs["porteur"]).update(
        role=RoleMembre.CONTRIBUTEUR
    )
    assert poster(porteur, dossier, "projet", PROJET).status_code == 302


def test_signer_sans_cocher_est_refuse(porteur, dossier) -> None:
    reponse = poster(porteur, dossier, "attestation", {}, action="signer")
    assert reponse.status_code == 400
    assert "Cochez la case" in texte(reponse)


def test_un_signataire_peut_signer(porteur, dossier, utilisateurs) -> None:
    MembreStructure.objects.filter(utilisateur=utilisateurs["porteur"]).update(
        role=RoleMembre.SIGNATAIRE
    )
    reponse = poster(porteur, dossier, "attestation", {"atteste": "on"}, action="signer")
    assert reponse.status_code == 302
    assert recharger(dossier).attestation_par == utilisateurs["porteur"]


# --- Lecture seule -------------------------------------------------------------------------


def test_un_dossier_depose_est_en_lecture_seule(porteur, dossier) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(etat=EtatDossier.DEPOSE)
    reponse = porteur.get(url(dossier, "projet"))
    assert reponse.status_code == 200
    assert "lecture seule" in texte(reponse)
    assert "disabled" in reponse.content.decode()
    assert poster(porteur, dossier, "projet", PROJET).status_code == 403


def test_en_complements_seules_les_etapes_demandees_se_rouvrent(porteur, dossier) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(
        etat=EtatDossier.COMPLEMENTS_DEMANDES, etapes_a_completer=["budget"]
    )
    assert poster(porteur, dossier, "projet", PROJET).status_code == 403
    assert poster(porteur, dossier, "budget", {"charge_60": "100"}).status_code == 302
    assert "n'a pas été rouverte" in texte(porteur.get(url(dossier, "projet")))


# --- Nombre de requêtes --------------------------------------------------------------------


def _collectifs_en_base(dossier: Dossier, nombre: int) -> None:
    for rang in range(nombre):
        c = Collectif.objects.create(
            dossier=dossier,
            ordre=rang,
            nom=f"C{rang}",
            nb_enfants=10,
            semaines_de_fonctionnement=36,
        )
        Intervenant.objects.create(collectif=c, nom="A", statut="salarie")
        Intervenant.objects.create(collectif=c, nom="B", statut="benevole")


@pytest.mark.parametrize("etape", ["projet", "collectifs", "budget", "documents", "attestation"])
def test_une_etape_fait_un_nombre_constant_de_requetes(porteur, dossier, etape) -> None:
    _collectifs_en_base(dossier, 2)
    with CaptureQueriesContext(connection) as peu:
        assert porteur.get(url(dossier, etape)).status_code == 200
    _collectifs_en_base(dossier, 28)
    with CaptureQueriesContext(connection) as beaucoup:
        reponse = porteur.get(url(dossier, etape))
    assert reponse.status_code == 200
    assert len(reponse.context["panneau"].resultat.collectifs) == 30
    assert len(beaucoup) == len(peu), [q["sql"] for q in beaucoup.captured_queries]


def test_200_collectifs_complets_tiennent_dans_un_formulaire(porteur, dossier) -> None:
    """Un navigateur envoie tous les champs de chaque collectif (32 champs texte, plus les
    cases cochées) : 200 collectifs complets doivent passer."""
    pleins = {f"intervenant_{i}_{c}": "" for i in (3, 4) for c in ("nom", "qualification")}
    pleins |= {f"horaire_{i}_{c}": "" for i in (3, 4) for c in ("debut", "fin")}
    donnees = formulaire_collectifs([collectif(rang, **pleins) for rang in range(200)])
    reponse = poster(porteur, dossier, "collectifs", donnees)
    assert reponse.status_code == 302, texte(reponse)[:500]
    assert Collectif.objects.filter(dossier=dossier).count() == 200


def test_modifier_le_brouillon_apres_l_attestation_l_annule(porteur, dossier) -> None:
    assert (
        poster(porteur, dossier, "attestation", {"atteste": "on"}, action="signer").status_code
        == 302
    )
    assert recharger(dossier).attestation_par is not None
    assert poster(porteur, dossier, "projet", PROJET).status_code == 302
    dossier = recharger(dossier)
    assert dossier.attestation_par is None
    assert dossier.attestation_le is None
    assert dossier.evenements.filter(type="attestation_annulee").exists()


def test_une_saisie_invalide_gardee_n_annule_pas_l_attestation(porteur, dossier) -> None:
    poster(porteur, dossier, "attestation", {"atteste": "on"}, action="signer")
    reponse = poster(porteur, dossier, "projet", {**PROJET, "titre": ""})
    assert reponse.status_code in (200, 400)
    assert recharger(dossier).attestation_par is not None
