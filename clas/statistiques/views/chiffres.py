"""Les chiffres publics (`/chiffres/`, sans connexion) et leur CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ..cache import chiffres_publics_en_cache, conventions_non_publiees_en_cache
from ..chiffres_publics import LigneChiffres, csv_des_chiffres, totaux_par_annee
from ..graphiques import Graphique, Serie, barres_verticales, enumeration, euros, montant_court


def graphique_annees(lignes: list[LigneChiffres]) -> Graphique:
    totaux = totaux_par_annee(lignes)
    detail = enumeration(
        [f"{euros(t.montant_decide)} pour {t.projets} projets en {t.annee}" for t in totaux]
    )
    return barres_verticales(
        "graphique-chiffres",
        "Montant décidé par année scolaire, toutes Caf",
        f"Montant décidé au titre de la prestation de service Clas : {detail}."
        if totaux
        else "Aucun projet financé pour l'instant.",
        [t.annee for t in totaux],
        [Serie("Montant décidé", [t.montant_decide for t in totaux], euros)],
        graduer=montant_court,
    )


@require_http_methods(["GET", "HEAD"])
def chiffres(request: HttpRequest) -> HttpResponse:
    lignes = chiffres_publics_en_cache()
    annees = sorted({ligne.annee for ligne in lignes}, reverse=True)
    annee = request.GET.get("annee", "").strip()
    avertissement = ""
    if annee and annee not in annees:
        avertissement = f"Aucun projet financé pour l'année « {annee} » : voici la plus récente."
    annee = annee if annee in annees else (annees[0] if annees else "")
    return render(
        request,
        "statistiques/chiffres.html",
        {
            "titre": "Chiffres du Clas",
            "annees": annees,
            "annee": annee,
            "avertissement": avertissement,
            "lignes": [ligne for ligne in lignes if ligne.annee == annee],
            "totaux": {t.annee: t for t in totaux_par_annee(lignes)}.get(annee),
            "graphique": graphique_annees(lignes),
            "non_publiees": conventions_non_publiees_en_cache(),
        },
    )


@require_http_methods(["GET", "HEAD"])
def chiffres_csv(request: HttpRequest) -> HttpResponse:
    """Toutes les années et tous les départements, une ligne chacun."""
    reponse = HttpResponse(
        csv_des_chiffres(chiffres_publics_en_cache()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    reponse["Content-Disposition"] = 'attachment; filename="chiffres-clas.csv"'
    return reponse
