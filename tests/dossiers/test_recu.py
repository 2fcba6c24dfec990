"""L'accusé de dépôt en PDF : produit au dépôt, une seule fois, téléchargeable."""

from __future__ import annotations

import pytest

from clas.dossiers import actions
from clas.dossiers.models import Dossier
from clas.dossiers.recu import contexte_recu, generer_recu
from clas.dossiers.verification import charger_pour_verification
from tests.dossiers.suivi_fabrique import (
    campagne,
    contient_texte_pdf,
    dossier_complet,
    media_temporaire,  # noqa: F401
)

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
