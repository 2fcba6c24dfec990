"""`Dossier.objects.visibles_par` et `echanges_par` d'un agent qui est aussi membre d'une
structure d'une autre Caf : il voit les dossiers de sa Caf (hors brouillons) et tous ceux
de sa structure, brouillons compris ; sans structure, la Caf seule (la requête ne garde alors
aucun OR, ce qui laisse PostgreSQL passer par l'index des campagnes)."""

from __future__ import annotations

import pytest

from clas.dossiers.models import Dossier
from tests.factories import (
    CampagneFactory,
    DossierFactory,
    MembreStructureFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossiers(caf_rhone, caf_somme, structure_a, structure_b, utilisateurs):
    campagne_rhone = CampagneFactory(caf=caf_rhone)
    somme_avant = CampagneFactory(caf=caf_somme, annee_scolaire="2024-2025")
    somme = CampagneFactory(caf=caf_somme)
    vimeu = StructureFactory(nom="Espace du Vimeu", caf=caf_somme)
    return {
        "rhone_depose": DossierFactory(structure=structure_a, campagne=campagne_rhone),
        "rhone_brouillon": DossierFactory(
            structure=structure_b, campagne=campagne_rhone, brouillon=True
        ),
        "vimeu_brouillon": DossierFactory(structure=vimeu, campagne=somme, brouillon=True),
        "vimeu_depose": DossierFactory(structure=vimeu, campagne=somme_avant),
        "structure": vimeu,
    }


def _noms(queryset, dossiers) -> set[str]:
    cles = {d.pk: cle for cle, d in dossiers.items() if isinstance(d, Dossier)}
    return {cles[pk] for pk in queryset.values_list("pk", flat=True) if pk in cles}


def test_un_agent_sans_structure_voit_sa_caf_hors_brouillons(utilisateurs, dossiers) -> None:
    agent = utilisateurs["instructeur"]
    assert _noms(Dossier.objects.visibles_par(agent), dossiers) == {"rhone_depose"}
    assert _noms(Dossier.objects.echanges_par(agent), dossiers) == {
        "rhone_depose",
        "rhone_brouillon",
    }
    sql = str(Dossier.objects.visibles_par(agent).query)
    assert " OR " not in sql


def test_un_agent_membre_voit_aussi_sa_structure_brouillons_compris(utilisateurs, dossiers) -> None:
    agent = utilisateurs["instructeur"]
    MembreStructureFactory(utilisateur=agent, structure=dossiers["structure"])
    assert _noms(Dossier.objects.visibles_par(agent), dossiers) == {
        "rhone_depose",
        "vimeu_brouillon",
        "vimeu_depose",
    }
    assert _noms(Dossier.objects.echanges_par(agent), dossiers) == {
        "rhone_depose",
        "rhone_brouillon",
        "vimeu_brouillon",
        "vimeu_depose",
    }


def test_le_national_membre_d_une_structure_y_voit_ses_brouillons(utilisateurs, dossiers) -> None:
    national = utilisateurs["national"]
    assert _noms(Dossier.objects.visibles_par(national), dossiers) == {
        "rhone_depose",
        "vimeu_depose",
    }
    MembreStructureFactory(utilisateur=national, structure=dossiers["structure"])
    national.refresh_from_db()
    del national._structures_membre  # la liste est gardée sur l'objet le temps d'une requête
    assert _noms(Dossier.objects.visibles_par(national), dossiers) == {
        "rhone_depose",
        "vimeu_depose",
        "vimeu_brouillon",
    }
