"""Outils des tests de la régularisation (indu, remboursements, avenants, clôture) :
signer la convention, payer un versement, accepter un bilan avec un montant définitif
donné, sans dépendre des écrans du bilan ni des lots SEPA."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from clas.bilans import regularisation
from clas.bilans.models import Bilan, EtatBilan
from clas.conventions import actions
from clas.conventions.models import Convention
from clas.versements.models import (
    NatureVersement,
    Versement,
)
from tests.factories import MOT_DE_PASSE, payer_par_le_circuit


def client_de(utilisateur) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


def signer(convention: Convention, porteur) -> Convention:
    actions.signer(convention, porteur, MOT_DE_PASSE)
    convention.refresh_from_db()
    return convention


def payer(versement: Versement, comptable) -> Versement:
    """Ce que fait le circuit des paiements : un lot, puis payé et inscrit au grand livre."""
    return payer_par_le_circuit(versement, comptable)


def accepter_bilan(
    convention: Convention,
    agent,
    montant_definitif: str,
    montant_recalcule: str | None = None,
    capture=None,
) -> regularisation.Regularisation:
    """Le bilan accepté avec ce montant définitif, puis la régularisation (comme le fait
    l'acceptation du bilan). `capture` : django_capture_on_commit_callbacks, pour
    produire l'avis d'indu."""
    bilan, _ = Bilan.objects.get_or_create(convention=convention)
    bilan.etat = EtatBilan.ACCEPTE
    bilan.accepte_le = timezone.now()
    bilan.examine_par = agent
    bilan.montant_recalcule = Decimal(montant_recalcule or montant_definitif)
    bilan.montant_definitif = Decimal(montant_definitif)
    bilan.save()
    if capture is None:
        return regularisation.regulariser(bilan, agent)
    with capture(execute=True):
        return regularisation.regulariser(bilan, agent)


def aujourd_hui() -> dt.date:
    return timezone.localdate()


# --- Fixtures (importées par les fichiers de test de la régularisation) ----------------------

ACOMPTE = Decimal("3150.00")  # 70 % de 4 500,00 €
DEFINITIF_INDU = "1000.00"
INDU = Decimal("2150.00")


@pytest.fixture
def regul_signee(convention, utilisateurs) -> Convention:
    """La convention de 4 500,00 € signée : l'acompte de 3 150,00 € est à valider."""
    return signer(convention, utilisateurs["porteur"])


@pytest.fixture
def regul_acompte_paye(regul_signee, utilisateurs) -> Convention:
    acompte = Versement.objects.get(convention=regul_signee, nature=NatureVersement.ACOMPTE)
    payer(acompte, utilisateurs["comptable"])
    return regul_signee


@pytest.fixture
def regul_indu(regul_acompte_paye, utilisateurs, django_capture_on_commit_callbacks, mailoutbox):
    """Bilan accepté à 1 000,00 € après un acompte payé de 3 150,00 € : indu de 2 150,00 €,
    avis produit et envoyé."""
    resultat = accepter_bilan(
        regul_acompte_paye,
        utilisateurs["instructeur"],
        DEFINITIF_INDU,
        "1000.00",
        capture=django_capture_on_commit_callbacks,
    )
    assert resultat.indu is not None
    resultat.indu.refresh_from_db()
    return resultat.indu
