"""La lettre de décision : produite après la validation, envoyée à la structure avec le
courriel, téléchargeable par la structure et les agents de la Caf, montrée sur la page de
la structure."""

from __future__ import annotations

import html

import pytest
from django.core import mail
from django.template.loader import render_to_string

from clas.instruction import decisions
from clas.instruction.lettre import charger, contexte_decision
from clas.instruction.models import Decision, MotifRefus
from tests.conftest import PERSONAS
from tests.dossiers.suivi_fabrique import contient_texte_pdf
from tests.outils import texte, verifier_pdf_accessible


def _html(decision: Decision) -> str:
    """Le texte de la lettre (le PDF ne se lit pas en clair : ses glyphes sont encodés)."""
    return html.unescape(
        render_to_string("instruction/lettre.html", contexte_decision(charger(decision)))
    )


@pytest.fixture
def decision_prise(decision_proposition, utilisateurs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.valider(decision_proposition, utilisateurs["valideur"])
    decision.refresh_from_db()
    return decision


def test_la_lettre_d_accord_est_produite_et_envoyee(decision_prise, utilisateurs):
    dossier = decision_prise.dossier
    assert decision_prise.lettre.name.endswith(".pdf")
    contenu = decision_prise.lettre.read()
    assert contenu.startswith(b"%PDF")
    assert contient_texte_pdf(contenu, dossier.numero)  # titre du PDF
    assert contient_texte_pdf(contenu, "Caf du Rhône")  # auteur du PDF
    html = _html(decision_prise)
    for mot in (
        dossier.numero,
        "Centre social A",
        "69001 Lyon",
        "Collectif 1",
        "Montant accordé",
        "4\xa0500,00\xa0€",
        "recours gracieux adressé au directeur de la Caf du Rhône",
        "tribunal administratif",
    ):
        assert mot in html, mot

    assert len(mail.outbox) == 1
    courriel = mail.outbox[0]
    assert utilisateurs["porteur"].email in courriel.to
    assert dossier.numero in courriel.subject
    assert "4\xa0500,00\xa0€" in courriel.body
    assert "tribunal administratif" in courriel.body
    nom, piece, type_mime = courriel.attachments[0]
    assert nom == f"decision-{dossier.numero}.pdf"
    assert type_mime == "application/pdf"
    assert piece == contenu


def test_la_lettre_de_refus_donne_les_motifs(
    decision_instruit, utilisateurs, django_capture_on_commit_callbacks
):
    proposition = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "refus",
        motif_refus=MotifRefus.ENVELOPPE_EPUISEE,
        texte="Les crédits de la campagne sont engagés.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.valider(proposition, utilisateurs["valideur"])
    decision.refresh_from_db()

    assert decision.lettre.read().startswith(b"%PDF")
    html = _html(decision)
    assert "Enveloppe budgétaire épuisée" in html
    assert "Les crédits de la campagne sont engagés." in html
    assert "Montant accordé" not in html
    assert "Motif : Enveloppe budgétaire épuisée" in mail.outbox[0].body


ATTENDU = {
    "anonyme": "connexion",
    "porteur": 200,
    "porteur_autre": 404,
    "instructeur": 200,
    "instructeur_autre_caf": 404,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_qui_telecharge_la_lettre(decision_prise, client_de, persona):
    reponse = client_de(persona).get(f"/dossiers/{decision_prise.dossier_id}/decision.pdf")

    attendu = ATTENDU[persona]
    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")
        return
    assert reponse.status_code == attendu
    if attendu == 200:
        assert reponse["Content-Type"] == "application/pdf"
        assert b"".join(reponse.streaming_content) == decision_prise.lettre.read()


def test_pas_de_lettre_sans_decision(decision_proposition, porteur, instructeur):
    url = f"/dossiers/{decision_proposition.dossier_id}/decision.pdf"
    assert porteur.get(url).status_code == 404
    assert instructeur.get(url).status_code == 404


def test_la_lettre_manquante_est_produite_au_telechargement(
    decision_proposition, utilisateurs, porteur
):
    decision = decisions.valider(decision_proposition, utilisateurs["valideur"])  # sans on_commit
    assert not decision.lettre

    reponse = porteur.get(f"/dossiers/{decision.dossier_id}/decision.pdf")
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content).startswith(b"%PDF")
    assert Decision.objects.get(pk=decision.pk).lettre


def test_la_structure_voit_la_decision_sur_sa_page(decision_prise, porteur):
    page = texte(porteur.get(f"/dossiers/{decision_prise.dossier_id}/"))

    assert 'id="decision"' in page
    assert "Décision de la Caf : accord — 4\xa0500,00\xa0€" in page
    assert 'id="decision-collectifs"' in page
    assert "Collectif 1" in page
    assert "recours gracieux" in page
    assert f"/dossiers/{decision_prise.dossier_id}/decision.pdf" in page


def test_la_structure_voit_les_motifs_d_un_refus(decision_instruit, utilisateurs, porteur):
    proposition = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "refus",
        motif_refus=MotifRefus.NON_ELIGIBLE,
        texte="Aucun collectif n'est éligible.",
    )
    decisions.valider(proposition, utilisateurs["valideur"])

    page = texte(porteur.get(f"/dossiers/{decision_instruit.pk}/"))
    assert "Motif du refus : Projet non éligible" in page
    assert "Aucun collectif n'est éligible." in page
    assert 'id="decision-collectifs"' not in page


def test_avant_la_decision_rien_n_est_montre(decision_proposition, porteur):
    page = texte(porteur.get(f"/dossiers/{decision_proposition.dossier_id}/"))
    assert "Décision de la Caf" not in page


def test_la_structure_et_la_lettre_expliquent_les_corrections_de_la_caf(
    decision_instruit, utilisateurs, porteur
):
    from clas.instruction import actions

    collectif = decision_instruit.collectifs.order_by("ordre").first()
    actions.corriger(
        decision_instruit,
        utilisateurs["instructeur"],
        collectif,
        {"semaines_de_fonctionnement": 18},
        "Démarrage en janvier d'après le planning joint.",
    )
    proposition = decisions.proposer(decision_instruit, utilisateurs["instructeur"], "accord")
    decision = decisions.valider(proposition, utilisateurs["valideur"])

    page = texte(porteur.get(f"/dossiers/{decision_instruit.pk}/"))
    assert "Ce que la Caf a retenu différemment de votre demande" in page
    assert "semaines de fonctionnement : 18" in page
    assert "Démarrage en janvier d'après le planning joint." in page
    assert "Démarrage en janvier d'après le planning joint." in _html(decision)


def test_la_lettre_est_un_pdf_balise_avec_son_objet_et_le_service_a_joindre(decision_prise):
    dossier = decision_prise.dossier

    texte_pdf = verifier_pdf_accessible(decision_prise.lettre.read(), dossier.numero)
    assert (
        "Objet : décision sur votre demande de prestation de service Clas "
        f"— dossier {dossier.numero}" in texte_pdf
    )
    assert "Service chargé du dossier : Caf du Rhône" in texte_pdf
    assert "Voies et délais de recours" in texte_pdf
