"""« Reprendre le dossier de l'an dernier » : un brouillon prérempli pour la campagne ouverte."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clas.dossiers import actions
from clas.dossiers.models import Dossier, EtatDossier, Evenement, PieceDossier
from clas.structures.models import TypePiece
from tests.dossiers.suivi_fabrique import (
    campagne,
    dossier_complet,
    media_temporaire,  # noqa: F401
    piece,
)
from tests.outils import texte

pytestmark = pytest.mark.usefixtures("media_temporaire")


@pytest.fixture
def ancien(structure_a, caf_rhone, utilisateurs):
    """Le dossier déposé l'an dernier, avec une attestation d'assurance expirée depuis."""
    campagne_passee = campagne(caf_rhone, utilisateurs["valideur"], annee="2025-2026")
    dossier = dossier_complet(structure_a, campagne_passee, utilisateurs["porteur"])
    actions.deposer(dossier, utilisateurs["porteur"])
    PieceDossier.objects.create(
        dossier=dossier,
        piece=piece(
            structure_a,
            utilisateurs["porteur"],
            TypePiece.RAPPORT_ACTIVITE,
            date_validite=timezone.localdate() - dt.timedelta(days=3),
        ),
    )
    campagne_passee.ouverture = timezone.now() - dt.timedelta(days=400)
    campagne_passee.cloture = timezone.now() - dt.timedelta(days=300)
    campagne_passee.save()
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def campagne_ouverte(caf_rhone, utilisateurs):
    return campagne(caf_rhone, utilisateurs["valideur"], annee="2026-2027")


def test_la_reprise_preremplit_textes_collectifs_budget_et_pieces_valables(
    ancien, campagne_ouverte, utilisateurs
) -> None:
    nouveau = actions.reprendre_dossier(ancien, campagne_ouverte, utilisateurs["porteur"])

    assert nouveau.etat == EtatDossier.BROUILLON
    assert nouveau.campagne == campagne_ouverte
    assert nouveau.repris_de == ancien
    assert nouveau.numero is None
    assert nouveau.titre == ancien.titre
    assert nouveau.axe_partenaires == ancien.axe_partenaires
    assert nouveau.ps_demandee == ancien.ps_demandee
    assert nouveau.attestation_par is None  # à signer à nouveau

    anciens = list(ancien.collectifs.order_by("ordre"))
    copies = list(nouveau.collectifs.order_by("ordre"))
    assert [c.nom for c in copies] == [c.nom for c in anciens]
    for avant, apres in zip(anciens, copies, strict=True):
        assert apres.pk != avant.pk
        assert apres.niveaux == avant.niveaux
        assert apres.horaires == avant.horaires
        assert apres.nb_enfants == avant.nb_enfants
        assert apres.semaines_de_fonctionnement == avant.semaines_de_fonctionnement
        assert apres.description_projets_culturels == avant.description_projets_culturels
        assert apres.premiere_semaine is None
        assert sorted(i.nom for i in apres.intervenants.all()) == sorted(
            i.nom for i in avant.intervenants.all()
        )
    assert sorted((ligne.compte, ligne.montant) for ligne in nouveau.lignes_budget.all()) == sorted(
        (ligne.compte, ligne.montant) for ligne in ancien.lignes_budget.all()
    )

    types = sorted(p.piece.type_piece for p in nouveau.pieces.select_related("piece"))
    assert types == sorted(["statuts", "rib", "assurance", "dirigeants"])  # pas le rapport expiré
    evenement = Evenement.objects.get(dossier=nouveau, type="reprise")
    assert evenement.public
    assert ancien.numero in evenement.description
    # L'ancien dossier n'est pas touché.
    assert ancien.collectifs.count() == 2
    assert ancien.pieces.count() == 5


def test_le_dossier_repris_liste_ce_qui_reste_a_faire(
    ancien, campagne_ouverte, utilisateurs
) -> None:
    from clas.dossiers.verification import bloquants, verifier_dossier

    nouveau = actions.reprendre_dossier(ancien, campagne_ouverte, utilisateurs["porteur"])

    etapes = {m.etape for m in bloquants(verifier_dossier(nouveau))}
    assert etapes == {"collectifs", "attestation"}


def test_pas_de_reprise_si_la_structure_a_deja_un_dossier_pour_la_campagne(
    ancien, campagne_ouverte, utilisateurs
) -> None:
    actions.reprendre_dossier(ancien, campagne_ouverte, utilisateurs["porteur"])

    with pytest.raises(actions.RepriseImpossible, match="déjà un dossier pour cette campagne"):
        actions.reprendre_dossier(ancien, campagne_ouverte, utilisateurs["porteur"])
    assert Dossier.objects.filter(campagne=campagne_ouverte).count() == 1


def test_pas_de_reprise_vers_une_campagne_fermee(ancien, utilisateurs) -> None:
    with pytest.raises(actions.RepriseImpossible, match="clos depuis"):
        actions.reprendre_dossier(ancien, ancien.campagne, utilisateurs["porteur"])


def test_pas_de_reprise_vers_la_campagne_d_une_autre_caf(ancien, caf_somme, utilisateurs) -> None:
    autre = campagne(caf_somme, utilisateurs["instructeur_autre_caf"])

    with pytest.raises(actions.RepriseImpossible, match="Caf de votre structure"):
        actions.reprendre_dossier(ancien, autre, utilisateurs["porteur"])


def test_seul_un_membre_de_la_structure_reprend_un_dossier(
    ancien, campagne_ouverte, utilisateurs
) -> None:
    with pytest.raises(PermissionDenied):
        actions.reprendre_dossier(ancien, campagne_ouverte, utilisateurs["porteur_autre"])


def test_reprendre_depuis_la_page_du_dossier_mene_a_la_premiere_etape_du_brouillon(
    ancien, campagne_ouverte, porteur
) -> None:
    page = texte(porteur.get(f"/dossiers/{ancien.pk}/"))
    assert "Reprendre pour « Appel à projets Clas 2026-2027 »" in page
    assert f'action="/dossiers/{ancien.pk}/reprendre/"' in page
    assert "Appel à projets Clas 2026-2027" in texte(
        porteur.get(f"/dossiers/{ancien.pk}/reprendre/")
    )

    reponse = porteur.post(f"/dossiers/{ancien.pk}/reprendre/", {"campagne": campagne_ouverte.pk})

    nouveau = Dossier.objects.get(campagne=campagne_ouverte)
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/dossiers/{nouveau.pk}/etapes/projet/"
    page = texte(porteur.get(f"/dossiers/{nouveau.pk}/"))
    assert f"prérempli à partir du dossier {ancien.numero}" in page
    # La campagne a maintenant son dossier : on ne la propose plus.
    assert "Reprendre pour" not in texte(porteur.get(f"/dossiers/{ancien.pk}/"))


def test_reprendre_vers_une_campagne_non_proposee_est_refuse(ancien, porteur) -> None:
    reponse = porteur.post(f"/dossiers/{ancien.pk}/reprendre/", {"campagne": ancien.campagne_id})

    assert reponse.status_code == 400
    assert "Choisissez une campagne ouverte" in texte(reponse)
    assert Dossier.objects.count() == 1
