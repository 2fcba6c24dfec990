"""`manage.py charger_demo` sur une base vide : ses refus. Ce que la démo contient est
vérifié dans tests/demo/, où elle est chargée une fois pour tous les tests."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from clas.comptes.models import Utilisateur
from clas.referentiel.models import Caf
from clas.structures.models import Structure

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_la_demo_refuse_de_tourner_hors_debug_sans_force() -> None:
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        call_command("charger_demo", stdout=StringIO())

    assert not Utilisateur.objects.exists()
    assert not Structure.objects.exists()


def test_la_demo_refuse_une_base_sans_referentiel_des_caf() -> None:
    Caf.objects.all().delete()

    with pytest.raises(CommandError, match="lancez d'abord « migrate »"):
        call_command("charger_demo", "--force", stdout=StringIO())
