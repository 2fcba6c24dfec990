"""Inscription d'une structure : chaque contrôle dit sur son champ quoi corriger, le code
postal décide de la Caf, un SIRET déjà inscrit renvoie vers ses administrateurs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from clas.comptes.models import Utilisateur
from clas.core.validators import departement_du_code_postal, masquer_email
from clas.structures.actions import StructureDejaInscrite, inscrire_structure
from clas.structures.models import MembreStructure, RoleMembre, Structure
from tests.factories import MembreStructureFactory, StructureFactory, UtilisateurFactory
from tests.outils import champs, texte

from .conftest import IBAN, rib_pdf, saisie_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def nouveau(db) -> tuple[Client, Utilisateur]:
    """Une personne qui vient de créer son compte, sans structure."""
    utilisateur = UtilisateurFactory(email="camille@amis-quartier.fr")
    client = Client()
    client.force_login(utilisateur)
    return client, utilisateur


def inscrire(client: Client, **changements: str):
    return client.post("/structures/inscrire/", saisie_structure(**changements))


def erreurs(reponse) -> dict[str, str]:
    assert reponse.status_code == 200, reponse.get("Location")
    return {nom: " ".join(liste) for nom, liste in reponse.context["formulaire"].errors.items()}


def test_le_formulaire_a_un_libelle_par_champ(nouveau) -> None:
    page = texte(nouveau[0].get("/structures/inscrire/"))

    for libelle in [
        "Nom de la structure",
        "Type de structure",
        "Forme juridique",
        "SIRET",
        "Numéro RNA",
        "Adresse",
        "Code postal",
        "Commune",
        "IBAN",
        "BIC",
        "Prénom du représentant légal",
        "Qualité du représentant légal",
        "Adresse électronique de contact",
        "Téléphone de contact",
    ]:
        assert libelle.lower() in page.lower(), libelle


def test_une_structure_est_inscrite_et_son_createur_en_devient_administrateur(
    nouveau, caf_rhone
) -> None:
    client, utilisateur = nouveau

    reponse = inscrire(client)

    structure = Structure.objects.get(siret="73282932000074")
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/structures/{structure.pk}/"
    # Le compte saisi n'est pas encore celui de la structure : la Caf le vérifie avec le RIB.
    assert (structure.iban, structure.bic) == ("", "")
    proposition = structure.changements_coordonnees.get()
    assert (proposition.iban, proposition.bic) == (IBAN, "AGRIFRPP")
    assert proposition.etat == "a_verifier"
    assert proposition.rib_nom == "rib-amis-quartier.pdf"
    assert proposition.propose_par == utilisateur
    assert structure.rna == "W691234567"
    assert structure.departement == "69"
    assert structure.caf == caf_rhone
    assert structure.representant_qualite == "Présidente"
    membre = MembreStructure.objects.get(structure=structure)
    assert (membre.utilisateur, membre.role) == (utilisateur, RoleMembre.ADMINISTRATEUR)
    fiche = texte(client.get(reponse["Location"]))
    assert "Caf du Rhône" in fiche
    assert "est inscrite" in fiche
    assert "FR76 •••• •••• •••• •••• ••• 0189" in fiche
    assert "À vérifier" in fiche
    assert IBAN not in fiche


@pytest.mark.parametrize(
    ("changements", "champ", "message"),
    [
        ({"siret": "73282932000075"}, "siret", "clé de contrôle incorrecte"),
        ({"siret": "7328293200007"}, "siret", "vous en avez saisi 13"),
        ({"siret": "7328293200007A"}, "siret", "que des chiffres"),
        ({"rna": ""}, "rna", "doit indiquer son numéro RNA"),
        ({"rna": "W12345"}, "rna", "W suivi de 9 chiffres"),
        ({"rna": "691234567W"}, "rna", "W suivi de 9 chiffres"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "iban", "clé de contrôle incorrecte"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 18"}, "iban", "27 caractères"),
        ({"iban": "FR76 3000"}, "iban", "2 lettres (FR)"),
        ({"bic": "AGRI"}, "bic", "8 ou 11 caractères"),
        ({"bic": "1234FRPP"}, "bic", "8 ou 11 caractères"),
        ({"code_postal": "6900"}, "code_postal", "5 chiffres"),
        ({"code_postal": "69A01"}, "code_postal", "5 chiffres"),
        ({"code_postal": "20800"}, "code_postal", "code postal corse"),
        ({"code_postal": "98000"}, "code_postal", "aucun département"),
        ({"code_postal": "97500"}, "code_postal", "Aucune Caf"),
        ({"telephone": "12"}, "telephone", "10 chiffres"),
        ({"email": "contact@"}, "email", "valide"),
        ({"nom": ""}, "nom", "obligatoire"),
        ({"forme_juridique": ""}, "forme_juridique", "obligatoire"),
        ({"representant_nom": ""}, "representant_nom", "obligatoire"),
    ],
)
def test_une_saisie_invalide_est_refusee_sur_son_champ_et_rien_n_est_perdu(
    nouveau, changements: dict[str, str], champ: str, message: str
) -> None:
    reponse = inscrire(nouveau[0], **changements)

    trouvees = erreurs(reponse)
    assert list(trouvees) == [champ]
    assert message in trouvees[champ]
    assert not Structure.objects.exists()
    valeurs = champs(reponse)
    assert valeurs["nom"] == changements.get("nom", "Les Amis du quartier")
    assert valeurs["siret"] == changements.get("siret", "732 829 320 00074")
    assert valeurs["iban"] == changements.get("iban", "FR76 3000 6000 0112 3456 7890 189")
    assert "Corrigez les champs signalés" in texte(reponse)


def test_le_rna_n_est_pas_demande_a_une_commune(nouveau) -> None:
    reponse = inscrire(nouveau[0], forme_juridique="commune", type_structure="collectivite", rna="")

    assert reponse.status_code == 302
    assert Structure.objects.get().rna == ""


@pytest.mark.parametrize(
    ("code_postal", "departement", "caf"),
    [
        ("20000", "2A", "Caf de la Corse-du-Sud"),
        ("20167", "2A", "Caf de la Corse-du-Sud"),
        ("20200", "2B", "Caf de la Haute-Corse"),
        ("20600", "2B", "Caf de la Haute-Corse"),
        ("97490", "974", "Caf de La Réunion"),
        ("97600", "976", "Caf de Mayotte"),
        ("97150", "971", "Caf de la Guadeloupe"),
        ("01000", "01", None),
        ("75011", "75", "Caf de Paris"),
    ],
)
def test_le_code_postal_decide_du_departement_et_de_la_caf(
    nouveau, code_postal: str, departement: str, caf: str | None
) -> None:
    assert inscrire(nouveau[0], code_postal=code_postal).status_code == 302

    structure = Structure.objects.get()
    assert structure.departement == departement
    assert structure.caf.departement == departement
    if caf:
        assert structure.caf.nom == caf


@pytest.mark.parametrize(
    ("code_postal", "departement"),
    [("20000", "2A"), ("20199", "2A"), ("20200", "2B"), ("20699", "2B"), ("97100", "971")],
)
def test_departement_du_code_postal(code_postal: str, departement: str) -> None:
    assert departement_du_code_postal(code_postal) == departement


@pytest.mark.parametrize("code_postal", ["", "2000", "20700", "00100", "ABCDE"])
def test_un_code_postal_sans_departement_est_refuse(code_postal: str) -> None:
    with pytest.raises(ValidationError):
        departement_du_code_postal(code_postal)


def test_masquer_email_garde_la_premiere_lettre_et_le_domaine() -> None:
    assert masquer_email("alice@centre-social.fr") == "a***@centre-social.fr"


def test_un_siret_deja_inscrit_dit_a_qui_demander_l_acces(nouveau, caf_rhone) -> None:
    existante = StructureFactory(siret="73282932000074", caf=caf_rhone)
    MembreStructureFactory(structure=existante, utilisateur__email="alice@centre-social.fr")
    MembreStructureFactory(
        structure=existante,
        role=RoleMembre.CONTRIBUTEUR,
        utilisateur__email="bob@centre-social.fr",
    )

    reponse = inscrire(nouveau[0])

    message = erreurs(reponse)["siret"]
    assert "déjà inscrite" in message
    assert "demandez une invitation" in message
    assert "a***@centre-social.fr" in message
    assert "alice@centre-social.fr" not in texte(reponse)
    assert "b***" not in message  # seuls les administrateurs sont cités
    assert Structure.objects.count() == 1


def test_un_siret_deja_inscrit_est_reconnu_meme_saisi_avec_des_espaces(nouveau) -> None:
    StructureFactory(siret="73282932000074")

    reponse = inscrire(nouveau[0], siret="732 829 320 000 74")

    assert "déjà inscrite" in erreurs(reponse)["siret"]


def test_l_action_refuse_aussi_un_siret_deja_inscrit(nouveau, caf_rhone) -> None:
    StructureFactory(siret="73282932000074")
    donnees = saisie_structure(avec_rib=False, siret="73282932000074", iban=IBAN, bic="AGRIFRPP")

    with pytest.raises(StructureDejaInscrite):
        inscrire_structure(nouveau[1], donnees)


def test_un_agent_ne_peut_pas_inscrire_de_structure(instructeur: Client) -> None:
    reponse = instructeur.get("/structures/inscrire/")

    assert reponse.status_code == 403
    assert "n'inscrivent pas de structure" in texte(reponse)


def test_l_accueil_propose_d_inscrire_une_structure(nouveau) -> None:
    page = texte(nouveau[0].get("/structure/"))

    assert 'href="/structures/inscrire/"' in page


# --- Modification -----------------------------------------------------------------------------


def test_l_administrateur_modifie_la_fiche_avec_les_memes_controles(
    porteur: Client, structure_a: Structure
) -> None:
    page = porteur.get(f"/structures/{structure_a.pk}/modifier/")
    valeurs = champs(page)
    valeurs.update(saisie_structure(siret=structure_a.siret, code_postal="20200"))
    valeurs.pop("csrfmiddlewaretoken", None)

    mauvais = porteur.post(f"/structures/{structure_a.pk}/modifier/", {**valeurs, "bic": "X"})
    assert "8 ou 11 caractères" in erreurs(mauvais)["bic"]

    # Le fichier ne se garde pas d'un envoi à l'autre : la personne choisit à nouveau le RIB.
    bon = porteur.post(f"/structures/{structure_a.pk}/modifier/", {**valeurs, "rib": rib_pdf()})

    assert bon.status_code == 302
    structure_a.refresh_from_db()
    assert structure_a.nom == "Les Amis du quartier"
    # Un code postal d'une autre Caf attend la confirmation du transfert (test_transferts).
    assert structure_a.caf.nom == "Caf du Rhône"
    assert structure_a.code_postal != "20200"
    assert structure_a.transferts.get().caf_destination.nom == "Caf de la Haute-Corse"
    assert structure_a.iban == ""  # proposé à la Caf, pas écrit sur la fiche
    assert structure_a.changements_coordonnees.get().iban == IBAN


def test_la_modification_refuse_le_siret_d_une_autre_structure(
    porteur: Client, structure_a: Structure, structure_b: Structure
) -> None:
    valeurs = saisie_structure(siret=structure_b.siret)

    reponse = porteur.post(f"/structures/{structure_a.pk}/modifier/", valeurs)

    assert "déjà inscrite" in erreurs(reponse)["siret"]


def test_un_contributeur_ne_peut_pas_modifier_la_fiche(
    contributeur: Client, structure_a: Structure
) -> None:
    page = texte(contributeur.get(f"/structures/{structure_a.pk}/"))
    assert "Modifier la fiche" not in page

    reponse = contributeur.post(f"/structures/{structure_a.pk}/modifier/", saisie_structure())

    assert reponse.status_code == 403
    assert "Seul un administrateur" in texte(reponse)
    structure_a.refresh_from_db()
    assert structure_a.nom == "Centre social A"
