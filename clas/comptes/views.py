from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy

from .forms import FormulaireConnexion, FormulaireMotDePasseOublie, FormulaireNouveauMotDePasse
from .roles import nom_page_accueil


class Connexion(auth_views.LoginView):
    template_name = "comptes/connexion.html"
    authentication_form = FormulaireConnexion
    redirect_authenticated_user = True


def accueil_role(request: HttpRequest) -> HttpResponse:
    """Après la connexion, chacun arrive sur la page de son rôle."""
    return redirect(nom_page_accueil(request.user))


class MotDePasseOublie(auth_views.PasswordResetView):
    template_name = "comptes/mot_de_passe_oublie.html"
    email_template_name = "comptes/email_mot_de_passe.txt"
    subject_template_name = "comptes/email_mot_de_passe_sujet.txt"
    form_class = FormulaireMotDePasseOublie
    success_url = reverse_lazy("mot_de_passe_envoye")


class MotDePasseEnvoye(auth_views.PasswordResetDoneView):
    template_name = "comptes/mot_de_passe_envoye.html"


class NouveauMotDePasse(auth_views.PasswordResetConfirmView):
    template_name = "comptes/nouveau_mot_de_passe.html"
    form_class = FormulaireNouveauMotDePasse
    success_url = reverse_lazy("mot_de_passe_change")


class MotDePasseChange(auth_views.PasswordResetCompleteView):
    template_name = "comptes/mot_de_passe_change.html"
