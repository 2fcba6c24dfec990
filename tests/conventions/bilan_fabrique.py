"""Fabriques des tests du bilan : une convention signée (acompte de 3 150,00 € payé : le
bilan ne s'accepte qu'une fois les versements réglés), un bilan complet enregistré, déposé,
accepté."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clas.bilans import actions as bilan
from clas.bilans.models import Bilan
from clas.conventions import actions
from clas.conventions.models import Convention
from clas.dossiers.models import Collectif
from clas.versements.models import NatureVersement
from tests.factories import MOT_DE_PASSE


@pytest.fixture(name="convention_signee")
def fixture_convention_signee(
    convention, utilisateurs, django_capture_on_commit_callbacks
) -> Convention:
    from .regularisation_fabrique import payer

    with django_capture_on_commit_callbacks(execute=False):
        actions.signer(convention, utilisateurs["porteur"], MOT_DE_PASSE)
    payer(convention.versements.get(nature=NatureVersement.ACOMPTE), utilisateurs["comptable"])
    convention.refresh_from_db()
    return convention


def donnees_completes(
    convention: Convention,
    *,
    fonctionnent: tuple[bool, ...] | None = None,
    charges: Decimal = Decimal("15000"),
    cofinancements: Decimal = Decimal("10500"),
    semaines: int = 30,
) -> bilan.DonneesBilan:
    """Un bilan complet : les collectifs tels que prévus (10 enfants, 2 intervenants, 30
    semaines, projets culturels), charges 64 et subvention communale."""
    ids = list(
        Collectif.objects.filter(dossier_id=convention.dossier_id)
        .order_by("ordre", "id")
        .values_list("pk", "nom")
    )
    fonctionnent = fonctionnent or tuple(True for _ in ids)
    return bilan.DonneesBilan(
        collectifs=[
            bilan.DonneesCollectif(
                collectif_id=pk,
                nom=nom,
                a_fonctionne=fonctionne,
                nb_enfants=10 if fonctionne else 0,
                premiere_semaine=dt.date(2026, 9, 14) if fonctionne else None,
                semaines_de_fonctionnement=semaines if fonctionne else 0,
                nb_seances=semaines * 2 if fonctionne else 0,
                nb_intervenants=2 if fonctionne else 0,
                intervenants="Alice Martin, salariée\nBruno Petit, bénévole" if fonctionne else "",
                bonus_projets_culturels=fonctionne,
            )
            for (pk, nom), fonctionne in zip(ids, fonctionnent, strict=True)
        ],
        lignes=[
            ("charge", "64", "", "64 — Charges de personnel", charges),
            ("produit", "74", "commune", "74 — Subvention : Commune", cofinancements),
        ],
        actions_parents="Trois cafés des parents.",
        evaluation_enfants="Progrès en méthode.",
        evaluation_parents="Parents présents.",
        evaluation_ecole="Liens réguliers.",
        evaluation_partenaires="Médiathèque.",
    )


def enregistrer_complet(convention: Convention, auteur, **options) -> Bilan:
    existant = Bilan.objects.filter(convention=convention).first()
    version = existant.version if existant else 0
    return bilan.enregistrer(convention, version, auteur, donnees_completes(convention, **options))


def deposer_complet(convention: Convention, auteur, **options) -> Bilan:
    enregistrer_complet(convention, auteur, **options)
    return bilan.deposer(convention, auteur)
