"""Le recalcul sur les réels : même barème, paramètres de la décision, montant définitif
plafonné au montant décidé, régularisation (solde ou indu) dans la même transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clas.bareme import calculer, lire_entree
from clas.bilans import actions as actions_bilan
from clas.bilans import recalcul
from clas.bilans.models import Bilan, EtatBilan, Indu
from clas.referentiel.models import ParametresBareme
from clas.versements.models import NatureVersement, Versement
from tests.conventions.bilan_fabrique import (  # noqa: F401
    deposer_complet,
    fixture_convention_signee,
)


def _accepter(convention, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return actions_bilan.accepter(convention, agent)


def test_un_bilan_conforme_au_prevu_redonne_le_montant_decide(
    convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    acceptation = _accepter(
        convention_signee, utilisateurs["instructeur"], django_capture_on_commit_callbacks
    )
    bilan = acceptation.bilan
    assert bilan.etat == EtatBilan.ACCEPTE
    # Même calcul que la décision : 4 562,50 € plafonné au reste à charge 4 500,00 €.
    assert bilan.montant_recalcule == Decimal("4500.00")
    assert bilan.montant_definitif == Decimal("4500.00")
    assert (
        bilan.resultat_reel["montant_total"] == convention_signee.decision.resultat["montant_total"]
    )
    solde = Versement.objects.get(convention=convention_signee, nature=NatureVersement.SOLDE)
    assert solde.montant == Decimal("1350.00")  # 4 500,00 − acompte 3 150,00


def test_un_collectif_de_moins_que_prevu_donne_un_montant_plus_bas_et_un_indu(
    convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"], fonctionnent=(True, False))
    bilan = _accepter(
        convention_signee, utilisateurs["valideur"], django_capture_on_commit_callbacks
    ).bilan
    # Prix de revient 15 000 ÷ 2 (le collectif fermé compte toujours) = 7 500 ;
    # (2 437,50 + 300) × 30/36 = 2 281,25 € pour le seul collectif ouvert.
    assert bilan.montant_recalcule == Decimal("2281.25")
    assert bilan.montant_definitif == Decimal("2281.25")
    entree = bilan.entree_reelle
    assert entree["collectifs"][1]["retenu"] is False
    assert "retenu" not in entree["collectifs"][0]
    assert bilan.resultat_reel["collectifs"][1]["montant"] == "0.00"
    indu = Indu.objects.get(convention=convention_signee)
    assert indu.montant == Decimal("868.75")  # acompte 3 150,00 − 2 281,25
    assert not Versement.objects.filter(nature=NatureVersement.SOLDE).exists()


def test_des_reels_plus_hauts_que_prevu_sont_plafonnes_au_montant_decide(
    convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(
        convention_signee,
        utilisateurs["porteur"],
        charges=Decimal("30000"),
        cofinancements=Decimal("5000"),
        semaines=36,
    )
    bilan = _accepter(
        convention_signee, utilisateurs["instructeur"], django_capture_on_commit_callbacks
    ).bilan
    # 2 × (2 563 + 300) = 5 726,00 € sur les réels, plus que les 4 500,00 € décidés.
    assert bilan.montant_recalcule == Decimal("5726.00")
    assert bilan.montant_definitif == Decimal("4500.00")


def test_le_recalcul_utilise_les_parametres_de_la_decision(
    convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    parametres = ParametresBareme.objects.get(annee_scolaire="2026-2027")
    valeurs_decision = convention_signee.decision.parametres
    parametres.taux = Decimal("0.100")
    parametres.bonus_projets_culturels = Decimal("0.00")
    parametres.save()
    assert ParametresBareme.objects.get(annee_scolaire="2026-2027").vers_bareme().taux == Decimal(
        "0.100"
    )
    deposer_complet(convention_signee, utilisateurs["porteur"], fonctionnent=(True, False))
    bilan = _accepter(
        convention_signee, utilisateurs["instructeur"], django_capture_on_commit_callbacks
    ).bilan
    assert bilan.montant_recalcule == Decimal("2281.25")  # pas (750 + 0) × 30/36 = 625,00
    assert bilan.resultat_reel["parametres"]["taux"]["valeur"] == valeurs_decision["taux"]["valeur"]
    # Et c'est bien la fonction du barème, appliquée à l'entrée figée :
    entree = lire_entree(bilan.entree_reelle, ["2026-2027"])
    attendu = calculer(entree, recalcul.parametres_de_la_decision(convention_signee))
    assert attendu.montant_total == bilan.montant_recalcule


def test_un_second_clic_n_accepte_ni_ne_recalcule_rien(
    convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"], fonctionnent=(True, False))
    premier = _accepter(
        convention_signee, utilisateurs["instructeur"], django_capture_on_commit_callbacks
    )
    assert not premier.deja_accepte
    # Même si les paramètres changent ensuite : rien n'est recalculé en silence.
    ParametresBareme.objects.filter(annee_scolaire="2026-2027").update(taux=Decimal("0.9"))
    second = _accepter(
        convention_signee, utilisateurs["valideur"], django_capture_on_commit_callbacks
    )
    assert second.deja_accepte
    bilan = Bilan.objects.get(convention=convention_signee)
    assert bilan.montant_definitif == Decimal("2281.25")
    assert bilan.examine_par == utilisateurs["instructeur"]
    assert Indu.objects.count() == 1
    assert convention_signee.dossier.evenements.filter(type="bilan_accepte").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deux_agents_qui_acceptent_en_meme_temps_ne_creent_qu_un_solde(
    convention_signee, utilisateurs
):
    import threading

    from django.db import connection

    deposer_complet(convention_signee, utilisateurs["porteur"])
    resultats: list[object] = []
    barriere = threading.Barrier(2)

    def accepter(agent) -> None:
        try:
            barriere.wait()
            resultats.append(actions_bilan.accepter(convention_signee, agent))
        except Exception as erreur:  # pragma: no cover - affiché par l'assertion
            resultats.append(erreur)
        finally:
            connection.close()

    fils = [
        threading.Thread(target=accepter, args=(utilisateurs[nom],))
        for nom in ("instructeur", "valideur")
    ]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert sorted(r.deja_accepte for r in resultats) == [False, True], resultats
    assert Versement.objects.filter(nature=NatureVersement.SOLDE).count() == 1
