"""L'indu : créé quand les versements dépassent le montant définitif, notifié avec un avis
PDF (pourquoi, combien, comment payer, avant quand, comment contester) envoyé aux
signataires ; téléchargé par la structure et la Caf du dossier seulement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from clas.bilans import regularisation
from clas.bilans.avis_indu import contexte_avis, generer_avis
from clas.bilans.models import EtatIndu, Indu
from clas.referentiel.models import Caf
from clas.versements import grand_livre
from clas.versements.models import Mouvement, TypeMouvement
from tests.outils import texte

from .regularisation_fabrique import (
    ACOMPTE,
    INDU,
    accepter_bilan,
)


def _normal(html: str) -> str:
    return html.replace("\u202f", " ").replace("\xa0", " ").replace("&nbsp;", " ")


def test_un_bilan_inferieur_aux_versements_cree_un_indu_inscrit_au_grand_livre(regul_indu):
    assert regul_indu.montant == INDU == ACOMPTE - Decimal("1000.00")
    assert regul_indu.etat == EtatIndu.OUVERT
    mouvement = Mouvement.objects.get(type=TypeMouvement.INDU_NOTIFIE)
    assert mouvement.montant == INDU and mouvement.indu == regul_indu
    situation = grand_livre.situation(regul_indu.convention)
    assert situation.indu == INDU
    assert situation.reste_a_rembourser == INDU
    assert regul_indu.convention.dossier.evenements.filter(
        type=TypeMouvement.INDU_NOTIFIE, public=True
    ).exists()


def test_regulariser_deux_fois_ne_cree_pas_un_second_indu(regul_indu, utilisateurs):
    bilan = regul_indu.convention.bilan
    resultat = regularisation.regulariser(bilan, utilisateurs["instructeur"])
    assert resultat.indu == regul_indu
    assert Indu.objects.count() == 1
    assert Mouvement.objects.filter(type=TypeMouvement.INDU_NOTIFIE).count() == 1


def test_l_avis_pdf_est_produit_et_enregistre_a_la_notification(regul_indu):
    assert regul_indu.avis.name.endswith(".pdf")
    with regul_indu.avis.open("rb") as fichier:
        assert fichier.read().startswith(b"%PDF")


def test_l_avis_dit_pourquoi_combien_comment_payer_avant_quand_et_comment_contester(
    regul_indu,
):
    caf = regul_indu.convention.dossier.campagne.caf
    Caf.objects.filter(pk=caf.pk).update(
        titulaire_compte="CAF DU RHONE", iban="FR7630006000011234567890189", bic="AGRIFRPP"
    )
    regul_indu.refresh_from_db()
    html = _normal(render_to_string("bilans/indu/avis.html", contexte_avis(regul_indu)))
    dossier = regul_indu.convention.dossier
    for attendu in (
        caf.nom,
        dossier.structure.nom,
        dossier.numero,
        "Montant décidé",
        "4 500,00 €",  # montant décidé
        "Montant recalculé sur le bilan",
        "1 000,00 €",  # recalculé et définitif
        "3 150,00 €",  # versements
        "Somme à rembourser",
        "2 150,00 €",
        "FR7630006000011234567890189",
        "AGRIFRPP",
        "CAF DU RHONE",
        "chèque",
        "Référence à rappeler",
        "recours amiable",
        "directeur de la",
        "deux mois",
        "tribunal administratif",
        regul_indu.echeance.strftime("%d/%m/%Y"),
        dossier.structure.commune,
    ):
        assert attendu in html, attendu
    siret = dossier.structure.siret
    assert f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" in html


def test_sans_compte_bancaire_de_la_caf_l_avis_propose_le_virement_sur_demande_ou_le_cheque(
    regul_indu,
):
    html = render_to_string("bilans/indu/avis.html", contexte_avis(regul_indu))
    assert "IBAN" not in html
    assert "chèque" in html
    assert regul_indu.convention.dossier.numero in html


def test_l_avis_est_envoye_aux_signataires_avec_le_pdf(
    regul_acompte_paye,
    utilisateurs,
    django_capture_on_commit_callbacks,
    mailoutbox,
    convention_contributeur,
    convention_signataire,
):
    accepter_bilan(
        regul_acompte_paye,
        utilisateurs["instructeur"],
        "1000.00",
        capture=django_capture_on_commit_callbacks,
    )
    avis = [c for c in mailoutbox if c.subject.startswith("Avis d'indu")]
    assert len(avis) == 1
    courriel = avis[0]
    assert utilisateurs["porteur"].email in courriel.to
    assert convention_signataire.email in courriel.to
    assert convention_contributeur.email not in courriel.to
    assert "2 150,00 €" in _normal(courriel.body)
    assert "recours amiable" in courriel.body
    nom, contenu, type_mime = courriel.attachments[0]
    assert nom.endswith(".pdf") and type_mime == "application/pdf"
    assert contenu.startswith(b"%PDF")


def test_generer_l_avis_deux_fois_ne_le_remplace_pas(regul_indu):
    nom = regul_indu.avis.name
    assert generer_avis(regul_indu) is False
    regul_indu.refresh_from_db()
    assert regul_indu.avis.name == nom


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("porteur", 200),
        ("instructeur", 200),
        ("valideur", 200),
        ("comptable", 200),
        ("porteur_autre", 404),
        ("instructeur_autre_caf", 404),
        ("national", 200),
    ],
)
def test_qui_telecharge_l_avis_d_indu(client_de, regul_indu, persona, statut):
    reponse = client_de(persona).get(reverse("indu_pdf", args=[regul_indu.convention.dossier_id]))
    assert reponse.status_code == statut
    if statut == 200:
        assert reponse["Content-Type"] == "application/pdf"
        assert b"".join(reponse.streaming_content).startswith(b"%PDF")


def test_un_anonyme_qui_demande_l_avis_est_envoye_vers_la_connexion(anonyme, regul_indu):
    reponse = anonyme.get(reverse("indu_pdf", args=[regul_indu.convention.dossier_id]))
    assert reponse.status_code == 302
    assert "connexion" in reponse["Location"] or "login" in reponse["Location"]


def test_un_dossier_sans_indu_n_a_pas_d_avis(porteur, regul_acompte_paye):
    reponse = porteur.get(reverse("indu_pdf", args=[regul_acompte_paye.dossier_id]))
    assert reponse.status_code == 404


def test_un_avis_manquant_est_produit_a_la_demande(porteur, regul_indu):
    Indu.objects.filter(pk=regul_indu.pk).update(avis="")
    reponse = porteur.get(reverse("indu_pdf", args=[regul_indu.convention.dossier_id]))
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content).startswith(b"%PDF")
    regul_indu.refresh_from_db()
    assert regul_indu.avis


def test_la_structure_voit_son_indu_l_avis_et_le_reste_du(porteur, regul_indu):
    page = texte(porteur.get(reverse("dossier_detail", args=[regul_indu.convention.dossier_id])))
    assert "Indu à rembourser" in page
    assert "Reste à rembourser" in page
    assert "Télécharger l'avis d'indu (PDF)" in page
    assert "Montant définitif" in page
    assert "Enregistrer le remboursement" not in page
