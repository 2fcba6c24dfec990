"""Annotations internes (jamais montrées à la structure) et messages de la Caf."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clas.dossiers.models import Message
from clas.instruction.models import Annotation
from tests.dossiers.suivi_fabrique import PDF_MINIMAL
from tests.outils import texte

NOTE = "Directrice difficile à joindre : rappeler jeudi."


def test_une_annotation_est_visible_des_agents_et_jamais_de_la_structure(
    instructeur, valideur, porteur, dossier_instruit, utilisateurs
) -> None:
    reponse = valideur.post(
        reverse("instruction_annoter", args=[dossier_instruit.pk]), {"texte": NOTE}
    )
    assert reponse.status_code == 302
    annotation = Annotation.objects.get(dossier=dossier_instruit)
    assert annotation.auteur == utilisateurs["valideur"]
    page_caf = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    assert NOTE in page_caf
    page_structure = texte(porteur.get(reverse("dossier_detail", args=[dossier_instruit.pk])))
    assert page_structure.count("Centre social A")  # c'est bien la page du dossier
    assert NOTE not in page_structure


def test_une_annotation_vide_est_refusee(instructeur, dossier_instruit) -> None:
    reponse = instructeur.post(
        reverse("instruction_annoter", args=[dossier_instruit.pk]), {"texte": "  "}
    )
    assert reponse.status_code == 400
    assert "Écrivez l'annotation." in texte(reponse)
    assert not Annotation.objects.exists()


def test_un_message_de_la_caf_avec_piece_jointe_arrive_chez_la_structure(
    instructeur, porteur, dossier_instruit, utilisateurs
) -> None:
    fichier = SimpleUploadedFile("grille.pdf", PDF_MINIMAL, content_type="application/pdf")
    reponse = instructeur.post(
        reverse("instruction_message", args=[dossier_instruit.pk]),
        {"texte": "Merci de préciser les horaires du mercredi.", "piece_jointe": fichier},
    )
    assert reponse.status_code == 302
    message = Message.objects.get(dossier=dossier_instruit)
    assert message.de_la_caf and message.auteur == utilisateurs["instructeur"]
    assert message.nom_piece_jointe == "grille.pdf"
    page_structure = texte(porteur.get(reverse("dossier_detail", args=[dossier_instruit.pk])))
    assert "Merci de préciser les horaires du mercredi." in page_structure
    lien = reverse("dossier_message_piece", args=[dossier_instruit.pk, message.pk])
    assert porteur.get(lien).status_code == 200
    assert instructeur.get(lien).status_code == 200


def test_une_piece_jointe_qui_n_est_pas_un_pdf_ou_une_image_est_refusee(
    instructeur, dossier_instruit
) -> None:
    fichier = SimpleUploadedFile(
        "virus.pdf", b"MZ\x90\x00 pas un pdf", content_type="application/pdf"
    )
    reponse = instructeur.post(
        reverse("instruction_message", args=[dossier_instruit.pk]),
        {"texte": "Voici le document.", "piece_jointe": fichier},
    )
    assert reponse.status_code == 400
    assert "Voici le document." in texte(reponse)  # la saisie est gardée
    assert not Message.objects.exists()


def test_un_message_vide_est_refuse(instructeur, dossier_instruit) -> None:
    reponse = instructeur.post(
        reverse("instruction_message", args=[dossier_instruit.pk]), {"texte": ""}
    )
    assert reponse.status_code == 400
    assert "Écrivez votre message." in texte(reponse)


def test_le_message_de_la_structure_apparait_cote_caf(
    instructeur, porteur, dossier_instruit
) -> None:
    porteur.post(
        reverse("dossier_message", args=[dossier_instruit.pk]),
        {"texte": "Nous avons ajouté un troisième intervenant."},
    )
    page = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    assert "Nous avons ajouté un troisième intervenant." in page
    assert "Message de la structure" in page
