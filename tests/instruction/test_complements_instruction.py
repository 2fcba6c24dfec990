"""La demande de compléments depuis la page du dossier côté Caf : étapes cochées, message,
échéance à venir ; la structure reçoit un courriel, complète seulement ce qui est demandé
et dépose à nouveau : le dossier revient en instruction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clas.dossiers.models import DemandeComplements, EtatDossier, Evenement
from clas.dossiers.permissions import etape_modifiable
from clas.instruction import actions
from tests.outils import texte

ECHEANCE = timezone.localdate() + dt.timedelta(days=10)


def _demander(client, dossier, **autres):
    donnees = {
        "etapes": ["budget", "documents"],
        "message": "Détaillez les frais de personnel.",
        "echeance": ECHEANCE.strftime("%d/%m/%Y"),
    }
    donnees.update(autres)
    return client.post(reverse("instruction_complements", args=[dossier.pk]), donnees)


def test_demander_des_complements_previent_la_structure_et_rouvre_les_etapes(
    instructeur, porteur, dossier_instruit, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        reponse = _demander(instructeur, dossier_instruit)
    assert reponse.status_code == 302
    dossier_instruit.refresh_from_db()
    assert dossier_instruit.etat == EtatDossier.COMPLEMENTS_DEMANDES
    assert dossier_instruit.etapes_a_completer == ["budget", "documents"]
    demande = DemandeComplements.objects.get(dossier=dossier_instruit)
    assert demande.echeance == ECHEANCE
    (courriel,) = mail.outbox
    assert courriel.to == ["porteur.a@exemple.fr"]
    assert "Détaillez les frais de personnel." in courriel.body

    # Côté Caf : la demande en cours est affichée, plus de formulaire de correction.
    page = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk])))
    assert "Compléments demandés, à rendre avant le " + ECHEANCE.strftime("%d/%m/%Y") in page
    assert "Corriger ce collectif" not in page

    # Côté structure : seules les étapes demandées sont rouvertes.
    assert etape_modifiable(dossier_instruit, "budget")
    assert not etape_modifiable(dossier_instruit, "projet")
    page_structure = texte(porteur.get(reverse("dossier_detail", args=[dossier_instruit.pk])))
    assert "Déposer à nouveau" in page_structure

    # La structure dépose à nouveau : retour en instruction, chez le même instructeur.
    with django_capture_on_commit_callbacks(execute=True):
        reponse = porteur.post(reverse("dossier_deposer", args=[dossier_instruit.pk]))
    assert reponse.status_code == 302
    dossier_instruit.refresh_from_db()
    assert dossier_instruit.etat == EtatDossier.EN_INSTRUCTION
    assert dossier_instruit.instructeur.email == "instructeur@rhone.exemple.fr"
    assert mail.outbox[-1].to == ["instructeur@rhone.exemple.fr"]


@pytest.mark.parametrize(
    ("autres", "message"),
    [
        ({"etapes": []}, "Cochez au moins une étape"),
        ({"etapes": ["inconnue"]}, "Choisissez parmi les étapes"),
        ({"message": ""}, "Dites à la structure ce qu'elle doit compléter."),
        ({"echeance": timezone.localdate().strftime("%d/%m/%Y")}, "une date à venir"),
        ({"echeance": "31/02/2027"}, "date valide"),
    ],
)
def test_une_demande_incomplete_est_refusee_sans_rien_perdre(
    instructeur, dossier_instruit, autres, message
) -> None:
    reponse = _demander(instructeur, dossier_instruit, **autres)
    assert reponse.status_code == 400
    page = texte(reponse)
    assert message in page
    # En haut de la page, et le formulaire renvoie à sa section (#complements).
    assert "La demande de compléments n'est pas partie : voyez le formulaire." in page
    assert (
        f'action="{reverse("instruction_complements", args=[dossier_instruit.pk])}#complements"'
        in page
    )
    if autres.get("message") != "":
        assert "Détaillez les frais de personnel." in page
    assert not DemandeComplements.objects.exists()
    assert not mail.outbox


def test_une_seconde_demande_simultanee_recoit_un_message_clair(
    dossier_instruit, utilisateurs
) -> None:
    actions.demander_complements(
        dossier_instruit, utilisateurs["instructeur"], ["budget"], "Premier", ECHEANCE
    )
    with pytest.raises(actions.ActionImpossible, match="Compléments demandés"):
        actions.demander_complements(
            dossier_instruit, utilisateurs["instructeur"], ["budget"], "Second", ECHEANCE
        )
    assert DemandeComplements.objects.count() == 1
    assert Evenement.objects.filter(type="demander_complements").count() == 1
