"""L'invité ouvre le lien de son invitation et choisit son mot de passe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .. import equipes, force_brute
from ..forms import FormulaireNouveauMotDePasse


def accepter(request: HttpRequest, uidb64: str, jeton: str) -> HttpResponse:
    refus = force_brute.refuser_si_verrouille(request, None)
    if refus is not None:
        return refus
    agent = equipes.agent_invite(uidb64, jeton)
    if agent is None:
        force_brute.compter_essai(request, None)
        return render(
            request,
            "comptes/invitation_invalide.html",
            {"titre": "Ce lien d'invitation n'est plus valable"},
            status=400,
        )
    formulaire = FormulaireNouveauMotDePasse(agent.utilisateur, request.POST or None)
    if request.method == "POST" and formulaire.is_valid():
        utilisateur = equipes.accepter_invitation(agent, formulaire.cleaned_data["new_password1"])
        login(request, utilisateur, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, f"Bienvenue dans l'équipe de la {agent.caf.nom} : votre compte est ouvert."
        )
        return redirect("accueil_role")
    return render(
        request,
        "comptes/invitation.html",
        {
            "titre": "Rejoindre l'équipe de votre Caf",
            "agent": agent,
            "roles": equipes.libelle_roles(equipes.roles_de(agent)),
            "form": formulaire,
        },
    )
