"""Un code de secours ou un code à 6 chiffres présentés 20 fois en même temps ne servent
qu'une fois (PostgreSQL : verrous réels)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clas.comptes import double_facteur
from clas.comptes.models import EvenementDoubleFacteur
from tests.comptes.test_double_facteur import code_totp, enroler
from tests.factories import AgentCafFactory

NB_ESSAIS = 20


def essais_simultanes(utilisateur, code: str) -> list[bool]:
    depart = threading.Barrier(NB_ESSAIS)
    acceptes: list[bool] = []
    erreurs: list[BaseException] = []

    def essayer() -> None:
        try:
            depart.wait()
            acceptes.append(double_facteur.verifier(utilisateur, code).acceptee)
        except BaseException as erreur:
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=essayer) for _ in range(NB_ESSAIS)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)
    assert erreurs == []
    return acceptes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_un_code_de_secours_presente_vingt_fois_en_meme_temps_ne_sert_qu_une_fois() -> None:
    from clas.referentiel.models import Caf

    agent = AgentCafFactory(caf=Caf.objects.get(departement="69")).utilisateur
    _, codes = enroler(agent)
    acceptes = essais_simultanes(agent, codes[0])
    assert acceptes.count(True) == 1
    assert double_facteur.codes_restants(agent) == 9
    assert (
        EvenementDoubleFacteur.objects.filter(
            utilisateur=agent, type=EvenementDoubleFacteur.Type.CODE_SECOURS_UTILISE
        ).count()
        == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_un_code_a_six_chiffres_presente_vingt_fois_en_meme_temps_ne_sert_qu_une_fois() -> None:
    from clas.referentiel.models import Caf

    agent = AgentCafFactory(caf=Caf.objects.get(departement="69")).utilisateur
    appareil, _ = enroler(agent)
    acceptes = essais_simultanes(agent, code_totp(appareil))
    assert acceptes.count(True) == 1
