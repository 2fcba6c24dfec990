"""Le déblocage d'un compte verrouillé après trop d'essais : la demande du lien (depuis la
page de verrouillage) et le lien reçu par courriel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import force_brute
from ..forms import FormulaireNouveauLien


@require_POST
def deblocage_demande(request: HttpRequest) -> HttpResponse:
    """Ouverte même depuis une adresse verrouillée (c'est le moyen d'en sortir) ; la réponse
    ne dit pas si l'adresse a un compte, ni s'il est verrouillé."""
    formulaire = FormulaireNouveauLien(request.POST)
    if not formulaire.is_valid():
        return force_brute.reponse_verrouillage(request)
    email = formulaire.cleaned_data["email"]
    force_brute.envoyer_deblocage(request, email)
    return render(
        request,
        "comptes/deblocage_envoye.html",
        {"titre": "Lien de déblocage demandé", "email": email},
    )


def deblocage(request: HttpRequest, jeton: str) -> HttpResponse:
    utilisateur = force_brute.debloquer(jeton)
    if utilisateur is None:
        return render(
            request,
            "comptes/deblocage_invalide.html",
            {"titre": "Ce lien de déblocage n'est plus valable"},
            status=400,
        )
    messages.success(
        request,
        "Votre compte est débloqué : vous pouvez vous connecter. Si les essais manqués ne "
        "venaient pas de vous, choisissez un nouveau mot de passe.",
    )
    return redirect("connexion")
