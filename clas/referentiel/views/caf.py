"""L'espace national : les identifiants des Caf. Le SIRET d'une Caf est l'attribuant de ses
conventions publiées en open data (`/open-data/subventions.csv`) ; tant qu'il manque, elles
n'y figurent pas."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clas.core.permissions import RequeteConnectee, national_requis

from ..actions import modifier_siret_caf
from ..forms import FormulaireSiretCaf
from ..models import Caf


@national_requis
def liste(request: RequeteConnectee) -> HttpResponse:
    caf = list(Caf.objects.order_by("code"))
    return render(
        request,
        "referentiel/caf_liste.html",
        {
            "titre": "Identifiants des Caf",
            "caf": caf,
            "sans_siret": sum(1 for une_caf in caf if not une_caf.siret),
        },
    )


@national_requis
def modifier(request: RequeteConnectee, code: str) -> HttpResponse:
    caf = get_object_or_404(Caf, code=code)
    formulaire = FormulaireSiretCaf(request.POST or None, instance=Caf.objects.get(pk=caf.pk))
    statut = 200
    if request.method == "POST":
        statut = 400
        if formulaire.is_valid():
            siret = formulaire.cleaned_data["siret"]
            if modifier_siret_caf(caf, siret, request.user):
                messages.success(
                    request,
                    f"SIRET de la {caf.nom} enregistré : {siret}."
                    if siret
                    else f"SIRET de la {caf.nom} effacé : ses conventions ne sont plus "
                    "publiées en open data.",
                )
            else:
                messages.info(request, f"Le SIRET de la {caf.nom} n'a pas changé.")
            return redirect("national_caf_liste")
    return render(
        request,
        "referentiel/caf_modifier.html",
        {"titre": f"SIRET de la {caf.nom}", "caf": caf, "formulaire": formulaire},
        status=statut,
    )
