"""La corbeille des pièces : une pièce supprimée n'est plus visible ni comptée, la suppression
est journalisée, la pièce est restaurable 30 jours depuis la page des pièces par un membre
de la structure (contributeur ou administrateur), jamais par une autre structure ni par un
agent ; `purger_pieces` l'efface ensuite pour de bon, fichier compris."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from clas.comptes.models import Utilisateur
from clas.structures.models import (
    EvenementPiece,
    PieceJustificative,
    Structure,
    TypeEvenementPiece,
)
from tests.outils import texte

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pieces(structure: Structure) -> str:
    return f"/structures/{structure.pk}/pieces/"


def deposee(structure: Structure, utilisateur: Utilisateur) -> PieceJustificative:
    piece = PieceJustificative(
        structure=structure,
        type_piece="assurance",
        nom_fichier="assurance-2026.pdf",
        taille=len(PDF),
        type_mime="application/pdf",
        deposee_par=utilisateur,
    )
    piece.fichier.save("assurance.pdf", SimpleUploadedFile("a.pdf", PDF), save=False)
    piece.save()
    return piece


def supprimer(client: Client, piece: PieceJustificative):
    return client.post(f"{pieces(piece.structure)}{piece.pk}/supprimer/", follow=True)


def restaurer(client: Client, piece: PieceJustificative):
    return client.post(f"{pieces(piece.structure)}{piece.pk}/restaurer/", follow=True)


def test_le_contributeur_supprime_la_piece_disparait_et_c_est_journalise(
    contributeur: Client, structure_a: Structure, utilisateurs
) -> None:
    piece = deposee(structure_a, utilisateurs["porteur"])
    reponse = supprimer(contributeur, piece)

    page = texte(reponse)
    assert "est dans la corbeille : vous pouvez la restaurer pendant 30 jours" in page
    # Plus visible ni comptée : ni dans le coffre-fort, ni proposée aux dossiers.
    assert not structure_a.pieces.exists()
    assert reponse.context["nb_pieces"] == 0
    assert f"{pieces(structure_a)}{piece.pk}/" not in page.split('id="corbeille"')[0]
    assert contributeur.get(f"{pieces(structure_a)}{piece.pk}/").status_code == 404
    # Dans la corbeille, avec qui et quand.
    assert "Corbeille" in page and "assurance-2026.pdf" in page
    assert "contributeur.a@exemple.fr" in page
    (evenement,) = EvenementPiece.objects.all()
    assert evenement.type == TypeEvenementPiece.SUPPRIMEE
    assert evenement.par.email == "contributeur.a@exemple.fr"
    assert evenement.piece_id == piece.pk
    assert Path(PieceJustificative.avec_corbeille.get().fichier.path).exists()


@pytest.mark.parametrize("qui", ["contributeur", "porteur"])
def test_un_membre_restaure_la_piece_depuis_la_page_des_pieces(
    request, qui: str, contributeur: Client, structure_a: Structure, utilisateurs
) -> None:
    """Le contributeur qui l'a supprimée, ou l'administrateur de la structure."""
    piece = deposee(structure_a, utilisateurs["porteur"])
    supprimer(contributeur, piece)

    reponse = restaurer(request.getfixturevalue(qui), piece)

    assert "est de retour dans le coffre-fort" in texte(reponse)
    assert structure_a.pieces.get() == piece
    assert 'id="corbeille"' not in texte(reponse)
    assert list(EvenementPiece.objects.order_by("id").values_list("type", flat=True)) == [
        TypeEvenementPiece.SUPPRIMEE,
        TypeEvenementPiece.RESTAUREE,
    ]
    telechargement = contributeur.get(f"{pieces(structure_a)}{piece.pk}/")
    assert b"".join(telechargement.streaming_content) == PDF


def test_une_autre_structure_ne_voit_ni_ne_restaure_la_corbeille(
    contributeur: Client, porteur_autre: Client, structure_a: Structure, utilisateurs
) -> None:
    piece = deposee(structure_a, utilisateurs["porteur"])
    supprimer(contributeur, piece)

    assert porteur_autre.get(pieces(structure_a)).status_code == 404
    assert restaurer(porteur_autre, piece).status_code == 404
    assert not structure_a.pieces.exists()


def test_une_piece_de_la_corbeille_ne_se_restaure_pas_sous_l_adresse_d_une_autre_structure(
    porteur_autre: Client, structure_a: Structure, structure_b: Structure, utilisateurs
) -> None:
    piece = deposee(structure_a, utilisateurs["porteur"])
    piece.supprimee_le = timezone.now()
    piece.save()

    reponse = porteur_autre.post(f"{pieces(structure_b)}{piece.pk}/restaurer/")

    assert reponse.status_code == 404
    assert not structure_a.pieces.exists()


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "national"])
def test_un_agent_ne_voit_pas_la_corbeille_et_ne_restaure_pas(
    client_de, persona: str, contributeur: Client, structure_a: Structure, utilisateurs
) -> None:
    piece = deposee(structure_a, utilisateurs["porteur"])
    supprimer(contributeur, piece)
    agent = client_de(persona)

    page = texte(agent.get(pieces(structure_a)))
    assert "assurance-2026.pdf" not in page
    assert 'id="corbeille"' not in page
    assert agent.post(f"{pieces(structure_a)}{piece.pk}/restaurer/").status_code == 403
    assert not structure_a.pieces.exists()
    assert EvenementPiece.objects.count() == 1


def test_apres_30_jours_la_piece_ne_se_restaure_plus_et_la_purge_l_efface(
    contributeur: Client, structure_a: Structure, utilisateurs, django_capture_on_commit_callbacks
) -> None:
    piece = deposee(structure_a, utilisateurs["porteur"])
    chemin = Path(piece.fichier.path)
    supprimer(contributeur, piece)
    depart = timezone.now()

    with time_machine.travel(depart + dt.timedelta(days=29, hours=23)):
        contributeur.force_login(EvenementPiece.objects.get().par)  # la session a expiré
        call_command("purger_pieces")
        assert PieceJustificative.avec_corbeille.filter(pk=piece.pk).exists()
        assert "assurance-2026.pdf" in texte(contributeur.get(pieces(structure_a)))

    with time_machine.travel(depart + dt.timedelta(days=30, minutes=1)):
        contributeur.force_login(EvenementPiece.objects.get().par)
        assert 'id="corbeille"' not in texte(contributeur.get(pieces(structure_a)))
        reponse = restaurer(contributeur, piece)
        assert "ne peut plus être restaurée" in texte(reponse)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purger_pieces")

    assert not PieceJustificative.avec_corbeille.exists()
    assert not chemin.exists()
    purge = EvenementPiece.objects.get(type=TypeEvenementPiece.PURGEE)
    assert purge.par is None and purge.piece is None
    assert purge.nom_fichier == "assurance-2026.pdf"
    # Le journal de la suppression survit à la pièce.
    assert EvenementPiece.objects.filter(type=TypeEvenementPiece.SUPPRIMEE).exists()


def test_la_purge_ne_touche_pas_les_pieces_en_service(structure_a: Structure, utilisateurs) -> None:
    piece = deposee(structure_a, utilisateurs["porteur"])
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        call_command("purger_pieces")
    assert structure_a.pieces.get() == piece
    assert not EvenementPiece.objects.exists()
