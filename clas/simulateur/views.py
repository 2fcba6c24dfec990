from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from clas.bareme import EntreeInvalide, Resultat
from clas.referentiel.models import ParametresBareme
from clas.referentiel.services import annees_disponibles, simuler

from .formulaire import MAX_LIGNES, LigneCollectif, Saisie, annee_scolaire_en_cours


class RequeteHtmx(HttpRequest):
    """Une requête passée par le middleware de django-htmx (le type que sa documentation
    propose) : `request.htmx` dit si htmx l'a envoyée."""

    htmx: HtmxDetails


def simulateur(request: RequeteHtmx) -> HttpResponse:
    """Le simulateur public : fonctionne sans JavaScript ; htmx met à jour le résultat."""
    annees = annees_disponibles()
    resultat: Resultat | None = None
    statut = 200
    if request.method == "POST":
        saisie = Saisie.depuis_post(request.POST)
        action = request.POST.get("action", "calculer")
        if action == "ajouter":
            if len(saisie.lignes) < MAX_LIGNES:
                saisie.lignes.append(LigneCollectif())
        elif action.startswith("retirer-"):
            indice = int(action.removeprefix("retirer-")) if action[8:].isdigit() else -1
            if 0 <= indice < len(saisie.lignes) and len(saisie.lignes) > 1:
                del saisie.lignes[indice]
        else:
            try:
                resultat = simuler(saisie.vers_contrat())
            except EntreeInvalide as refus:
                saisie.ranger_erreurs(refus.erreurs)
                statut = 200 if request.htmx else 422
    else:
        annee = annee_scolaire_en_cours(timezone.localdate())
        saisie = Saisie.vide(annee if annee in annees else (annees[-1] if annees else ""))
    return render(
        request,
        "simulateur/simulateur.html",
        {
            "titre": "Simulateur de la prestation de service Clas",
            "saisie": saisie,
            "annees": annees,
            "resultat": resultat,
            "max_lignes": MAX_LIGNES,
        },
        status=statut,
    )


def accueil(request: HttpRequest) -> HttpResponse:
    """Les chiffres clés viennent des paramètres de l'année en cours : ils suivent les
    modifications de l'administration nationale."""
    annees = ParametresBareme.objects.order_by("annee_scolaire")
    annee = annee_scolaire_en_cours(timezone.localdate())
    parametres = annees.filter(annee_scolaire=annee).first() or annees.last()
    return render(request, "simulateur/accueil.html", {"titre": "Accueil", "p": parametres})
