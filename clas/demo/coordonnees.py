"""Un compte bancaire à vérifier dans la démo : le Centre social des Pentes (Rhône) a
proposé un nouveau compte, avec son RIB ; le valideur de démonstration
(valideur@demo.clas.fr) le trouve sur « Paiements → Coordonnées bancaires ». Les autres
structures de la démo ont un compte déjà accepté (données de démonstration)."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from clas.comptes.models import Utilisateur
from clas.core.pdf import rendre_pdf
from clas.core.validators import iban_fr
from clas.structures.coordonnees import changement_en_cours, proposer_coordonnees
from clas.structures.models import Structure

NOUVEAU_COMPTE = {
    "iban": iban_fr("102780730000023456789"),
    "bic": "CMCIFR2A",
    "banque": "Crédit Mutuel, agence de Lyon Croix-Rousse",
}


def charger_coordonnees(structure: Structure, porteur: Utilisateur) -> None:
    """Idempotent : rien à faire si un compte attend déjà d'être vérifié."""
    if changement_en_cours(structure) is not None:
        return
    groupes = " ".join(re.findall(".{1,4}", NOUVEAU_COMPTE["iban"]))
    pdf = rendre_pdf(
        "demo/rib.html",
        {
            "structure": structure,
            "iban": groupes,
            "bic": NOUVEAU_COMPTE["bic"],
            "banque": NOUVEAU_COMPTE["banque"],
        },
    )
    rib = SimpleUploadedFile("rib-centre-social-des-pentes.pdf", pdf, "application/pdf")
    proposer_coordonnees(structure, porteur, NOUVEAU_COMPTE["iban"], NOUVEAU_COMPTE["bic"], rib)
