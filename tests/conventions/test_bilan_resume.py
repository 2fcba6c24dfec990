"""Le bilan en lecture : accepté (ou déposé), il se lit comme un résumé, pas comme des champs
grisés ; l'examen de la Caf marque chaque écart entre le prévu et le réel, par une classe et
par un texte (pas seulement une couleur)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from clas.bilans import actions as bilan_actions
from tests.conventions.bilan_fabrique import (  # noqa: F401
    deposer_complet,
    fixture_convention_signee,
)
from tests.outils import texte

from .regularisation_fabrique import client_de

pytestmark = pytest.mark.django_db


def _ligne(page: str, libelle: str) -> str:
    """La ligne de tableau (<tr>…</tr>) dont la première cellule contient ce libellé."""
    trouvee = re.search(
        rf"<tr[^>]*>\s*<t[hd][^>]*>[^<]*{re.escape(libelle)}[^<]*</t[hd]>(?:(?!</tr>).)*</tr>",
        page,
        re.S,
    )
    assert trouvee, libelle
    return trouvee.group(0)


@pytest.fixture
def bilan_ecarts(convention_signee, utilisateurs):
    """Déposé avec 28 semaines au lieu de 30, 16 000 € de charges au lieu de 15 000 €,
    10 500 € de la commune au lieu de 10 000 € et rien au compte 75 (500 € prévus)."""
    deposer_complet(
        convention_signee, utilisateurs["porteur"], semaines=28, charges=Decimal("16000")
    )
    return convention_signee


def test_l_examen_marque_chaque_ecart_entre_le_prevu_et_le_reel(bilan_ecarts, utilisateurs) -> None:
    page = texte(
        client_de(utilisateurs["instructeur"]).get(
            reverse("bilan_examen", args=[bilan_ecarts.dossier_id])
        )
    )
    semaines = _ligne(page, "Semaines de fonctionnement")
    assert 'class="clas-ecart-ligne"' in semaines
    assert "−2" in semaines and "Différent du prévu" in semaines
    enfants = _ligne(page, "Enfants")
    assert "clas-ecart-ligne" not in enfants and "Identique au prévu" in enfants
    # Deux collectifs, chacun avec son écart de semaines.
    assert page.count("1 écart avec le prévu") == 2

    charges = _ligne(page, "64 — Charges de personnel")
    assert "clas-ecart-ligne" in charges and "+1\u00a0000,00\u00a0€" in charges
    assert "+1\u00a0000,00\u00a0€" in _ligne(page, "Total des charges")
    assert "+500,00\u00a0€" in _ligne(page, "Commune ou intercommunalité")
    autres = _ligne(page, "75 — Autres produits de gestion courante")
    assert "clas-ecart-ligne" in autres and "−500,00\u00a0€" in autres
    assert "Identique au prévu" in _ligne(page, "Total des produits (hors prestation Clas)")
    assert "(3 comptes différents du prévu)" in page


def test_un_bilan_sans_ecart_n_en_signale_aucun(convention_signee, utilisateurs) -> None:
    deposer_complet(convention_signee, utilisateurs["porteur"], cofinancements=Decimal("10000"))
    page = texte(
        client_de(utilisateurs["instructeur"]).get(
            reverse("bilan_examen", args=[convention_signee.dossier_id])
        )
    )
    # Le compte 75 prévu (500 €) manque au réel : c'est le seul écart, pas les semaines.
    assert page.count('class="clas-ecart-ligne"') == 2  # le compte 75 et le total des produits
    assert "écart avec le prévu" not in page


def test_un_bilan_accepte_se_lit_comme_un_resume_avec_ses_ecarts(
    bilan_ecarts, utilisateurs
) -> None:
    bilan_actions.accepter(bilan_ecarts, utilisateurs["instructeur"])
    reponse = client_de(utilisateurs["porteur"]).get(
        reverse("bilan_saisie", args=[bilan_ecarts.dossier_id])
    )
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Bilan accepté le" in page
    assert 'data-testid="resume-bilan"' in page
    # Aucun champ, grisé ou non : un résumé.
    assert "disabled" not in page
    assert 'id="formulaire-bilan"' not in page
    assert not re.search(
        r'<input(?![^>]*type="hidden")',
        page.split('id="resume-bilan"')[1].split("Retour au dossier")[0],
    )
    assert "Trois cafés des parents." in page
    assert "Progrès en méthode." in page
    assert "−2" in _ligne(page, "Semaines de fonctionnement")
    assert "+1\u00a0000,00\u00a0€" in _ligne(page, "64 — Charges de personnel")


def test_un_bilan_en_brouillon_reste_un_formulaire(convention_signee, utilisateurs) -> None:
    page = texte(
        client_de(utilisateurs["porteur"]).get(
            reverse("bilan_saisie", args=[convention_signee.dossier_id])
        )
    )
    assert 'id="formulaire-bilan"' in page
    assert 'data-testid="resume-bilan"' not in page
