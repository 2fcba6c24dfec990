"""Les PDF de l'après-décision (convention, avenant, avis d'indu) sont balisés PDF/UA, portent
leur « Objet » et le service de la Caf à joindre."""

from __future__ import annotations

from clas.conventions import avenants
from clas.conventions.models import Avenant, Convention
from clas.conventions.pdf import generer_pdf
from clas.dossiers.models import Collectif
from clas.instruction import decisions
from tests.outils import verifier_pdf_accessible


def test_la_convention_est_un_pdf_balise_avec_son_objet_et_le_service_a_joindre(convention):
    generer_pdf(convention)
    convention = Convention.objects.get(pk=convention.pk)
    numero = convention.dossier.numero

    texte_pdf = verifier_pdf_accessible(convention.pdf.read(), numero)
    assert (
        "Objet : convention d'objectifs et de financement de la prestation de service Clas "
        f"— dossier {numero}"
    ) in texte_pdf
    assert "Service chargé du dossier : Caf du Rhône" in texte_pdf


def test_l_avenant_est_un_pdf_balise_avec_son_objet_et_le_service_a_joindre(
    regul_signee, utilisateurs, django_capture_on_commit_callbacks
):
    premier = Collectif.objects.filter(dossier=regul_signee.dossier).order_by("ordre", "id")[0]
    proposition = avenants.proposer_avenant(
        regul_signee.dossier,
        utilisateurs["instructeur"],
        [premier.pk],
        None,
        "Le second collectif ne fonctionne pas.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        avenant = decisions.valider(proposition, utilisateurs["valideur"])
    avenant = Avenant.objects.get(pk=avenant.pk)
    numero = regul_signee.dossier.numero

    texte_pdf = verifier_pdf_accessible(avenant.pdf.read(), numero)
    assert (
        f"Objet : avenant n° 1 à la convention de prestation de service Clas — dossier {numero}"
        in texte_pdf
    )
    assert "Service chargé du dossier : Caf du Rhône" in texte_pdf


def test_l_avis_d_indu_est_un_pdf_balise_avec_son_objet_et_le_service_a_joindre(regul_indu):
    numero = regul_indu.convention.dossier.numero

    texte_pdf = verifier_pdf_accessible(regul_indu.avis.read(), numero)
    assert "Objet : avis d'indu — remboursement de" in texte_pdf
    assert f"de prestation de service Clas — dossier {numero}" in texte_pdf
    assert "Service chargé du dossier : Caf du Rhône" in texte_pdf
    assert "Comment contester" in texte_pdf
