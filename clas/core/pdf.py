"""Produire un PDF à partir d'un gabarit HTML (WeasyPrint) : accusés de dépôt, conventions,
courriers. Aucune ressource n'est chargée du réseau."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

# WeasyPrint raconte chaque étape du rendu au niveau INFO : seuls ses avertissements comptent.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _refuser_le_reseau(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Les gabarits PDF sont autonomes (styles en ligne) : aucune URL n'est suivie."""
    raise ValueError(f"Ressource externe refusée dans un PDF : {url}")


# PDF/UA-1 (ISO 14289) : PDF balisé (structure des titres, paragraphes et tableaux lisible
# par un lecteur d'écran), langue et titre du document déclarés. Chaque gabarit porte donc
# `<html lang="fr">` et un `<title>`.
VARIANTE_PDF = "pdf/ua-1"


def rendre_pdf(gabarit: str, contexte: dict[str, Any]) -> bytes:
    """Le PDF balisé (PDF/UA) du gabarit rendu avec ce contexte."""
    from weasyprint import HTML  # import tardif : WeasyPrint est long à charger

    html = render_to_string(gabarit, contexte)
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_refuser_le_reseau)
    return document.write_pdf(pdf_variant=VARIANTE_PDF)
