from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clas.core.permissions import connexion_requise

from .models import MembreStructure


@connexion_requise
def structure_accueil(request: HttpRequest) -> HttpResponse:
    """L'espace d'un membre : ses structures, son rôle dans chacune et l'équipe."""
    adhesions = (
        MembreStructure.objects.filter(utilisateur=request.user)
        .select_related("structure__caf")
        .prefetch_related(
            Prefetch(
                "structure__membres",
                queryset=MembreStructure.objects.select_related("utilisateur").order_by(
                    "utilisateur__email"
                ),
            )
        )
        .order_by("structure__nom")
    )
    return render(
        request, "structures/accueil.html", {"titre": "Ma structure", "adhesions": adhesions}
    )
