"""La page d'un dossier côté structure : état, historique public, messages avec la Caf."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.core.templatetags.clas_format import siret
from clas.dossiers import actions
from clas.dossiers.etats import appliquer
from clas.dossiers.models import Evenement, Message
from tests.dossiers.suivi_fabrique import (
    PDF_MINIMAL,
    ajouter_collectif,
    campagne,
    dossier_complet,
    media_temporaire,  # noqa: F401
)
from tests.outils import texte

pytestmark = pytest.mark.usefixtures("media_temporaire")


@pytest.fixture
def dossier(structure_a, caf_rhone, utilisateurs):
    return dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )


@pytest.fixture
def depose(dossier, utilisateurs):
    actions.deposer(dossier, utilisateurs["porteur"])
    dossier.refresh_from_db()
    return dossier


def test_la_page_d_un_brouillon_montre_l_etat_la_campagne_l_estimation_et_les_etapes(
    dossier, porteur
) -> None:
    page = texte(porteur.get(f"/dossiers/{dossier.pk}/"))

    assert "Brouillon" in page
    assert "Appel à projets Clas 2026-2027" in page
    assert siret(dossier.structure.siret) in page  # affiché par groupes : 312 045 678 00017
    assert "4\u00a0500,00\u00a0€" in page  # PS demandée et estimation (plafonnée)
    for etape in ("projet", "collectifs", "budget", "documents", "attestation"):
        assert f'href="/dossiers/{dossier.pk}/etapes/{etape}/"' in page
    assert "Modifier le budget" in page
    assert "Vous pourrez écrire à la Caf une fois le dossier déposé." in page


def test_apres_le_depot_les_etapes_sont_en_consultation_et_l_historique_est_public(
    depose, porteur, utilisateurs
) -> None:
    appliquer(depose, "prendre_en_instruction", utilisateurs["instructeur"])
    Evenement.objects.create(
        dossier=depose, type="note", description="Note interne de l'instructeur", public=False
    )

    page = texte(porteur.get(f"/dossiers/{depose.pk}/"))

    assert "En instruction" in page
    assert depose.numero in page
    assert "Consulter le budget" in page
    assert "Modifier :" not in page
    assert "Prise en instruction" in page  # le libellé du catalogue
    assert f"Dossier déposé sous le numéro {depose.numero}" in page
    assert page.index("Prise en instruction") < page.index("Dossier déposé sous le numéro")
    assert "Note interne" not in page


def test_la_structure_ecrit_a_la_caf_avec_une_piece_jointe_pdf(
    depose, porteur, instructeur
) -> None:
    fichier = SimpleUploadedFile("devis.pdf", PDF_MINIMAL, content_type="application/pdf")

    reponse = porteur.post(
        f"/dossiers/{depose.pk}/messages/",
        {"texte": "Voici le devis demandé.", "piece_jointe": fichier},
    )

    assert reponse.status_code == 302
    message = Message.objects.get(dossier=depose)
    assert message.texte == "Voici le devis demandé."
    assert not message.de_la_caf
    assert message.nom_piece_jointe == "devis.pdf"
    page = texte(porteur.get(f"/dossiers/{depose.pk}/"))
    assert "Voici le devis demandé." in page
    url = f"/dossiers/{depose.pk}/messages/{message.pk}/piece/"
    assert url in page
    for client in (porteur, instructeur):
        telechargement = client.get(url)
        assert telechargement.status_code == 200
        assert b"".join(telechargement.streaming_content) == PDF_MINIMAL
        assert 'filename="devis.pdf"' in telechargement["Content-Disposition"]


def test_un_faux_pdf_est_refuse_et_le_message_tape_est_garde(depose, porteur) -> None:
    faux = SimpleUploadedFile("devis.pdf", b"MZ\x90\x00 pas un pdf", content_type="application/pdf")

    reponse = porteur.post(
        f"/dossiers/{depose.pk}/messages/", {"texte": "Mon message", "piece_jointe": faux}
    )

    assert reponse.status_code == 400
    page = texte(reponse)
    assert "n'est ni un PDF, ni une image PNG ou JPEG" in page
    assert "Mon message" in page
    assert not Message.objects.exists()


def test_un_message_vide_est_refuse(depose, porteur) -> None:
    reponse = porteur.post(f"/dossiers/{depose.pk}/messages/", {"texte": "  "})

    assert reponse.status_code == 400
    assert "Écrivez votre message." in texte(reponse)


def test_on_n_ecrit_pas_a_la_caf_depuis_un_brouillon(dossier, porteur) -> None:
    reponse = porteur.post(f"/dossiers/{dossier.pk}/messages/", {"texte": "Bonjour"})

    assert reponse.status_code == 403
    assert not Message.objects.exists()


def test_un_message_de_la_caf_est_signe_par_la_caf(depose, porteur, utilisateurs) -> None:
    actions.envoyer_message(depose, utilisateurs["instructeur"], "Merci pour votre dossier.")

    page = texte(porteur.get(f"/dossiers/{depose.pk}/"))

    message = Message.objects.get()
    assert message.de_la_caf
    assert "Caf du Rhône" in page or depose.campagne.caf.nom in page
    assert "Merci pour votre dossier." in page


def test_un_agent_d_une_autre_caf_n_ecrit_pas_dans_le_dossier(depose, utilisateurs) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.envoyer_message(depose, utilisateurs["instructeur_autre_caf"], "Bonjour")


def _remplir(dossier, utilisateurs, nombre: int) -> None:
    """`nombre` collectifs, événements publics et messages (avec pièce jointe) de plus."""
    for rang in range(nombre):
        ajouter_collectif(dossier, 10 + rang)
        Evenement.objects.create(dossier=dossier, type="note", description=f"Événement {rang}")
        actions.envoyer_message(
            dossier,
            utilisateurs["porteur"],
            f"Message {rang}",
            SimpleUploadedFile(f"piece{rang}.pdf", PDF_MINIMAL),
        )


def _requetes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200
    return len(requetes)


@pytest.mark.parametrize("etat", ["brouillon", "depose"])
def test_la_page_du_dossier_fait_un_nombre_constant_de_requetes(
    etat, structure_a, caf_rhone, utilisateurs, porteur
) -> None:
    petit = dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )
    grand = dossier_complet(
        structure_a,
        campagne(caf_rhone, utilisateurs["valideur"], annee="2025-2026"),
        utilisateurs["porteur"],
    )
    if etat == "depose":
        for dossier, nombre in ((petit, 2), (grand, 30)):
            actions.deposer(dossier, utilisateurs["porteur"])
            _remplir(dossier, utilisateurs, nombre)
    else:
        for rang in range(30):
            ajouter_collectif(grand, 10 + rang)
            Evenement.objects.create(dossier=grand, type="note", description=f"É {rang}")

    assert _requetes(porteur, f"/dossiers/{petit.pk}/") == _requetes(
        porteur, f"/dossiers/{grand.pk}/"
    )


def test_la_page_en_complements_fait_un_nombre_constant_de_requetes(
    structure_a, caf_rhone, utilisateurs, porteur
) -> None:
    dossiers = []
    for annee, nombre in (("2026-2027", 2), ("2025-2026", 30)):
        dossier = dossier_complet(
            structure_a,
            campagne(caf_rhone, utilisateurs["valideur"], annee=annee),
            utilisateurs["porteur"],
        )
        actions.deposer(dossier, utilisateurs["porteur"])
        appliquer(dossier, "prendre_en_instruction", utilisateurs["instructeur"])
        actions.demander_complements(
            dossier,
            utilisateurs["instructeur"],
            ["budget"],
            "Détaillez les charges.",
            dt.date.today() + dt.timedelta(days=10),
        )
        _remplir(dossier, utilisateurs, nombre)
        dossiers.append(dossier)

    assert _requetes(porteur, f"/dossiers/{dossiers[0].pk}/") == _requetes(
        porteur, f"/dossiers/{dossiers[1].pk}/"
    )
