"""Produire un PDF à partir d'un gabarit HTML (WeasyPrint) : accusés de dépôt, conventions,
courriers. Aucune ressource n'est chargée du réseau. Un PDF d'un objet est produit une
fois et gardé (`enregistrer_une_fois`) ; son téléchargement le produit s'il manque
(`telecharger_pdf`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Model
from django.http import FileResponse
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
    return html_en_pdf(render_to_string(gabarit, contexte))


def html_en_pdf(html: str) -> bytes:
    """Le PDF balisé d'une page HTML autonome (le même HTML donne le même document)."""
    from weasyprint import HTML  # import tardif : WeasyPrint est long à charger

    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_refuser_le_reseau)
    pdf: bytes = document.write_pdf(pdf_variant=VARIANTE_PDF)
    return pdf


def enregistrer_une_fois(
    instance: Model,
    champ: str,
    nom_fichier: str,
    gabarit: str,
    contexte: Callable[[], dict[str, Any]],
    *,
    remplacer: bool = False,
) -> bool:
    """Produit le PDF du gabarit et l'enregistre dans le champ fichier `champ` de
    `instance`, s'il n'y est pas encore (ou le remplace si `remplacer`). Renvoie True si un
    PDF a été écrit.

    Pas de `save()` : le PDF ne change ni la version ni la date de modification de l'objet.
    Si un autre processus l'a écrit entre-temps, on garde le sien et on efface le nôtre."""
    fichier = getattr(instance, champ)
    if fichier and not remplacer:
        return False
    fichier.save(nom_fichier, ContentFile(rendre_pdf(gabarit, contexte())), save=False)
    lignes = type(instance)._default_manager.filter(pk=instance.pk)
    if not remplacer:
        lignes = lignes.filter(**{champ: ""})
    if not lignes.update(**{champ: fichier.name}):
        fichier.storage.delete(fichier.name)
        return False
    return True


def telecharger_pdf(
    instance: Model, champ: str, nom_fichier: str, generer: Callable[[Any], object]
) -> FileResponse:
    """La réponse qui télécharge le PDF du champ `champ`, produit d'abord par `generer`
    s'il manque (une production qui a échoué après l'action, reprise à la demande)."""
    if not getattr(instance, champ):
        generer(instance)
        instance.refresh_from_db(fields=[champ])
    return FileResponse(
        getattr(instance, champ).open("rb"),
        as_attachment=True,
        filename=nom_fichier,
        content_type="application/pdf",
    )
