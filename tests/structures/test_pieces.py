"""Le coffre-fort de pièces : dépôt contrôlé par le contenu, expiration signalée,
téléchargement réservé, suppression impossible quand un dossier déposé s'y appuie."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clas.comptes.models import Utilisateur
from clas.structures.models import PieceJustificative, Structure
from tests.outils import texte

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def fichier(nom: str, contenu: bytes, type_mime: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(nom, contenu, content_type=type_mime)


def deposer(client: Client, structure: Structure, nom="statuts.pdf", contenu=PDF, **champs):
    donnees = {"type_piece": "statuts", "fichier": fichier(nom, contenu), **champs}
    return client.post(f"/structures/{structure.pk}/pieces/", donnees)


def piece_de(structure: Structure, utilisateur: Utilisateur, **champs) -> PieceJustificative:
    valeurs = {
        "type_piece": "assurance",
        "nom_fichier": "assurance.pdf",
        "taille": len(PDF),
        "type_mime": "application/pdf",
        "deposee_par": utilisateur,
        **champs,
    }
    piece = PieceJustificative(structure=structure, **valeurs)
    piece.fichier.save("assurance.pdf", SimpleUploadedFile("a.pdf", PDF), save=False)
    piece.save()
    return piece


def erreur_fichier(reponse) -> str:
    assert reponse.status_code == 200
    return " ".join(reponse.context["formulaire"].errors["fichier"])


def test_un_membre_depose_un_pdf_dans_le_coffre_fort(
    porteur: Client, structure_a: Structure, utilisateurs, settings
) -> None:
    reponse = deposer(porteur, structure_a, date_validite="31/12/2030")

    assert reponse.status_code == 302
    piece = PieceJustificative.objects.get()
    assert piece.structure == structure_a
    assert (piece.nom_fichier, piece.type_mime, piece.taille) == (
        "statuts.pdf",
        "application/pdf",
        len(PDF),
    )
    assert piece.date_validite == dt.date(2030, 12, 31)
    assert piece.deposee_par == utilisateurs["porteur"]
    assert str(settings.MEDIA_ROOT) in piece.fichier.path
    page = texte(porteur.get(f"/structures/{structure_a.pk}/pieces/"))
    assert "statuts.pdf" in page
    assert "31/12/2030" in page


def test_la_date_de_validite_accepte_le_format_du_navigateur(
    porteur: Client, structure_a: Structure
) -> None:
    deposer(porteur, structure_a, date_validite="2030-06-30")

    assert PieceJustificative.objects.get().date_validite == dt.date(2030, 6, 30)


def test_un_pdf_qui_contient_une_image_png_est_refuse(
    porteur: Client, structure_a: Structure
) -> None:
    message = erreur_fichier(deposer(porteur, structure_a, nom="statuts.pdf", contenu=PNG))

    assert "est un PNG" in message
    assert not PieceJustificative.objects.exists()


def test_un_fichier_texte_renomme_en_pdf_est_refuse(
    porteur: Client, structure_a: Structure
) -> None:
    reponse = deposer(porteur, structure_a, nom="statuts.pdf", contenu=b"Bonjour, je suis un texte")

    assert "ni un PDF, ni une image PNG ou JPEG" in erreur_fichier(reponse)
    assert "La pièce n'a pas été déposée" in texte(reponse)
    assert reponse.context["formulaire"]["type_piece"].value() == "statuts"


def test_un_fichier_de_plus_de_10_mo_est_refuse(porteur: Client, structure_a: Structure) -> None:
    gros = PDF + b"0" * (10 * 1024 * 1024)

    assert "10 Mo au plus" in erreur_fichier(deposer(porteur, structure_a, contenu=gros))
    assert not PieceJustificative.objects.exists()


def test_une_date_de_validite_invalide_est_signalee(
    porteur: Client, structure_a: Structure
) -> None:
    reponse = deposer(porteur, structure_a, date_validite="31/02/2030")

    assert "jj/mm/aaaa" in " ".join(reponse.context["formulaire"].errors["date_validite"])


def test_une_piece_expiree_est_signalee_et_une_autre_expire_bientot(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    aujourd_hui = timezone.localdate()
    piece_de(
        structure_a,
        utilisateurs["porteur"],
        nom_fichier="vieille.pdf",
        date_validite=aujourd_hui - dt.timedelta(days=1),
    )
    piece_de(
        structure_a,
        utilisateurs["porteur"],
        nom_fichier="bientot.pdf",
        type_piece="rib",
        date_validite=aujourd_hui + dt.timedelta(days=10),
    )
    piece_de(
        structure_a,
        utilisateurs["porteur"],
        nom_fichier="valable.pdf",
        type_piece="statuts",
        date_validite=aujourd_hui + dt.timedelta(days=200),
    )

    page = porteur.get(f"/structures/{structure_a.pk}/pieces/").content.decode()

    lignes = {
        nom: page.split(nom, 1)[1].split("</tr>", 1)[0]
        for nom in ["vieille.pdf", "bientot.pdf", "valable.pdf"]
    }
    assert "fr-badge--error" in lignes["vieille.pdf"]
    assert "Expirée" in lignes["vieille.pdf"]
    assert "Expire bientôt" in lignes["bientot.pdf"]
    assert "fr-badge" not in lignes["valable.pdf"]
    assert "1 pièce expirée" in page


def test_le_telechargement_renvoie_le_fichier_en_piece_jointe(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    piece = piece_de(structure_a, utilisateurs["porteur"], nom_fichier="Assurance 2026.pdf")

    reponse = porteur.get(f"/structures/{structure_a.pk}/pieces/{piece.pk}/")

    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"].startswith("attachment")
    assert "Assurance 2026.pdf" in reponse["Content-Disposition"]
    assert b"".join(reponse.streaming_content) == PDF


@pytest.mark.parametrize(
    ("persona", "attendu"),
    [
        ("anonyme", "connexion"),
        ("porteur", 200),
        ("porteur_autre", 404),
        ("instructeur", 200),
        ("instructeur_autre_caf", 404),
        ("valideur", 200),
        ("comptable", 200),
        ("national", 200),
    ],
)
def test_qui_peut_telecharger_une_piece(
    client_de, persona: str, attendu, structure_a: Structure, utilisateurs
) -> None:
    piece = piece_de(structure_a, utilisateurs["porteur"])
    chemin = f"/structures/{structure_a.pk}/pieces/{piece.pk}/"

    reponse = client_de(persona).get(chemin)

    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next={chemin}"
    else:
        assert reponse.status_code == attendu


def test_une_piece_d_une_autre_structure_est_introuvable_sous_sa_propre_url(
    porteur: Client, structure_a: Structure, structure_b: Structure, utilisateurs
) -> None:
    """Le porteur de A ne peut pas lire une pièce de B en la glissant sous l'URL de A."""
    piece_b = piece_de(structure_b, utilisateurs["porteur_autre"])

    assert porteur.get(f"/structures/{structure_a.pk}/pieces/{piece_b.pk}/").status_code == 404


def test_un_membre_supprime_une_piece_qui_va_a_la_corbeille_avec_son_fichier(
    contributeur: Client, structure_a: Structure, utilisateurs, django_capture_on_commit_callbacks
) -> None:
    """Le fichier reste, le temps de la corbeille (tests/structures/test_corbeille.py)."""
    piece = piece_de(structure_a, utilisateurs["porteur"])
    chemin = Path(piece.fichier.path)
    assert chemin.exists()

    with django_capture_on_commit_callbacks(execute=True):
        reponse = contributeur.post(f"/structures/{structure_a.pk}/pieces/{piece.pk}/supprimer/")

    assert reponse.status_code == 302
    assert not PieceJustificative.objects.exists()
    assert PieceJustificative.avec_corbeille.get().supprimee_le is not None
    assert chemin.exists()


def creer_dossier(structure: Structure, utilisateur: Utilisateur, etat: str):
    from clas.campagnes.models import Campagne
    from clas.dossiers.models import Dossier

    maintenant = timezone.now()
    campagne = Campagne.objects.create(
        caf=structure.caf,
        annee_scolaire="2026-2027",
        titre="Appel à projets Clas 2026-2027",
        ouverture=maintenant - dt.timedelta(days=10),
        cloture=maintenant + dt.timedelta(days=10),
        enveloppe=Decimal("100000.00"),
        cree_par=utilisateur,
    )
    return Dossier.objects.create(
        structure=structure, campagne=campagne, etat=etat, cree_par=utilisateur
    )


def test_une_piece_jointe_a_un_dossier_depose_ne_peut_pas_etre_supprimee(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    from clas.dossiers.models import PieceDossier

    piece = piece_de(structure_a, utilisateurs["porteur"])
    dossier = creer_dossier(structure_a, utilisateurs["valideur"], "depose")
    PieceDossier.objects.create(dossier=dossier, piece=piece)

    reponse = porteur.post(
        f"/structures/{structure_a.pk}/pieces/{piece.pk}/supprimer/", follow=True
    )

    assert "jointe à un dossier déjà déposé" in texte(reponse)
    assert PieceJustificative.objects.filter(pk=piece.pk).exists()


def test_une_piece_jointe_seulement_a_un_brouillon_peut_etre_supprimee(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    from clas.dossiers.models import PieceDossier

    piece = piece_de(structure_a, utilisateurs["porteur"])
    dossier = creer_dossier(structure_a, utilisateurs["valideur"], "brouillon")
    PieceDossier.objects.create(dossier=dossier, piece=piece)

    porteur.post(f"/structures/{structure_a.pk}/pieces/{piece.pk}/supprimer/")

    assert not PieceJustificative.objects.filter(pk=piece.pk).exists()
    assert not PieceDossier.objects.exists()


@pytest.mark.parametrize("persona", ["instructeur", "national"])
def test_un_agent_consulte_le_coffre_fort_sans_pouvoir_deposer_ni_supprimer(
    client_de, persona: str, structure_a: Structure, utilisateurs
) -> None:
    piece = piece_de(structure_a, utilisateurs["porteur"])
    client = client_de(persona)

    page = texte(client.get(f"/structures/{structure_a.pk}/pieces/"))
    assert "assurance.pdf" in page
    assert "Déposer la pièce" not in page
    assert deposer(client, structure_a).status_code == 403
    assert (
        client.post(f"/structures/{structure_a.pk}/pieces/{piece.pk}/supprimer/").status_code == 403
    )
    assert PieceJustificative.objects.count() == 1


def test_un_membre_d_une_autre_structure_ne_peut_ni_deposer_ni_supprimer(
    porteur_autre: Client, structure_a: Structure, utilisateurs
) -> None:
    piece = piece_de(structure_a, utilisateurs["porteur"])

    assert deposer(porteur_autre, structure_a).status_code == 404
    assert (
        porteur_autre.post(f"/structures/{structure_a.pk}/pieces/{piece.pk}/supprimer/").status_code
        == 404
    )
    assert PieceJustificative.objects.count() == 1


def requetes(client: Client, chemin: str) -> int:
    with CaptureQueriesContext(connection) as capture:
        assert client.get(chemin).status_code == 200
    return len(capture)


def test_le_nombre_de_requetes_du_coffre_fort_ne_depend_pas_du_nombre_de_pieces(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    chemin = f"/structures/{structure_a.pk}/pieces/"
    for _ in range(2):
        piece_de(structure_a, utilisateurs["porteur"])
    avec_2 = requetes(porteur, chemin)

    for rang in range(18):
        piece_de(structure_a, utilisateurs["porteur"], type_piece=["rib", "statuts"][rang % 2])

    assert requetes(porteur, chemin) == avec_2
