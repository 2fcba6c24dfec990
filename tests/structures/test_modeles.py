"""Structures : SIRET contrôlé par python-stdnum (clés de Luhn, règle de La Poste),
visibilité par rôle, un rôle par membre."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clas.comptes.models import Utilisateur
from clas.core.validators import siret_valide_depuis, valider_siret
from clas.structures.models import MembreStructure, RoleMembre, Structure
from tests.factories import MembreStructureFactory, StructureFactory, siret_valide


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # l'exemple de SIRET que donne l'Insee
        siret_valide(1),
        siret_valide(42),
        "35600000000048",  # le siège de La Poste
        "35600000049837",  # un bureau de La Poste : somme des chiffres multiple de 5, pas de Luhn
    ],
)
def test_un_siret_de_14_chiffres_a_la_bonne_cle_est_accepte(siret: str) -> None:
    valider_siret(siret)


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("7328293200007", "exactement 14 chiffres"),
        ("732829320000741", "exactement 14 chiffres"),
        ("732 829 320 00074", "exactement 14 chiffres"),
        ("7328293200007A", "exactement 14 chiffres"),
        ("", "exactement 14 chiffres"),
        ("73282932000075", "clé de contrôle incorrecte"),
        # Clé de Luhn juste sur les 14 chiffres, mais le SIREN (9 premiers) est faux.
        ("12345678901237", "clé de contrôle incorrecte"),
        ("35600000049838", "clé de contrôle incorrecte"),  # La Poste : somme non multiple de 5
    ],
)
def test_un_siret_mal_forme_est_refuse_avec_un_message_clair(siret: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        valider_siret(siret)


@pytest.mark.parametrize("debut", ["7328293200007", "0000000000000", "9999999999999"])
def test_siret_valide_depuis_donne_un_siret_et_un_siren_valides(debut: str) -> None:
    valider_siret(siret_valide_depuis(debut))


def test_changer_un_seul_chiffre_rend_le_siret_invalide() -> None:
    siret = siret_valide(7)
    faux = siret[:5] + str((int(siret[5]) + 1) % 10) + siret[6:]

    with pytest.raises(ValidationError):
        valider_siret(faux)


@pytest.mark.django_db
def test_full_clean_d_une_structure_verifie_le_siret(caf_rhone) -> None:
    structure = StructureFactory.build(siret="12345678901234", caf=caf_rhone)

    with pytest.raises(ValidationError) as erreur:
        structure.full_clean()

    assert "siret" in erreur.value.message_dict


@pytest.mark.django_db
def test_deux_structures_ne_partagent_pas_un_siret(structure_a: Structure) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StructureFactory(siret=structure_a.siret)


@pytest.mark.django_db
def test_une_personne_n_a_qu_un_role_par_structure(structure_a: Structure) -> None:
    membre = MembreStructureFactory(structure=structure_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        MembreStructure.objects.create(
            utilisateur=membre.utilisateur, structure=structure_a, role=RoleMembre.SIGNATAIRE
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "visibles"),
    [
        ("porteur", ["Centre social A"]),
        ("porteur_autre", ["Association B"]),
        ("instructeur", ["Association B", "Centre social A"]),
        ("valideur", ["Association B", "Centre social A"]),
        ("comptable", ["Association B", "Centre social A"]),
        ("instructeur_autre_caf", ["Espace du Vimeu"]),
        ("national", ["Association B", "Centre social A", "Espace du Vimeu"]),
    ],
)
def test_chacun_ne_voit_que_les_structures_de_son_perimetre(
    utilisateurs: dict[str, Utilisateur], caf_somme, persona: str, visibles: list[str]
) -> None:
    StructureFactory(nom="Espace du Vimeu", caf=caf_somme)

    noms = list(Structure.objects.visibles_par(utilisateurs[persona]).values_list("nom", flat=True))

    assert noms == visibles


@pytest.mark.django_db
def test_un_visiteur_anonyme_ne_voit_aucune_structure(structure_a: Structure) -> None:
    assert not Structure.objects.visibles_par(AnonymousUser()).exists()


@pytest.mark.django_db
def test_un_agent_membre_d_une_structure_voit_aussi_celle_ci_sans_doublon(
    utilisateurs: dict[str, Utilisateur], caf_somme
) -> None:
    vimeu = StructureFactory(nom="Espace du Vimeu", caf=caf_somme)
    agent_somme = utilisateurs["instructeur_autre_caf"]
    MembreStructureFactory(utilisateur=agent_somme, structure=vimeu)
    MembreStructureFactory(utilisateur=agent_somme, structure__nom="Maison lointaine")

    noms = list(Structure.objects.visibles_par(agent_somme).values_list("nom", flat=True))

    assert noms == ["Espace du Vimeu", "Maison lointaine"]
