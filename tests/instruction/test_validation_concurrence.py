"""Deux valideurs valident la même proposition au même instant : une seule décision, le
second reçoit un message clair (PostgreSQL : verrous réels)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clas.dossiers.models import EtatDossier, Evenement
from clas.instruction import decisions
from clas.instruction.models import Decision, Proposition, StatutProposition
from tests.dossiers.suivi_fabrique import dossier_complet
from tests.factories import AgentCafFactory, MembreStructureFactory, StructureFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _proposition() -> tuple[Proposition, list]:
    from clas.dossiers.actions import deposer
    from clas.instruction.actions import prendre
    from clas.referentiel.models import Caf
    from tests.dossiers.suivi_fabrique import campagne

    caf = Caf.objects.get(departement="69")
    instructeur = AgentCafFactory(caf=caf).utilisateur
    valideurs = [
        AgentCafFactory(caf=caf, est_instructeur=False, est_valideur=True).utilisateur
        for _ in range(2)
    ]
    membre = MembreStructureFactory(structure=StructureFactory(caf=caf))
    dossier = dossier_complet(membre.structure, campagne(caf, instructeur), membre.utilisateur)
    deposer(dossier, membre.utilisateur)
    prendre(dossier, instructeur)
    return decisions.proposer(dossier, instructeur, "accord"), valideurs


def _en_meme_temps(actions) -> list[str]:
    depart = threading.Barrier(len(actions))
    resultats: list[str] = []

    def lancer(action) -> None:
        try:
            depart.wait()
            action()
            resultats.append("fait")
        except decisions.ActionImpossible as refus:
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


def test_deux_valideurs_en_meme_temps_une_seule_decision(monkeypatch) -> None:
    monkeypatch.setattr(decisions, "apres_decision", lambda decision_id: None)
    proposition, (premier, second) = _proposition()

    resultats = _en_meme_temps(
        [
            lambda: decisions.valider(Proposition.objects.get(pk=proposition.pk), premier),
            lambda: decisions.valider(Proposition.objects.get(pk=proposition.pk), second),
        ]
    )

    assert resultats[0] == "fait"
    assert resultats[1].startswith("refusé : Cette proposition a déjà été validée par")
    assert Decision.objects.count() == 1
    assert Evenement.objects.filter(type="accepter").count() == 1
    assert proposition.dossier.__class__.objects.get(pk=proposition.dossier_id).etat == (
        EtatDossier.ACCEPTE
    )


def test_valider_et_renvoyer_en_meme_temps_un_seul_passe(monkeypatch) -> None:
    monkeypatch.setattr(decisions, "apres_decision", lambda decision_id: None)
    proposition, (premier, second) = _proposition()

    resultats = _en_meme_temps(
        [
            lambda: decisions.valider(Proposition.objects.get(pk=proposition.pk), premier),
            lambda: decisions.renvoyer(
                Proposition.objects.get(pk=proposition.pk), second, "À revoir."
            ),
        ]
    )

    assert resultats[0] == "fait"
    assert resultats[1].startswith("refusé : Cette proposition a déjà été")
    statut = Proposition.objects.get(pk=proposition.pk).statut
    assert (statut == StatutProposition.VALIDEE) == Decision.objects.exists()
