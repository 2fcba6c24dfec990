"""Fixtures des structures : un dossier de fichiers jetable, un contributeur, une saisie
valide du formulaire d'inscription."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clas.comptes.models import Utilisateur
from clas.structures.models import RoleMembre, Structure
from tests.factories import MembreStructureFactory

IBAN = "FR7630006000011234567890189"


@pytest.fixture(autouse=True)
def _media_jetable(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def contributeur(structure_a: Structure, utilisateurs: dict[str, Utilisateur]) -> Client:
    membre = MembreStructureFactory(
        structure=structure_a,
        role=RoleMembre.CONTRIBUTEUR,
        utilisateur__email="contributeur.a@exemple.fr",
    )
    client = Client()
    client.force_login(membre.utilisateur)
    return client


def rib_pdf(nom: str = "rib-amis-quartier.pdf") -> SimpleUploadedFile:
    """Le RIB qu'une personne dépose : un PDF (reconnu à son contenu)."""
    return SimpleUploadedFile(nom, b"%PDF-1.4\n% RIB de test\n%%EOF\n", "application/pdf")


def saisie_structure(avec_rib: bool = True, **changements: Any) -> dict[str, Any]:
    """Ce qu'une personne saisit pour inscrire une association lyonnaise (avec le RIB de
    son compte)."""
    donnees: dict[str, Any] = {
        "nom": "Les Amis du quartier",
        "type_structure": "association",
        "forme_juridique": "association_1901",
        "siret": "732 829 320 00074",
        "rna": "W691234567",
        "adresse": "12 rue de la République",
        "code_postal": "69002",
        "commune": "Lyon",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "agrifrpp",
        "representant_prenom": "Aïcha",
        "representant_nom": "Benali",
        "representant_qualite": "Présidente",
        "email": "contact@amis-quartier.fr",
        "telephone": "04 72 00 00 00",
    }
    if avec_rib:
        donnees["rib"] = rib_pdf()
    donnees.update(changements)
    return donnees
