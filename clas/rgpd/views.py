"""« Mon compte » : ce que la plateforme sait de la personne, le téléchargement de ses
données et la fermeture de son compte."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render

from clas.comptes.force_brute import compter_essai, refuser_si_verrouille
from clas.comptes.roles import agent_de
from clas.core.exceptions import ActionImpossible
from clas.core.forms import resume_des_erreurs
from clas.core.permissions import RequeteConnectee, connexion_requise
from clas.journal import chaine as journal

from . import actions, donnees
from .forms import FormulaireFermeture

MOT_DE_PASSE_FAUX = "Ce mot de passe n'est pas celui de votre compte : votre compte reste ouvert."


@connexion_requise
def mon_compte(request: RequeteConnectee) -> HttpResponse:
    utilisateur = request.user
    return render(
        request,
        "rgpd/mon_compte.html",
        {
            "titre": "Mon compte",
            "agent": agent_de(utilisateur),
            "adhesions": utilisateur.adhesions.select_related("structure").order_by("pk"),
            "obstacles": actions.obstacles(utilisateur),
        },
    )


@connexion_requise
def mes_donnees(request: RequeteConnectee) -> HttpResponse:
    """Le fichier JSON des données de la personne ; le téléchargement est journalisé."""
    contenu = donnees.en_json(request.user)
    journal.ajouter(
        "comptes.utilisateur",
        "donnees_telechargees",
        {},
        source_id=request.user.pk,
        acteur_id=request.user.pk,
    )
    reponse = HttpResponse(contenu, content_type="application/json; charset=utf-8")
    reponse["Content-Disposition"] = 'attachment; filename="mes-donnees-clas.json"'
    reponse["Cache-Control"] = "no-store"
    return reponse


@connexion_requise
def fermer(request: RequeteConnectee) -> HttpResponse:
    utilisateur = request.user
    obstacles = actions.obstacles(utilisateur)
    formulaire = FormulaireFermeture(request.POST or None)
    statut = 200
    if request.method == "POST" and not obstacles:
        verrou = refuser_si_verrouille(request, utilisateur.email)
        if verrou is not None:
            return verrou
        if formulaire.is_valid():
            if utilisateur.check_password(formulaire.cleaned_data["mot_de_passe"]):
                try:
                    actions.fermer_compte(utilisateur)
                except ActionImpossible as erreur:
                    formulaire.add_error(None, str(erreur))
                else:
                    logout(request)
                    messages.success(
                        request,
                        "Votre compte est fermé : vos nom et adresse sont effacés. Ce que "
                        "vous avez écrit dans les dossiers reste, au nom de « Compte fermé ».",
                    )
                    return redirect("accueil")
            else:
                compter_essai(request, utilisateur.email)
                formulaire.add_error("mot_de_passe", MOT_DE_PASSE_FAUX)
        statut = 400
    elif request.method == "POST":
        statut = 409
    return render(
        request,
        "rgpd/fermer.html",
        {
            "titre": "Fermer mon compte",
            "formulaire": formulaire,
            "erreurs": resume_des_erreurs(formulaire) if request.method == "POST" else [],
            "obstacles": obstacles,
        },
        status=statut,
    )
