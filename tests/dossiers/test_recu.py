"""L'accusé de dépôt en PDF : produit au dépôt, une seule fois, téléchargeable."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.utils import timezone

from clas.dossiers import actions
from clas.dossiers.models import Dossier
from clas.dossiers.recu import ajouter_mois, contexte_recu, generer_recu
from clas.dossiers.verification import charger_pour_verification
from tests.dossiers.suivi_fabrique import (
    campagne,
    contient_texte_pdf,
    dossier_complet,
    media_temporaire,  # noqa: F401
)
from tests.outils import verifier_pdf_accessible

pytestmark = pytest.mark.usefixtures("media_temporaire")


@pytest.fixture
def depose(structure_a, caf_rhone, utilisateurs):
    dossier = dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )
    actions.deposer(dossier, utilisateurs["porteur"])  # sans on_commit : pas encore d'accusé
    dossier.refresh_from_db()
    return dossier


def test_le_contenu_de_l_accuse_reprend_le_dossier_depose(depose) -> None:
    contexte = contexte_recu(charger_pour_verification(depose))

    assert contexte["structure"].siret == depose.structure.siret
    assert contexte["caf"].code == "069"
    assert len(contexte["collectifs"]) == 2
    assert all(calcul.eligible for _collectif, calcul in contexte["collectifs"])
    assert str(contexte["total_charges"]) == "15000.00"
    assert str(contexte["total_produits"]) == "15000.00"  # 10 500 € + 4 500 € de PS
    assert str(contexte["estimation"].montant_total) == "4500.00"
    assert len(contexte["pieces"]) == 4


def test_l_accuse_est_produit_une_fois_puis_reutilise(depose) -> None:
    assert not depose.recu

    assert generer_recu(depose) is True
    depose.refresh_from_db()
    nom = depose.recu.name
    assert generer_recu(depose) is False
    assert Dossier.objects.get(pk=depose.pk).recu.name == nom
    assert contient_texte_pdf(depose.recu.read(), depose.numero)


def test_un_brouillon_n_a_pas_d_accuse(structure_a, caf_rhone, utilisateurs, porteur) -> None:
    dossier = dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )

    with pytest.raises(ValueError, match="brouillon"):
        generer_recu(dossier)
    assert porteur.get(f"/dossiers/{dossier.pk}/recu.pdf").status_code == 404


def test_telecharger_l_accuse_le_produit_s_il_manque(depose, porteur) -> None:
    reponse = porteur.get(f"/dossiers/{depose.pk}/recu.pdf")

    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert f'filename="accuse-depot-{depose.numero}.pdf"' in reponse["Content-Disposition"]
    contenu = b"".join(reponse.streaming_content)
    assert contenu.startswith(b"%PDF")
    assert Dossier.objects.get(pk=depose.pk).recu


def test_l_accuse_est_un_pdf_balise_avec_son_objet_et_le_service_a_joindre(depose) -> None:
    generer_recu(depose)
    depose.refresh_from_db()

    texte_pdf = verifier_pdf_accessible(depose.recu.read(), depose.numero)
    assert (
        "Objet : accusé de réception de votre demande de prestation de service Clas "
        f"— dossier {depose.numero}" in texte_pdf
    )
    assert "Service chargé du dossier : Caf du Rhône" in texte_pdf
    assert "Échanges avec la Caf" in texte_pdf


def test_l_accuse_porte_les_mentions_du_code_des_relations_avec_l_administration(depose) -> None:
    """CRPA L. 112-3 et R. 112-5 : date de réception, service chargé du dossier, date où le
    silence vaut rejet (aide financière : deux mois, L. 231-4), voies et délais de recours."""
    generer_recu(depose)
    depose.refresh_from_db()
    recue_le = timezone.localtime(depose.depose_le).date()
    rejet = ajouter_mois(recue_le, 2)

    texte_pdf = verifier_pdf_accessible(depose.recu.read(), depose.numero)
    assert (
        "articles L. 112-3 et R. 112-5 du code des relations entre le public et l'administration"
        in texte_pdf
    )
    assert f"Votre demande a été reçue le {recue_le:%d/%m/%Y}" in texte_pdf
    assert f"si aucune décision ne vous a été notifiée le {rejet:%d/%m/%Y}" in texte_pdf
    assert "elle sera réputée rejetée" in texte_pdf
    assert "article L. 114-5" in texte_pdf  # pièces manquantes : le délai court à leur réception
    assert "dans un délai de deux mois" in texte_pdf
    assert "recours gracieux adressé au directeur de la Caf du Rhône" in texte_pdf
    assert "tribunal administratif" in texte_pdf
    assert "article L. 232-4" in texte_pdf  # communication des motifs du rejet implicite


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (dt.date(2026, 6, 15), dt.date(2026, 8, 15)),
        (dt.date(2026, 11, 20), dt.date(2027, 1, 20)),
        (dt.date(2026, 12, 31), dt.date(2027, 2, 28)),
        (dt.date(2027, 12, 31), dt.date(2028, 2, 29)),
    ],
)
def test_deux_mois_apres_la_reception_tombent_le_meme_quantieme_ou_en_fin_de_mois(
    jour: dt.date, attendu: dt.date
) -> None:
    assert ajouter_mois(jour, 2) == attendu


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="pdfinfo (poppler-utils) absent")
def test_pdfinfo_lit_l_accuse_comme_balise(depose, tmp_path) -> None:
    generer_recu(depose)
    depose.refresh_from_db()
    chemin = tmp_path / "accuse.pdf"
    chemin.write_bytes(depose.recu.read())

    sortie = subprocess.run(["pdfinfo", str(chemin)], capture_output=True, text=True, check=True)
    assert "Tagged:         yes" in sortie.stdout
