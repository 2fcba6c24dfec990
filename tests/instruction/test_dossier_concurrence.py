"""Deux agents agissent en même temps sur le même dossier (PostgreSQL : verrous réels) :
le second reçoit un message clair, rien n'est appliqué deux fois."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from clas.dossiers.actions import deposer
from clas.dossiers.models import Dossier, EtatDossier, Evenement
from clas.instruction import actions
from clas.instruction.models import Correction
from tests.dossiers.suivi_fabrique import campagne, dossier_complet
from tests.factories import AgentCafFactory, MembreStructureFactory, StructureFactory


def _en_meme_temps(*fonctions: Callable[[], None]) -> list[str]:
    depart = threading.Barrier(len(fonctions))
    resultats: list[str] = []

    def lancer(fonction: Callable[[], None]) -> None:
        try:
            depart.wait()
            fonction()
            resultats.append("fait")
        except actions.ActionImpossible as refus:
            resultats.append(f"refusé : {refus}")
        except BaseException as erreur:  # pragma: no cover - affiché par l'assertion
            resultats.append(f"erreur : {erreur!r}")
        finally:
            connection.close()

    fils = [threading.Thread(target=lancer, args=(f,)) for f in fonctions]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)
    return resultats


def _depose(monkeypatch):
    from clas.dossiers import actions as actions_dossier
    from clas.referentiel.models import Caf

    monkeypatch.setattr(actions_dossier, "_apres_depot", lambda dossier_id: None)
    caf = Caf.objects.get(departement="69")
    membre = MembreStructureFactory(structure=StructureFactory(caf=caf))
    dossier = dossier_complet(
        membre.structure, campagne(caf, membre.utilisateur), membre.utilisateur
    )
    deposer(dossier, membre.utilisateur)
    agents = [AgentCafFactory(caf=caf).utilisateur for _ in range(2)]
    return dossier, agents


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deux_agents_prennent_le_meme_dossier_un_seul_l_obtient(monkeypatch) -> None:
    dossier, (premier, second) = _depose(monkeypatch)

    def prendre(agent):
        return lambda: actions.prendre(Dossier.objects.get(pk=dossier.pk), agent, "", None)

    resultats = _en_meme_temps(prendre(premier), prendre(second))

    assert sorted(r.split(" : ")[0] for r in resultats) == ["fait", "refusé"], resultats
    refus = next(r for r in resultats if r.startswith("refusé"))
    assert "vient de prendre ce dossier" in refus
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.EN_INSTRUCTION
    assert dossier.instructeur in (premier, second)
    assert Evenement.objects.filter(dossier=dossier, type="prendre_en_instruction").count() == 1
    assert not Evenement.objects.filter(dossier=dossier, type="reattribution").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_une_reprise_et_une_correction_simultanees_ne_se_melangent_pas(monkeypatch) -> None:
    dossier, (titulaire, repreneur) = _depose(monkeypatch)
    actions.prendre(dossier, titulaire)
    collectif = dossier.collectifs.order_by("ordre", "id").first()

    resultats = _en_meme_temps(
        lambda: actions.corriger(
            Dossier.objects.get(pk=dossier.pk), titulaire, collectif, {"nb_enfants": 4}, "x"
        ),
        lambda: actions.prendre(
            Dossier.objects.get(pk=dossier.pk), repreneur, "Absence.", titulaire.pk
        ),
    )
    dossier.refresh_from_db()
    assert dossier.instructeur == repreneur
    corrections = Correction.objects.filter(dossier=dossier).count()
    # Soit la correction est passée avant la reprise (par le titulaire, encore attribué),
    # soit elle est refusée avec un message : jamais une correction après la reprise.
    if corrections:
        assert resultats.count("fait") == 2, resultats
        assert Correction.objects.get(dossier=dossier).auteur == titulaire
    else:
        assert any("instruit par" in r for r in resultats), resultats
    assert Evenement.objects.filter(dossier=dossier, type="reattribution").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deux_demandes_de_complements_simultanees_une_seule_passe(monkeypatch) -> None:
    import datetime as dt

    from django.utils import timezone

    from clas.dossiers.models import DemandeComplements

    dossier, (titulaire, _autre) = _depose(monkeypatch)
    actions.prendre(dossier, titulaire)
    echeance = timezone.localdate() + dt.timedelta(days=10)

    def demander(texte: str):
        return lambda: actions.demander_complements(
            Dossier.objects.get(pk=dossier.pk), titulaire, ["budget"], texte, echeance
        )

    resultats = _en_meme_temps(demander("Un"), demander("Deux"))
    assert sorted(r.split(" : ")[0] for r in resultats) == ["fait", "refusé"], resultats
    assert DemandeComplements.objects.filter(dossier=dossier).count() == 1
