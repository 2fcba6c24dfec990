"""Fabriques et fixtures des tests du dépôt et du suivi des dossiers : une campagne ouverte,
un dossier complet prêt à déposer, des pièces du coffre-fort, un MEDIA_ROOT temporaire."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.dossiers.models import (
    Collectif,
    Dossier,
    Intervenant,
    LigneBudget,
    NatureLigne,
    PieceDossier,
)
from clas.referentiel.models import Caf
from clas.structures.models import PieceJustificative, Structure, TypePiece

PDF_MINIMAL = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media_temporaire(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.MEDIA_ROOT


def campagne(
    caf: Caf,
    auteur: Utilisateur,
    annee: str = "2026-2027",
    ouverte: bool = True,
    **champs: object,
) -> Campagne:
    maintenant = timezone.now()
    if ouverte:
        bornes = {
            "ouverture": maintenant - dt.timedelta(days=10),
            "cloture": maintenant + dt.timedelta(days=30),
        }
    else:
        bornes = {
            "ouverture": maintenant - dt.timedelta(days=400),
            "cloture": maintenant - dt.timedelta(days=300),
        }
    bornes.update(champs)  # type: ignore[arg-type]
    return Campagne.objects.create(
        caf=caf,
        annee_scolaire=annee,
        titre=f"Appel à projets Clas {annee}",
        enveloppe=Decimal("500000"),
        cree_par=auteur,
        **bornes,
    )


def piece(
    structure: Structure,
    auteur: Utilisateur,
    type_piece: str,
    date_validite: dt.date | None = None,
) -> PieceJustificative:
    objet = PieceJustificative(
        structure=structure,
        type_piece=type_piece,
        nom_fichier=f"{type_piece}.pdf",
        taille=len(PDF_MINIMAL),
        type_mime="application/pdf",
        date_validite=date_validite,
        deposee_par=auteur,
    )
    objet.fichier.save(f"{type_piece}.pdf", ContentFile(PDF_MINIMAL), save=False)
    objet.save()
    return objet


TEXTES = {
    "titre": "Réussir ensemble à Lyon",
    "resume": "Accompagnement à la scolarité de 20 enfants du quartier.",
    "axe_enfants": "Aide méthodologique et ouverture culturelle.",
    "axe_parents": "Rencontres mensuelles avec les parents.",
    "axe_ecole": "Liaison hebdomadaire avec les enseignants.",
    "axe_partenaires": "Médiathèque, maison de quartier.",
    "orientation_enfants": "Par les enseignants, avec l'accord des parents.",
    "liens_ecoles_pedt": "Inscrit au PEDT de la ville.",
    "lieux": "Centre social, salle du premier étage.",
}


def ajouter_collectif(dossier: Dossier, rang: int, **champs: object) -> Collectif:
    valeurs: dict[str, object] = {
        "ordre": rang,
        "nom": f"Collectif {rang + 1}",
        "lieu": "Centre social",
        "niveaux": ["CM1", "CM2"],
        "nb_enfants": 10,
        "premiere_semaine": dt.date(2026, 9, 14),
        "semaines_de_fonctionnement": 30,
        "horaires": [{"jour": "mardi", "debut": "16:30", "fin": "18:00"}],
        "bonus_projets_culturels": True,
        "description_projets_culturels": "Sorties au musée.",
    }
    valeurs.update(champs)
    collectif = Collectif.objects.create(dossier=dossier, **valeurs)
    Intervenant.objects.create(collectif=collectif, nom="Alice Martin", statut="salarie")
    Intervenant.objects.create(
        collectif=collectif, nom="Bruno Petit", statut="benevole", qualification="Enseignant"
    )
    return collectif


def dossier_complet(
    structure: Structure,
    campagne_: Campagne,
    auteur: Utilisateur,
    nb_collectifs: int = 2,
    **champs: object,
) -> Dossier:
    """Un brouillon qui passe toutes les vérifications du dépôt."""
    valeurs: dict[str, object] = {
        **TEXTES,
        "ps_demandee": Decimal("4500.00"),
        "attestation_par": auteur,
        "attestation_le": timezone.now(),
    }
    valeurs.update(champs)
    dossier = Dossier.objects.create(
        structure=structure, campagne=campagne_, cree_par=auteur, **valeurs
    )
    for rang in range(nb_collectifs):
        ajouter_collectif(dossier, rang)
    LigneBudget.objects.create(
        dossier=dossier, nature=NatureLigne.CHARGE, compte="64", montant=Decimal("15000")
    )
    LigneBudget.objects.create(
        dossier=dossier,
        nature=NatureLigne.PRODUIT,
        compte="74",
        financeur="commune",
        libelle="Ville de Lyon",
        montant=Decimal("10000"),
    )
    LigneBudget.objects.create(
        dossier=dossier, nature=NatureLigne.PRODUIT, compte="75", montant=Decimal("500")
    )
    for type_piece in (TypePiece.STATUTS, TypePiece.RIB, TypePiece.ASSURANCE, TypePiece.DIRIGEANTS):
        PieceDossier.objects.create(dossier=dossier, piece=piece(structure, auteur, type_piece))
    return dossier


def textes_du_pdf(contenu: bytes) -> bytes:
    """Le PDF avec ses flux décompressés (les métadonnées sont dans un flux d'objets)."""
    morceaux = [contenu]
    for flux in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", contenu, re.S):
        with contextlib.suppress(zlib.error):
            morceaux.append(zlib.decompress(flux.group(1)))
    return b"\n".join(morceaux)


def contient_texte_pdf(contenu: bytes, mot: str) -> bool:
    clair = textes_du_pdf(contenu)
    hexa = mot.encode("utf-16-be").hex().encode()
    return mot.encode() in clair or hexa in clair.lower()
