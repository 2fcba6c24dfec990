"""« Mes jetons d'API » (Mon compte) : les créer, les voir (nom, droits, expiration, dernière
utilisation), les révoquer. Le jeton n'est montré qu'une fois, sur la page qui suit sa
création ; il n'est jamais gardé en clair."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clas.core.forms import ajouter_erreurs, resume_des_erreurs
from clas.core.permissions import RequeteConnectee, connexion_requise

from . import jetons
from .forms import FormulaireJeton
from .models import JetonApi

JETONS_PAR_PAGE = 20


def _page(
    request: RequeteConnectee, formulaire: FormulaireJeton, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "api/jetons.html",
        {
            "titre": "Mes jetons d'API",
            "jetons": Paginator(
                JetonApi.objects.filter(utilisateur=request.user).order_by(
                    "revoque_le", "-created_at", "-pk"
                ),
                JETONS_PAR_PAGE,
            ).get_page(request.GET.get("page")),
            "formulaire": formulaire,
            "erreurs": resume_des_erreurs(formulaire),
            "manque_double_facteur": jetons.manque_double_facteur(request.user),
        },
        status=status,
    )


@connexion_requise
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def liste(request: RequeteConnectee) -> HttpResponse:
    if request.method != "POST":
        return _page(request, FormulaireJeton())
    formulaire = FormulaireJeton(request.POST)
    if formulaire.is_valid():
        donnees = formulaire.cleaned_data
        try:
            cree = jetons.creer(
                request.user,
                donnees["nom"],
                donnees["jours"],
                lecture_seule=donnees["droits"] == "lecture",
                reseaux=donnees["reseaux"],
            )
        except ValidationError as erreur:
            ajouter_erreurs(formulaire, erreur)
        else:
            # Montré une fois, sur cette réponse (pas de redirection : rien ne le garde).
            return render(
                request,
                "api/jeton_cree.html",
                {"titre": "Jeton créé", "jeton": cree.jeton, "en_clair": cree.en_clair},
            )
    return _page(request, formulaire, status=400)


@connexion_requise
@require_POST
def revoquer(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Le jeton d'un autre n'existe pas pour vous : 404."""
    jeton = get_object_or_404(JetonApi, pk=pk, utilisateur=request.user)
    if jeton.est_revoque:
        messages.info(request, f"Le jeton « {jeton.nom} » était déjà révoqué.")
    else:
        jetons.revoquer(jeton)
        messages.success(
            request, f"Le jeton « {jeton.nom} » est révoqué : il ne sera plus accepté."
        )
    return redirect("jetons_api")
