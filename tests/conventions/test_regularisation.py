"""La régularisation sur les pages du dossier : le montant définitif, le solde à recevoir
(un seul) ou l'indu, et le grand livre qui reste cohérent ; aucune requête avant l'accord,
un nombre constant ensuite."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clas.bilans import regularisation
from clas.dossiers.models import Dossier, EtatDossier
from clas.versements import grand_livre
from clas.versements.models import Mouvement, NatureVersement, TypeMouvement, Versement
from tests.outils import rendre_section, texte

from .regularisation_fabrique import (
    INDU,
    accepter_bilan,
    aujourd_hui,
)


def _normal(html: str) -> str:
    return html.replace("\u202f", " ").replace("\xa0", " ")


def test_le_solde_apparait_une_seule_fois_des_deux_cotes(
    regul_acompte_paye, utilisateurs, porteur, comptable
):
    accepter_bilan(regul_acompte_paye, utilisateurs["instructeur"], "4000.00", "4100.00")
    regularisation.regulariser(regul_acompte_paye.bilan, utilisateurs["instructeur"])
    assert Versement.objects.filter(nature=NatureVersement.SOLDE).count() == 1
    structure = _normal(
        texte(porteur.get(reverse("dossier_detail", args=[regul_acompte_paye.dossier_id])))
    )
    assert "Solde à recevoir : 850,00 €" in structure
    assert "<strong>4 000,00 €</strong>" in structure  # montant définitif
    assert "4 100,00 €" in structure  # recalcul sur les réels
    caf = _normal(
        texte(comptable.get(reverse("instruction_dossier", args=[regul_acompte_paye.dossier_id])))
    )
    assert "Solde à verser : <strong>850,00 €</strong>" in caf


def test_un_ecart_nul_est_affiche_comme_rien_a_payer(regul_acompte_paye, utilisateurs, porteur):
    accepter_bilan(regul_acompte_paye, utilisateurs["instructeur"], "3150.00")
    page = texte(porteur.get(reverse("dossier_detail", args=[regul_acompte_paye.dossier_id])))
    assert "rien à recevoir ni à rembourser" in page


def test_le_grand_livre_reste_coherent_du_versement_au_dernier_remboursement(
    regul_indu, utilisateurs
):
    convention = regul_indu.convention
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("700.00"), aujourd_hui()
    )
    situation = grand_livre.situation(convention)
    payes = sum(v.montant for v in Versement.objects.filter(convention=convention, etat="paye"))
    assert situation.verse == payes == Decimal("3150.00")
    assert situation.indu == INDU
    assert situation.rembourse == Decimal("700.00")
    assert situation.reste_a_rembourser == Decimal("1450.00")
    assert situation.reste_a_rembourser == regularisation.reste_a_rembourser(regul_indu)
    assert situation.verse_net == Decimal("2450.00")
    # Chaque mouvement est aussi dans l'historique public du dossier.
    dossier = convention.dossier
    for mouvement in Mouvement.objects.filter(convention=convention):
        assert dossier.evenements.filter(type=mouvement.type, public=True).exists()
    assert Mouvement.objects.filter(type=TypeMouvement.REMBOURSEMENT).count() == 1


def test_avant_l_accord_les_partiels_ne_font_aucune_requete(decision_instruit, rf, utilisateurs):
    dossier = Dossier.objects.get(pk=decision_instruit.pk)
    assert dossier.etat == EtatDossier.EN_INSTRUCTION
    with CaptureQueriesContext(connection) as requetes:
        for gabarit in (
            "bilans/_regularisation_structure.html",
            "bilans/_regularisation_caf.html",
            "conventions/_avenant_caf.html",
        ):
            assert rendre_section(gabarit, dossier, utilisateurs["instructeur"]).strip() == ""
    assert len(requetes) == 0


@pytest.mark.parametrize(
    ("persona", "page"), [("porteur", "dossier_detail"), ("comptable", "instruction_dossier")]
)
def test_les_pages_gardent_un_nombre_de_requetes_constant_avec_les_remboursements(
    client_de, regul_indu, utilisateurs, persona, page
):
    client = client_de(persona)
    url = reverse(page, args=[regul_indu.convention.dossier_id])

    def compter() -> int:
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(url).status_code == 200
        return len(requetes)

    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("10.00"), aujourd_hui()
    )
    avant = compter()
    for montant in ("20.00", "30.00", "40.00"):
        regularisation.enregistrer_remboursement(
            regul_indu, utilisateurs["comptable"], Decimal(montant), aujourd_hui()
        )
    assert compter() == avant


def test_le_porteur_voit_les_remboursements_enregistres(regul_indu, utilisateurs, porteur):
    regularisation.enregistrer_remboursement(
        regul_indu, utilisateurs["comptable"], Decimal("150.00"), aujourd_hui(), "CHQ-77"
    )
    page = _normal(
        texte(porteur.get(reverse("dossier_detail", args=[regul_indu.convention.dossier_id])))
    )
    assert "CHQ-77" in page
    assert "Reste à rembourser : <strong>2 000,00 €</strong>" in page
    assert "Enregistré par" not in page  # les noms des agents restent côté Caf
