"""`compter_files` (deux requêtes groupées) donne pour chaque file le même nombre que sa
condition appliquée aux dossiers, sur un mélange de chaque état, de propositions en attente
et de dossiers attribués ou non à l'agent."""

from __future__ import annotations

import itertools

import pytest

from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.files import CODES_FILES, annoter_attente, compter_files, condition_file
from tests.factories import (
    CampagneFactory,
    DossierFactory,
    PropositionFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db

ETATS = [e for e in EtatDossier if e != EtatDossier.BROUILLON]


def test_chaque_file_compte_ce_que_sa_condition_retient(caf_rhone, utilisateurs) -> None:
    moi, autre = utilisateurs["instructeur"], utilisateurs["valideur"]
    campagnes = [
        CampagneFactory(caf=caf_rhone, annee_scolaire=annee)
        for annee in ("2023-2024", "2024-2025", "2025-2026")
    ]
    combinaisons = itertools.product(ETATS, (moi, autre, None), (False, True))
    for rang, (etat, instructeur, en_attente) in enumerate(combinaisons):
        dossier = DossierFactory(
            structure=StructureFactory(caf=caf_rhone),
            campagne=campagnes[rang % 3],
            etat=etat,
            instructeur=instructeur,
        )
        if en_attente:
            PropositionFactory(dossier=dossier)

    dossiers = annoter_attente(Dossier.objects.exclude(etat=EtatDossier.BROUILLON))
    attendus = {code: dossiers.filter(condition_file(code)).count() for code in CODES_FILES}
    attendus["mes_en_instruction"] = dossiers.filter(condition_file("en_instruction", moi)).count()

    assert compter_files(dossiers, moi) == attendus
    assert attendus["a_valider"] == len(ETATS) * 3  # chaque combinaison a son double
    assert attendus["mes_en_instruction"] == 1
