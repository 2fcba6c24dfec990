"""Deux agents au même instant sur les mêmes versements (PostgreSQL : verrous réels) : un
versement n'entre que dans un seul lot, n'est payé qu'une fois, n'est validé qu'une fois."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from clas.bilans import regularisation
from clas.dossiers.models import Evenement
from clas.versements import actions as paiements
from clas.versements import grand_livre
from clas.versements.models import EtatVersement, LotPaiement, Mouvement, TypeMouvement, Versement
from tests.factories import AgentCafFactory

from .paiements_fabrique import convention_signee, donner_un_compte

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

E = EtatVersement


def _jeu(etat: str, nombre: int = 3):
    from clas.referentiel.models import Caf
    from tests.instruction.outils import creer_campagne

    caf = donner_un_compte(Caf.objects.get(departement="69"))
    instructeur = AgentCafFactory(caf=caf).utilisateur
    valideurs = [
        AgentCafFactory(caf=caf, est_instructeur=False, est_valideur=True).utilisateur
        for _ in range(2)
    ]
    comptables = [
        AgentCafFactory(caf=caf, est_instructeur=False, est_comptable=True).utilisateur
        for _ in range(2)
    ]
    campagne = creer_campagne(caf, "2026-2027", cree_par=valideurs[0])
    versements = [
        convention_signee(
            caf, instructeur, valideurs[0], f"{1000 * (rang + 1)}.00", campagne=campagne, etat=etat
        )
        for rang in range(nombre)
    ]
    return caf, versements, valideurs, comptables


def _en_meme_temps(actions) -> list[str]:
    depart = threading.Barrier(len(actions))
    resultats: list[str] = []

    def lancer(action) -> None:
        try:
            depart.wait()
            resultats.append(f"fait : {action()}")
        except paiements.ActionImpossible as refus:
            resultats.append(f"refusé : {refus}")
        except BaseException as erreur:  # pragma: no cover - remonté par l'assertion
            resultats.append(f"erreur : {erreur!r}")
        finally:
            connection.close()

    fils = [threading.Thread(target=lancer, args=(action,)) for action in actions]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)
    return sorted(resultats)


def _invariant_du_grand_livre() -> None:
    payes = Versement.objects.filter(etat=E.PAYE).aggregate(t=Sum("montant"))["t"] or 0
    mouvements = (
        Mouvement.objects.filter(type=TypeMouvement.VERSEMENT_PAYE).aggregate(t=Sum("montant"))["t"]
        or 0
    )
    assert payes == mouvements
    for versement in Versement.objects.select_related("convention"):
        attendu = versement.montant if versement.etat == E.PAYE else 0
        assert grand_livre.situation(versement.convention).verse == attendu


def test_deux_comptables_creent_un_lot_en_meme_temps_un_seul_lot(monkeypatch) -> None:
    caf, versements, _valideurs, (premier, second) = _jeu(E.VALIDE)
    aujourd_hui = timezone.localdate()

    resultats = _en_meme_temps(
        [
            lambda: paiements.creer_lot(caf, premier, aujourd_hui).lot.numero,
            lambda: paiements.creer_lot(caf, second, aujourd_hui).lot.numero,
        ]
    )

    assert resultats[0].startswith("fait : LOT-")
    assert resultats[1].startswith("refusé : Rien à payer"), resultats
    assert LotPaiement.objects.count() == 1
    lot = LotPaiement.objects.get()
    assert set(lot.versements.values_list("pk", flat=True)) == {v.pk for v in versements}
    assert lot.nb_versements == 3
    assert not Versement.objects.exclude(etat=E.MIS_EN_PAIEMENT).exists()


def test_deux_marquer_paye_en_meme_temps_un_seul_mouvement_par_versement(monkeypatch) -> None:
    monkeypatch.setattr(regularisation, "cloturer_si_termine", lambda c, a: False)
    caf, _versements, _valideurs, (premier, second) = _jeu(E.VALIDE)
    aujourd_hui = timezone.localdate()
    lot = paiements.creer_lot(caf, premier, aujourd_hui).lot

    resultats = _en_meme_temps(
        [
            lambda: len(
                paiements.marquer_lot_paye(
                    LotPaiement.objects.get(pk=lot.pk), premier, aujourd_hui, "VIR-A"
                )
            ),
            lambda: len(
                paiements.marquer_lot_paye(
                    LotPaiement.objects.get(pk=lot.pk), second, aujourd_hui, "VIR-B"
                )
            ),
        ]
    )

    assert resultats == ["fait : 0", "fait : 3"]
    assert Mouvement.objects.count() == 3
    assert len(set(Versement.objects.values_list("reference_bancaire", flat=True))) == 1
    assert Evenement.objects.filter(type=TypeMouvement.VERSEMENT_PAYE).count() == 3
    _invariant_du_grand_livre()


def test_deux_valideurs_valident_en_meme_temps_une_seule_validation() -> None:
    _caf, versements, (premier, second), _comptables = _jeu(E.A_VALIDER)

    resultats = _en_meme_temps(
        [
            lambda: len(paiements.valider_versements(list(versements), premier)),
            lambda: len(paiements.valider_versements(list(reversed(versements)), second)),
        ]
    )

    assert resultats == ["fait : 0", "fait : 3"]
    assert Evenement.objects.filter(type="versement_valide").count() == 3
    assert len(set(Versement.objects.values_list("valide_par", flat=True))) == 1


def test_payer_et_rejeter_en_meme_temps_un_seul_passe(monkeypatch) -> None:
    monkeypatch.setattr(regularisation, "cloturer_si_termine", lambda c, a: False)
    caf, _versements, _valideurs, (premier, second) = _jeu(E.VALIDE, nombre=1)
    aujourd_hui = timezone.localdate()
    lot = paiements.creer_lot(caf, premier, aujourd_hui).lot
    versement = lot.versements.get()

    resultats = _en_meme_temps(
        [
            lambda: len(paiements.marquer_lot_paye(lot, premier, aujourd_hui, "VIR")),
            lambda: paiements.rejeter_versement(
                Versement.objects.get(pk=versement.pk), second, "Compte clos"
            )[1],
        ]
    )

    versement.refresh_from_db()
    if versement.etat == E.PAYE:
        assert resultats == [
            "fait : 1",
            "refusé : Ce versement est « Payé » : seul un versement mis "
            "en paiement (ou accepté par la banque) peut être rejeté.",
        ]
        assert Mouvement.objects.count() == 1
    else:
        assert versement.etat == E.REJETE
        assert resultats == ["fait : 0", "fait : True"]
        assert not Mouvement.objects.exists()
    _invariant_du_grand_livre()
