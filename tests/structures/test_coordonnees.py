"""Les coordonnées bancaires sous le contrôle de la Caf (fraude au changement de RIB) : un
nouveau compte se propose avec son RIB, reste « à vérifier » jusqu'à ce qu'un valideur de la
Caf de la structure l'accepte ou le refuse ; tout est à l'historique, masqué ; les
signataires et administrateurs sont prévenus par courriel après validation."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client

from clas.core.exceptions import ActionImpossible
from clas.core.validators import iban_fr, masquer_iban
from clas.structures import coordonnees
from clas.structures.models import (
    ChangementCoordonnees,
    EtatCoordonnees,
    RoleMembre,
    Structure,
)
from tests.factories import AgentCafFactory, MembreStructureFactory, StructureFactory
from tests.outils import champs, texte

from .conftest import rib_pdf, saisie_structure

pytestmark = pytest.mark.django_db

E = EtatCoordonnees
ANCIEN = iban_fr("300060000112345678901")
NOUVEAU = iban_fr("102780730000023456789")
NOUVEAU_MASQUE = masquer_iban(NOUVEAU)
LISTE = "/caf/coordonnees-bancaires/"


@pytest.fixture
def acceptee(structure_a: Structure) -> Structure:
    """La structure A, fiche complète, avec un compte déjà accepté par la Caf."""
    fiche = saisie_structure(avec_rib=False)
    for champ in ("siret", "iban", "bic", "nom", "email"):
        fiche.pop(champ)
    Structure.objects.filter(pk=structure_a.pk).update(
        **fiche, iban=ANCIEN, bic="AGRIFRPP", email="contact@centre-a.fr"
    )
    structure_a.refresh_from_db()
    return structure_a


@pytest.fixture
def proposition(acceptee, utilisateurs) -> ChangementCoordonnees:
    changement = coordonnees.proposer_coordonnees(
        acceptee, utilisateurs["porteur"], NOUVEAU, "cmcifr2a", rib_pdf()
    )
    assert changement is not None
    return changement


def _modifier(client: Client, structure: Structure, **changements):
    valeurs = champs(client.get(f"/structures/{structure.pk}/modifier/"))
    valeurs.pop("csrfmiddlewaretoken", None)
    valeurs.pop("rib", None)
    valeurs.update(changements)
    return client.post(f"/structures/{structure.pk}/modifier/", valeurs)


def test_un_masque_laisse_le_pays_la_cle_et_les_4_derniers_caracteres():
    assert masquer_iban(ANCIEN) == "FR76 •••• •••• •••• •••• ••• 0189"
    assert masquer_iban("") == ""


# --- Le formulaire, comme une personne s'en sert ---------------------------------------------


def test_un_nouveau_compte_sans_rib_est_refuse_puis_corrige_et_reste_a_verifier(
    porteur: Client, acceptee: Structure
) -> None:
    saisi = " ".join(NOUVEAU[i : i + 4] for i in range(0, len(NOUVEAU), 4))
    sans_rib = _modifier(porteur, acceptee, iban=saisi, bic="CMCIFR2A")

    assert sans_rib.status_code == 200
    erreurs = sans_rib.context["formulaire"].errors
    assert list(erreurs) == ["rib"]
    assert "Joignez le RIB du nouveau compte" in erreurs["rib"][0]
    assert champs(sans_rib)["iban"] == saisi  # rien de ce qui a été tapé n'est perdu
    assert "choisissez-le à nouveau" in texte(sans_rib)
    assert not ChangementCoordonnees.objects.exists()

    faux = saisi[:-1] + ("4" if saisi[-1] != "4" else "5")
    mauvais = _modifier(porteur, acceptee, iban=faux, bic="CMCIFR2A", rib=rib_pdf())
    assert "clé de contrôle incorrecte" in " ".join(mauvais.context["formulaire"].errors["iban"])
    assert not ChangementCoordonnees.objects.exists()

    bon = _modifier(porteur, acceptee, iban=saisi, bic="CMCIFR2A", rib=rib_pdf())

    assert bon.status_code == 302
    acceptee.refresh_from_db()
    assert acceptee.iban == ANCIEN  # le compte payé ne change pas avant la vérification
    changement = ChangementCoordonnees.objects.get()
    assert (changement.iban, changement.bic, changement.etat) == (NOUVEAU, "CMCIFR2A", E.A_VERIFIER)
    assert (changement.ancien_iban, changement.ancien_bic) == (ANCIEN, "AGRIFRPP")
    fiche = texte(porteur.get(bon["Location"]))
    assert "À vérifier" in fiche
    assert NOUVEAU_MASQUE in fiche and masquer_iban(ANCIEN) in fiche
    assert NOUVEAU not in fiche and ANCIEN not in fiche
    # Au rechargement, le formulaire montre le compte proposé.
    assert champs(porteur.get(f"/structures/{acceptee.pk}/modifier/"))["iban"] == saisi


def test_enregistrer_la_fiche_sans_toucher_au_compte_ne_demande_pas_de_rib(
    porteur: Client, acceptee: Structure
) -> None:
    reponse = _modifier(porteur, acceptee, telephone="04 78 00 00 00")

    assert reponse.status_code == 302
    acceptee.refresh_from_db()
    assert acceptee.telephone == "04 78 00 00 00"
    assert acceptee.iban == ANCIEN
    assert not ChangementCoordonnees.objects.exists()


def test_un_rib_qui_n_est_ni_pdf_ni_image_est_refuse_sur_son_champ(
    porteur: Client, acceptee: Structure
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    faux = SimpleUploadedFile("rib.pdf", b"MZ pas un pdf", "application/pdf")
    reponse = _modifier(porteur, acceptee, iban=NOUVEAU, bic="CMCIFR2A", rib=faux)

    assert "ni un PDF" in " ".join(reponse.context["formulaire"].errors["rib"])
    assert not ChangementCoordonnees.objects.exists()


def test_une_nouvelle_proposition_remplace_celle_en_attente_et_l_historique_le_garde(
    proposition, acceptee, utilisateurs
) -> None:
    autre = iban_fr("300040000312345678901")
    seconde = coordonnees.proposer_coordonnees(
        acceptee, utilisateurs["porteur"], autre, "BNPAFRPP", rib_pdf()
    )

    proposition.refresh_from_db()
    assert proposition.etat == E.REMPLACEES
    assert seconde is not None and seconde.etat == E.A_VERIFIER
    assert seconde.ancien_iban == ANCIEN
    types = list(acceptee.evenements_coordonnees.order_by("pk").values_list("type", flat=True))
    assert types == ["coordonnees_proposees", "coordonnees_remplacees", "coordonnees_proposees"]


def test_un_contributeur_ne_propose_pas_de_compte(acceptee, contributeur) -> None:
    membre = acceptee.membres.get(role=RoleMembre.CONTRIBUTEUR).utilisateur
    with pytest.raises(PermissionDenied):
        coordonnees.proposer_coordonnees(acceptee, membre, NOUVEAU, "CMCIFR2A", rib_pdf())
    assert not ChangementCoordonnees.objects.exists()


# --- Accepter, refuser ----------------------------------------------------------------------


def test_le_valideur_accepte_apres_avoir_vu_l_iban_en_clair_et_le_rib(
    valideur: Client, proposition, acceptee, django_capture_on_commit_callbacks
) -> None:
    page = texte(valideur.get(f"{LISTE}{proposition.pk}/"))
    groupe = "\u00a0".join(NOUVEAU[i : i + 4] for i in range(0, len(NOUVEAU), 4))
    assert groupe in page  # en clair, groupé, pour le comparer au RIB
    assert masquer_iban(ANCIEN) in page and ANCIEN not in page
    rib = valideur.get(f"{LISTE}{proposition.pk}/rib/")
    assert rib.status_code == 200
    assert b"".join(rib.streaming_content).startswith(b"%PDF")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = valideur.post(f"{LISTE}{proposition.pk}/", {"action": "accepter"})

    assert reponse.status_code == 302
    acceptee.refresh_from_db()
    proposition.refresh_from_db()
    assert (acceptee.iban, acceptee.bic) == (NOUVEAU, "CMCIFR2A")
    assert proposition.etat == E.ACCEPTEES
    assert proposition.examine_par.email == "valideur@rhone.exemple.fr"
    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    assert "accepté" in courriel.subject
    assert NOUVEAU_MASQUE in courriel.body and NOUVEAU not in courriel.body
    assert "Si vous n'êtes pas à l'origine de ce changement" in courriel.body


def test_un_refus_sans_motif_est_refuse_puis_le_motif_est_envoye_a_la_structure(
    valideur: Client, proposition, acceptee, django_capture_on_commit_callbacks
) -> None:
    sans_motif = valideur.post(f"{LISTE}{proposition.pk}/", {"action": "refuser", "motif": " "})

    assert sans_motif.status_code == 400
    assert "Indiquez le motif du refus" in texte(sans_motif)
    proposition.refresh_from_db()
    assert proposition.etat == E.A_VERIFIER

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = valideur.post(
            f"{LISTE}{proposition.pk}/",
            {"action": "refuser", "motif": "Le titulaire du RIB n'est pas la structure."},
        )

    assert reponse.status_code == 302
    proposition.refresh_from_db()
    acceptee.refresh_from_db()
    assert proposition.etat == E.REFUSEES
    assert proposition.motif_refus == "Le titulaire du RIB n'est pas la structure."
    assert acceptee.iban == ANCIEN
    assert "refusé" in mail.outbox[0].subject
    assert "Le titulaire du RIB n'est pas la structure." in mail.outbox[0].body
    # La page n'offre plus de choix une fois le changement examiné.
    page = texte(valideur.get(f"{LISTE}{proposition.pk}/"))
    assert "Accepter ce compte" not in page and NOUVEAU not in page


def test_les_courriels_vont_aux_signataires_et_administrateurs_apres_validation(
    acceptee, utilisateurs, contributeur, django_capture_on_commit_callbacks
) -> None:
    MembreStructureFactory(
        structure=acceptee, role=RoleMembre.SIGNATAIRE, utilisateur__email="tresoriere@a.fr"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        coordonnees.proposer_coordonnees(
            acceptee, utilisateurs["porteur"], NOUVEAU, "CMCIFR2A", rib_pdf()
        )
    assert mail.outbox == []  # rien avant la validation de la transaction
    for rappel in rappels:
        rappel()

    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted(
        ["porteur.a@exemple.fr", "tresoriere@a.fr", "contact@centre-a.fr"]
    )
    assert "contributeur.a@exemple.fr" not in mail.outbox[0].to
    assert "proposé" in mail.outbox[0].subject


def test_qui_propose_n_accepte_pas_lui_meme(acceptee, caf_rhone) -> None:
    double = AgentCafFactory(caf=caf_rhone, est_instructeur=False, est_valideur=True)
    MembreStructureFactory(structure=acceptee, utilisateur=double.utilisateur)
    changement = coordonnees.proposer_coordonnees(
        acceptee, double.utilisateur, NOUVEAU, "CMCIFR2A", rib_pdf()
    )

    with pytest.raises(ActionImpossible, match="séparation des tâches"):
        coordonnees.accepter_coordonnees(changement, double.utilisateur)
    acceptee.refresh_from_db()
    assert acceptee.iban == ANCIEN


def test_accepter_deux_fois_ne_change_rien_la_seconde_fois(
    proposition, acceptee, utilisateurs
) -> None:
    coordonnees.accepter_coordonnees(proposition, utilisateurs["valideur"])

    with pytest.raises(ActionImpossible, match="Acceptées"):
        coordonnees.accepter_coordonnees(proposition, utilisateurs["valideur"])
    assert acceptee.evenements_coordonnees.filter(type="coordonnees_acceptees").count() == 1


# --- Permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "attendu"),
    [
        ("anonyme", 302),
        ("porteur", 403),
        ("porteur_autre", 403),
        ("instructeur", 403),
        ("instructeur_autre_caf", 403),
        ("valideur", 200),
        ("comptable", 403),
        ("national", 403),
    ],
)
def test_qui_voit_les_comptes_a_verifier(client_de, proposition, persona, attendu) -> None:
    client = client_de(persona)
    for adresse in (LISTE, f"{LISTE}{proposition.pk}/", f"{LISTE}{proposition.pk}/rib/"):
        assert client.get(adresse).status_code == attendu, adresse


@pytest.mark.parametrize(
    "persona", ["porteur", "instructeur", "instructeur_autre_caf", "comptable", "national"]
)
def test_seul_le_valideur_accepte(client_de, proposition, acceptee, persona) -> None:
    reponse = client_de(persona).post(f"{LISTE}{proposition.pk}/", {"action": "accepter"})

    assert reponse.status_code == 403
    acceptee.refresh_from_db()
    assert acceptee.iban == ANCIEN


def test_un_valideur_d_une_autre_caf_ne_trouve_pas_le_changement(
    proposition, acceptee, caf_somme
) -> None:
    autre = AgentCafFactory(caf=caf_somme, est_instructeur=False, est_valideur=True)
    client = Client()
    client.force_login(autre.utilisateur)

    assert proposition.pk not in [c.pk for c in client.get(LISTE).context["a_verifier"]]
    assert client.get(f"{LISTE}{proposition.pk}/").status_code == 404
    assert client.get(f"{LISTE}{proposition.pk}/rib/").status_code == 404
    assert client.post(f"{LISTE}{proposition.pk}/", {"action": "accepter"}).status_code == 404
    with pytest.raises(PermissionDenied):
        coordonnees.accepter_coordonnees(proposition, autre.utilisateur)


# --- Historique, liste -----------------------------------------------------------------------


def test_l_historique_est_masque_sur_la_fiche_et_sur_la_page_de_la_caf(
    porteur: Client, valideur: Client, proposition, acceptee, utilisateurs
) -> None:
    coordonnees.accepter_coordonnees(proposition, utilisateurs["valideur"])

    for page in (texte(porteur.get(f"/structures/{acceptee.pk}/")), texte(valideur.get(LISTE))):
        assert "Nouvelles coordonnées bancaires proposées" in page
        assert "Coordonnées bancaires acceptées par la Caf" in page
        assert f"{masquer_iban(ANCIEN)} (BIC AGRIFRPP) → {NOUVEAU_MASQUE} (BIC CMCIFR2A)" in page
        assert ANCIEN not in page and NOUVEAU not in page


def test_la_page_des_comptes_a_verifier_fait_autant_de_requetes_avec_2_ou_12(
    valideur: Client, caf_rhone, utilisateurs, django_assert_max_num_queries
) -> None:
    def proposer(nombre: int) -> None:
        for _ in range(nombre):
            structure = StructureFactory(caf=caf_rhone)
            membre = MembreStructureFactory(structure=structure)
            coordonnees.proposer_coordonnees(
                structure, membre.utilisateur, NOUVEAU, "CMCIFR2A", rib_pdf()
            )

    proposer(2)
    valideur.get(LISTE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as peu:
        assert valideur.get(LISTE).status_code == 200
    proposer(10)
    with django_assert_max_num_queries(len(peu.captured_queries)):
        page = valideur.get(LISTE)
    assert page.context["a_verifier"].paginator.count == 12


def test_la_fiche_pagine_l_historique_du_compte(porteur: Client, acceptee, utilisateurs) -> None:
    for rang in range(6):  # 6 propositions, 5 remplacements : 11 événements
        coordonnees.proposer_coordonnees(
            acceptee,
            utilisateurs["porteur"],
            iban_fr(f"30004000031234567{rang:04d}"),
            "BNPAFRPP",
            rib_pdf(),
        )

    premiere = porteur.get(f"/structures/{acceptee.pk}/")
    seconde = porteur.get(f"/structures/{acceptee.pk}/?page=2")

    assert len(premiere.context["historique"].object_list) == 10
    assert len(seconde.context["historique"].object_list) == 1
    assert "Page suivante" in texte(premiere)


def test_l_inscription_d_un_compte_passe_aussi_par_la_verification(
    caf_rhone, django_capture_on_commit_callbacks
) -> None:
    from tests.factories import UtilisateurFactory

    personne = UtilisateurFactory(email="camille@amis-quartier.fr")
    client = Client()
    client.force_login(personne)
    sans_rib = client.post("/structures/inscrire/", saisie_structure(avec_rib=False))
    assert "Joignez le RIB" in " ".join(sans_rib.context["formulaire"].errors["rib"])
    assert champs(sans_rib)["nom"] == "Les Amis du quartier"

    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post("/structures/inscrire/", saisie_structure())

    assert reponse.status_code == 302
    structure = Structure.objects.get()
    assert structure.iban == ""
    assert structure.changements_coordonnees.get().etat == E.A_VERIFIER
    assert mail.outbox[-1].to == ["camille@amis-quartier.fr", "contact@amis-quartier.fr"]
