"""Répondre à une demande d'export : tout de suite (CSV en flux, XLSX écrit sur disque) tant
que les lignes tiennent sous `CLAS_EXPORT_SEUIL_TACHE`, en tâche de fond au-delà
(`produire_export`, django-tasks), avec une page de suivi qui se rafraîchit (htmx) et un
lien de téléchargement réservé au demandeur."""

from __future__ import annotations

import logging
import tempfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET
from django_tasks import task

from .exports import (
    FORMATS,
    TYPES_MIME,
    Export,
    ecrire_csv,
    ecrire_xlsx,
    flux_csv,
    nom_de_fichier,
    parcourir,
)
from .models import ExportDemande
from .permissions import RequeteConnectee, connexion_requise

journal = logging.getLogger("clas.exports")

ECHEC = (
    "L'export n'a pas pu être produit. Relancez-le depuis la page de la liste ; si l'échec "
    "se répète, signalez-le à l'assistance."
)


def repondre(request: RequeteConnectee, chemin: str, format_: str) -> HttpResponseBase:
    """La réponse à l'export `chemin` (chemin d'import d'un `Export`) dans ce format, avec
    les filtres de la page (la chaîne de requête)."""
    if format_ not in FORMATS:
        raise Http404("Format d'export inconnu : CSV ou XLSX.")
    export: Export = import_string(chemin)
    requete = export.lignes(request.user, request.GET)
    nom = nom_de_fichier(export, format_)
    if requete.count() > settings.CLAS_EXPORT_SEUIL_TACHE:
        return _differer(request, chemin, format_, nom)
    if format_ == "csv":
        reponse: HttpResponseBase = StreamingHttpResponse(
            flux_csv(export, parcourir(requete)), content_type=TYPES_MIME["csv"]
        )
        reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
        return reponse
    # Fermé (et effacé) par FileResponse une fois envoyé : pas de bloc with.
    fichier = tempfile.TemporaryFile()  # noqa: SIM115
    ecrire_xlsx(export, parcourir(requete), fichier, lambda n: None)
    fichier.seek(0)
    return FileResponse(fichier, as_attachment=True, filename=nom, content_type=TYPES_MIME["xlsx"])


def _differer(request: RequeteConnectee, chemin: str, format_: str, nom: str) -> HttpResponse:
    parametres = {cle: valeurs for cle, valeurs in request.GET.lists() if cle != "page"}
    demande = ExportDemande.objects.create(
        demandeur=request.user,
        export=chemin,
        format=format_,
        parametres=parametres,
        nom_fichier=nom,
    )
    transaction.on_commit(lambda: produire_export.enqueue(demande.pk))
    return redirect("export_suivi", pk=demande.pk)


@task()
def produire_export(demande_id: int) -> None:
    """Écrit le fichier de la demande, en notant la progression à chaque paquet de lignes."""
    demande = ExportDemande.objects.select_related("demandeur").get(pk=demande_id)
    export: Export = import_string(demande.export)
    parametres = QueryDict(mutable=True)
    for cle, valeurs in demande.parametres.items():
        parametres.setlist(cle, valeurs)
    requete = export.lignes(demande.demandeur, parametres)
    demande.lignes_total = requete.count()
    demande.save(update_fields=["lignes_total"])

    def progression(nombre: int) -> None:
        ExportDemande.objects.filter(pk=demande.pk).update(lignes_ecrites=nombre)

    ecrire = ecrire_csv if demande.format == "csv" else ecrire_xlsx
    try:
        with tempfile.TemporaryFile() as fichier:
            demande.lignes_ecrites = ecrire(export, parcourir(requete), fichier, progression)
            fichier.seek(0)
            demande.fichier.save(demande.nom_fichier, File(fichier), save=False)
    except Exception:
        journal.exception("Export %s (demande %s) en échec", demande.export, demande.pk)
        demande.erreur = ECHEC
        demande.termine_le = timezone.now()
        demande.save(update_fields=["erreur", "termine_le"])
        raise
    demande.termine_le = timezone.now()
    demande.save(update_fields=["lignes_ecrites", "fichier", "termine_le"])


def _demande_de(request: RequeteConnectee, pk: int) -> ExportDemande:
    """La demande, si c'est celle de la personne connectée ; 404 sinon."""
    return get_object_or_404(ExportDemande, pk=pk, demandeur=request.user)


@connexion_requise
@require_GET
def export_suivi(request: RequeteConnectee, pk: int) -> HttpResponse:
    """La page de suivi : la barre de progression, rafraîchie par htmx toutes les deux
    secondes tant que l'export n'est pas fini ; le lien de téléchargement quand il l'est."""
    demande = _demande_de(request, pk)
    contexte: dict[str, Any] = {"titre": "Export en préparation", "demande": demande}
    if getattr(request, "htmx", False):
        return render(request, "core/exports/_progression.html", contexte)
    return render(request, "core/exports/suivi.html", contexte)


@connexion_requise
@require_GET
def export_telecharger(request: RequeteConnectee, pk: int) -> HttpResponseBase:
    demande = _demande_de(request, pk)
    if not demande.pret:
        raise Http404("Cet export n'est pas encore prêt.")
    return FileResponse(
        demande.fichier.open("rb"),
        as_attachment=True,
        filename=demande.nom_fichier,
        content_type=TYPES_MIME.get(demande.format, "application/octet-stream"),
    )
