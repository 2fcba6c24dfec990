"""Contrôle des fichiers déposés : le type est lu dans le contenu, pas dans le nom."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

TAILLE_MAX = 10 * 1024 * 1024  # 10 Mo

# Signature en tête de fichier → (type MIME, extensions acceptées pour ce type)
SIGNATURES = {
    b"%PDF-": ("application/pdf", (".pdf",)),
    b"\x89PNG\r\n\x1a\n": ("image/png", (".png",)),
    b"\xff\xd8\xff": ("image/jpeg", (".jpg", ".jpeg")),
}


@dataclass(frozen=True)
class FichierVerifie:
    nom: str
    taille: int
    type_mime: str


def verifier_fichier(fichier: UploadedFile[bytes]) -> FichierVerifie:
    """Accepte un PDF, un PNG ou un JPEG de 10 Mo au plus, reconnu par son contenu."""
    nom = (fichier.name or "fichier").rsplit("/", 1)[-1][:255]
    taille = fichier.size or 0
    if taille == 0:
        raise ValidationError(f"Le fichier « {nom} » est vide.")
    if taille > TAILLE_MAX:
        raise ValidationError(
            f"Le fichier « {nom} » pèse {taille / 1024 / 1024:.1f} Mo : 10 Mo au plus. "
            "Réduisez-le (numérisation en 150 ppp, par exemple) puis déposez-le à nouveau."
        )
    fichier.seek(0)
    entete = fichier.read(16)
    fichier.seek(0)
    for signature, (type_mime, extensions) in SIGNATURES.items():
        if entete.startswith(signature):
            if not nom.lower().endswith(extensions):
                raise ValidationError(
                    f"Le fichier « {nom} » est un {type_mime.split('/')[1].upper()} mais son "
                    f"nom ne se termine pas par {' ou '.join(extensions)} : renommez-le."
                )
            return FichierVerifie(nom=nom, taille=taille, type_mime=type_mime)
    raise ValidationError(
        f"Le fichier « {nom} » n'est ni un PDF, ni une image PNG ou JPEG (d'après son "
        "contenu). Enregistrez-le dans l'un de ces formats."
    )
