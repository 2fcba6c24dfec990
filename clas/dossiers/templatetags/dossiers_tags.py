from __future__ import annotations

from django import template

from clas.dossiers.models import Dossier
from clas.dossiers.verification import PIECES_OBLIGATOIRES
from clas.structures.models import TypePiece

register = template.Library()


@register.simple_tag
def pieces_obligatoires(dossier: Dossier) -> list[dict[str, str]]:
    """Chaque pièce exigée au dépôt, avec son état dans le dossier (une requête)."""
    jointes = [lien.piece for lien in dossier.pieces.select_related("piece")]
    etats = []
    for type_piece in PIECES_OBLIGATOIRES:
        du_type = [piece for piece in jointes if piece.type_piece == type_piece]
        if not du_type:
            statut = "manquante"
        elif all(piece.est_expiree() for piece in du_type):
            statut = "expiree"
        else:
            statut = "jointe"
        etats.append({"libelle": TypePiece(type_piece).label, "statut": statut})
    return etats
