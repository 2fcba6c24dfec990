"""Les retouches des pages de l'argent, trouvées en parcourant l'issue 5 dans Chromium
(tests/e2e/test_versements.py) : accords au singulier, date limite du bilan déjà déposé,
collectif arrêté présenté comme « non retenu par la Caf », message d'acceptation."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from clas.versements.models import Versement
from tests.conventions.bilan_fabrique import deposer_complet, fixture_convention_signee  # noqa: F401
from tests.outils import texte

pytestmark = pytest.mark.django_db


def _client(utilisateur) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


def _messages(reponse) -> list[str]:
    return [str(m) for m in get_messages(reponse.wsgi_request)]


def test_un_seul_versement_valide_est_annonce_au_singulier(regul_signee, utilisateurs):
    acompte = Versement.objects.get(convention=regul_signee)
    reponse = _client(utilisateurs["valideur"]).post(
        reverse("paiements_valider"), {"versements": [acompte.pk]}
    )
    assert reponse.status_code == 302
    (message,) = _messages(reponse)
    assert message.startswith("1 versement validé (")
    assert message.endswith(": il est prêt à être mis en paiement par le comptable.")


def test_un_bilan_depose_n_affiche_plus_a_deposer_avant(convention_signee, utilisateurs):
    page = _client(utilisateurs["porteur"]).get(
        reverse("dossier_detail", args=[convention_signee.dossier_id])
    )
    assert "à déposer avant le" in texte(page).split('id="bilan"')[1].split("</section>")[0]
    deposer_complet(convention_signee, utilisateurs["porteur"])
    page = _client(utilisateurs["porteur"]).get(
        reverse("dossier_detail", args=[convention_signee.dossier_id])
    )
    bloc = texte(page).split('id="bilan"')[1].split("</section>")[0]
    assert "déposé le" in bloc
    assert "à déposer avant le" not in bloc


def test_un_collectif_arrete_n_est_pas_dit_non_retenu_par_la_caf(
    convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"], fonctionnent=(True, False))
    instructeur = _client(utilisateurs["instructeur"])
    url = reverse("bilan_examen", args=[convention_signee.dossier_id])
    tableau = texte(instructeur.get(url)).split('id="deux-calculs"')[1].split("</table>")[0]
    assert "N'a pas fonctionné d'après le bilan." in tableau
    assert "La Caf n'a pas retenu ce collectif" not in tableau
    with django_capture_on_commit_callbacks(execute=False):
        reponse = instructeur.post(reverse("bilan_accepter", args=[convention_signee.dossier_id]))
    (message,) = _messages(reponse)
    # 2 281,25 € définitifs pour un acompte de 3 150,00 € : 868,75 € d'indu.
    assert message == (
        "Bilan accepté. Montant définitif : 2\xa0281,25\xa0€. "
        "Indu de 868,75\xa0€ notifié à la structure."
    )


def test_la_liste_des_bilans_n_allume_que_le_lien_bilans_du_menu(client_de):
    reponse = client_de("instructeur").get(reverse("bilans_caf"))
    assert [lien.libelle for lien in reponse.context["navigation"] if lien.actif] == ["Bilans"]
