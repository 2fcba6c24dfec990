"""Deux dépôts simultanés n'ont jamais le même numéro (PostgreSQL : verrous réels)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clas.dossiers import actions
from clas.dossiers.models import Dossier, EtatDossier
from tests.dossiers.suivi_fabrique import (
    campagne,
    dossier_complet,
    media_temporaire,  # noqa: F401
)
from tests.factories import MembreStructureFactory, StructureFactory, UtilisateurFactory

NB_DEPOTS = 8

pytestmark = pytest.mark.usefixtures("media_temporaire")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_des_depots_simultanes_recoivent_des_numeros_tous_differents(
    monkeypatch,
) -> None:
    monkeypatch.setattr(actions, "_apres_depot", lambda dossier_id: None)
    from clas.referentiel.models import Caf

    caf = Caf.objects.get(departement="69")
    campagne_ = campagne(caf, UtilisateurFactory())
    depots = []
    for _ in range(NB_DEPOTS):
        membre = MembreStructureFactory(structure=StructureFactory(caf=caf))
        depots.append(
            (dossier_complet(membre.structure, campagne_, membre.utilisateur), membre.utilisateur)
        )
    depart = threading.Barrier(NB_DEPOTS)
    erreurs: list[BaseException] = []

    def deposer(dossier: Dossier, auteur) -> None:
        try:
            depart.wait()
            actions.deposer(dossier, auteur)
        except BaseException as erreur:
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=deposer, args=depot) for depot in depots]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)

    assert erreurs == []
    numeros = sorted(Dossier.objects.filter(campagne=campagne_).values_list("numero", flat=True))
    assert numeros == [f"CLAS-069-2026-{rang:05d}" for rang in range(1, NB_DEPOTS + 1)]
    assert set(Dossier.objects.values_list("etat", flat=True)) == {EtatDossier.DEPOSE}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deux_depots_simultanes_du_meme_dossier_un_seul_passe(
    monkeypatch,
) -> None:
    monkeypatch.setattr(actions, "_apres_depot", lambda dossier_id: None)
    from clas.referentiel.models import Caf

    caf = Caf.objects.get(departement="69")
    membre = MembreStructureFactory(structure=StructureFactory(caf=caf))
    dossier = dossier_complet(
        membre.structure, campagne(caf, UtilisateurFactory()), membre.utilisateur
    )
    depart = threading.Barrier(2)
    resultats: list[str] = []

    def deposer() -> None:
        try:
            depart.wait()
            actions.deposer(Dossier.objects.get(pk=dossier.pk), membre.utilisateur)
            resultats.append("déposé")
        except actions.TransitionImpossible:
            resultats.append("refusé")
        finally:
            connection.close()

    fils = [threading.Thread(target=deposer) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)

    assert sorted(resultats) == ["déposé", "refusé"]
    assert Dossier.objects.get(pk=dossier.pk).numero == "CLAS-069-2026-00001"
