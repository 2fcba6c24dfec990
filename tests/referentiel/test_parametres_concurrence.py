"""Deux nationaux qui enregistrent en même temps la même version : un seul passe.

Sur PostgreSQL seulement : SQLite n'a pas de verrou de ligne (SELECT … FOR UPDATE).
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from clas.comptes.models import Utilisateur
from clas.referentiel.actions import VersionPerimee, modifier_parametres
from clas.referentiel.models import ModificationParametre, ParametresBareme

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_deux_enregistrements_simultanes_de_la_meme_version_un_seul_passe(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    parametres = ParametresBareme.objects.get(annee_scolaire="2025-2026")
    version = parametres.updated_at.isoformat()
    depart = threading.Barrier(2, timeout=30)
    issues: list[str] = []

    def enregistrer(taux: str) -> None:
        try:
            depart.wait()
            modifier_parametres(
                ParametresBareme.objects.get(pk=parametres.pk),
                parametres.valeurs() | {"taux": Decimal(taux)},
                parametres.sources,
                f"Passage à {taux}",
                utilisateurs["national"],
                version,
            )
            issues.append("enregistré")
        except VersionPerimee:
            issues.append("refusé")
        finally:
            connection.close()

    fils = [threading.Thread(target=enregistrer, args=(t,)) for t in ("0.35", "0.36")]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)

    assert sorted(issues) == ["enregistré", "refusé"]
    assert ModificationParametre.objects.count() == 1
    gagnant = ModificationParametre.objects.get()
    assert ParametresBareme.objects.get(pk=parametres.pk).taux == Decimal(gagnant.nouvelle_valeur)
