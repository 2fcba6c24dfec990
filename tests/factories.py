"""Fabriques factory_boy des objets de la plateforme.

Les Caf ne sont pas fabriquées : les 101 Caf viennent de la migration du référentiel
(`Caf.objects.get(departement="69")`).
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from clas.comptes.models import AgentCaf, Utilisateur
from clas.core.validators import siret_valide_depuis
from clas.referentiel.models import Caf
from clas.structures.models import MembreStructure, RoleMembre, Structure, TypeStructure

MOT_DE_PASSE = "mot-de-passe-de-test-2026"


def caf_du_departement(departement: str) -> Caf:
    return Caf.objects.get(departement=departement)


def siret_valide(rang: int) -> str:
    """Un SIRET valide (SIREN et SIRET à la bonne clé), différent pour chaque rang."""
    debut = f"{900000000 + rang:09d}{rang % 10000:04d}"
    return siret_valide_depuis(debut)


class UtilisateurFactory(DjangoModelFactory):
    class Meta:
        model = Utilisateur
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    prenom = factory.Faker("first_name", locale="fr_FR")
    nom = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(MOT_DE_PASSE)


class StructureFactory(DjangoModelFactory):
    class Meta:
        model = Structure

    nom = factory.Sequence(lambda n: f"Structure {n:03d}")
    type_structure = TypeStructure.CENTRE_SOCIAL
    siret = factory.Sequence(siret_valide)
    commune = "Lyon"
    code_postal = "69001"
    caf = factory.LazyFunction(lambda: caf_du_departement("69"))


class MembreStructureFactory(DjangoModelFactory):
    class Meta:
        model = MembreStructure

    utilisateur = factory.SubFactory(UtilisateurFactory)
    structure = factory.SubFactory(StructureFactory)
    role = RoleMembre.ADMINISTRATEUR


class AgentCafFactory(DjangoModelFactory):
    class Meta:
        model = AgentCaf

    utilisateur = factory.SubFactory(UtilisateurFactory)
    caf = factory.LazyFunction(lambda: caf_du_departement("69"))
    est_instructeur = True
    est_valideur = False
    est_comptable = False
