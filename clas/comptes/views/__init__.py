from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy

from .. import force_brute
from ..forms import (
    FormulaireConnexion,
    FormulaireInscription,
    FormulaireMotDePasseOublie,
    FormulaireNouveauLien,
    FormulaireNouveauMotDePasse,
)
from ..models import AgentCaf, Utilisateur
from ..roles import nom_page_accueil


class Connexion(auth_views.LoginView):
    template_name = "comptes/connexion.html"
    authentication_form = FormulaireConnexion
    redirect_authenticated_user = True


def accueil_role(request: HttpRequest) -> HttpResponse:
    """Après la connexion, chacun arrive sur la page de son rôle."""
    return redirect(nom_page_accueil(request.user))


class MotDePasseOublie(auth_views.PasswordResetView):
    """Chaque demande compte comme un essai (force_brute) : on n'inonde pas une boîte de
    liens, on ne sonde pas la plateforme à la chaîne."""

    template_name = "comptes/mot_de_passe_oublie.html"
    email_template_name = "comptes/email_mot_de_passe.txt"
    subject_template_name = "comptes/email_mot_de_passe_sujet.txt"
    form_class = FormulaireMotDePasseOublie
    success_url = reverse_lazy("mot_de_passe_envoye")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        refus = force_brute.refuser_si_verrouille(self.request, email)
        if refus is not None:
            return refus
        force_brute.compter_essai(self.request, email)
        return super().form_valid(form)


class MotDePasseEnvoye(auth_views.PasswordResetDoneView):
    template_name = "comptes/mot_de_passe_envoye.html"


class NouveauMotDePasse(auth_views.PasswordResetConfirmView):
    """Un lien faux compte comme un essai pour l'adresse IP ; le nouveau mot de passe choisi
    prouve la boîte : les échecs passés du compte sont oubliés."""

    template_name = "comptes/nouveau_mot_de_passe.html"
    form_class = FormulaireNouveauMotDePasse
    success_url = reverse_lazy("mot_de_passe_change")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refus = force_brute.refuser_si_verrouille(request, None)
        if refus is not None:
            return refus
        reponse = super().dispatch(request, *args, **kwargs)
        if not self.validlink:
            force_brute.compter_essai(request, None)
        return reponse

    def form_valid(self, form: SetPasswordForm[Utilisateur]) -> HttpResponse:
        reponse = super().form_valid(form)
        force_brute.oublier_echecs(form.user)
        return reponse


class MotDePasseChange(auth_views.PasswordResetCompleteView):
    template_name = "comptes/mot_de_passe_change.html"


# --- Création de compte ----------------------------------------------------------------------

SEL_INSCRIPTION = "clas.comptes.inscription"
VALIDITE_LIEN = dt.timedelta(days=3)


def jeton_confirmation(utilisateur: Utilisateur) -> str:
    return signing.dumps({"u": utilisateur.pk, "e": utilisateur.email}, salt=SEL_INSCRIPTION)


def envoyer_confirmation(request: HttpRequest, utilisateur: Utilisateur) -> None:
    lien = request.build_absolute_uri(
        reverse("inscription_confirmer", args=[jeton_confirmation(utilisateur)])
    )
    contexte = {"utilisateur": utilisateur, "lien": lien, "validite_jours": VALIDITE_LIEN.days}
    send_mail(
        render_to_string("comptes/email_inscription_sujet.txt", contexte).strip(),
        render_to_string("comptes/email_inscription.txt", contexte),
        None,
        [utilisateur.email],
    )


def inscription(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accueil_role")
    formulaire = FormulaireInscription(
        request.POST or None, initial={"email": request.GET.get("email", "")}
    )
    if request.method == "POST" and formulaire.is_valid():
        donnees = formulaire.cleaned_data
        refus = force_brute.refuser_si_verrouille(request, donnees["email"])
        if refus is not None:
            return refus
        force_brute.compter_essai(request, donnees["email"])
        existant = Utilisateur.objects.filter(email=donnees["email"]).first()
        if existant is None:
            utilisateur = Utilisateur.objects.create_user(
                donnees["email"],
                donnees["password1"],
                prenom=donnees["prenom"],
                nom=donnees["nom"],
                is_active=False,
            )
            # Si l'envoi échoue, le backend de courriel le retente en tâche de fond (la
            # personne en est avertie) ; « recevoir un nouveau lien » reste possible.
            envoyer_confirmation(request, utilisateur)
        else:
            # La même réponse qu'une création (le même temps de hachage compris) : la page ne
            # dit pas si l'adresse a un compte ; le courriel, lui, le dit à la seule personne
            # qui tient la boîte.
            make_password(donnees["password1"])
            if existant.is_active or existant.last_login is not None or _est_agent(existant):
                envoyer_compte_existant(request, existant)
            else:
                envoyer_confirmation(request, existant)
        request.session["inscription_email"] = donnees["email"]
        return redirect("inscription_envoyee")
    return render(
        request,
        "comptes/inscription.html",
        {"titre": "Créer un compte", "formulaire": formulaire},
    )


def envoyer_compte_existant(request: HttpRequest, utilisateur: Utilisateur) -> None:
    contexte = {
        "email": utilisateur.email,
        "lien_connexion": request.build_absolute_uri(reverse("connexion")),
        "lien_mot_de_passe": request.build_absolute_uri(reverse("mot_de_passe_oublie")),
    }
    send_mail(
        render_to_string("comptes/email_inscription_compte_existant_sujet.txt", contexte).strip(),
        render_to_string("comptes/email_inscription_compte_existant.txt", contexte),
        None,
        [utilisateur.email],
    )


def inscription_envoyee(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "comptes/inscription_envoyee.html",
        {
            "titre": "Confirmez votre adresse électronique",
            "email": request.session.get("inscription_email", ""),
            "validite_jours": VALIDITE_LIEN.days,
        },
    )


def inscription_confirmer(request: HttpRequest, jeton: str) -> HttpResponse:
    refus = force_brute.refuser_si_verrouille(request, None)
    if refus is not None:
        return refus
    try:
        contenu = signing.loads(jeton, salt=SEL_INSCRIPTION, max_age=VALIDITE_LIEN)
        utilisateur = Utilisateur.objects.get(pk=contenu["u"], email=contenu["e"])
    except signing.SignatureExpired:
        return _lien_invalide(
            request,
            "Ce lien de confirmation a expiré",
            f"Un lien de confirmation est valable {VALIDITE_LIEN.days} jours. Demandez-en un "
            "nouveau ci-dessous : votre compte et ce que vous avez saisi sont conservés.",
        )
    except (signing.BadSignature, KeyError, TypeError, Utilisateur.DoesNotExist):
        force_brute.compter_essai(request, None)
        return _lien_invalide(
            request,
            "Ce lien de confirmation n'est pas valable",
            "Il est peut-être incomplet : vérifiez que vous avez copié tout le lien reçu par "
            "courriel, ou demandez-en un nouveau ci-dessous.",
        )
    # Un agent désactivé ne se réactive pas par ce lien : seule son équipe le réactive.
    if utilisateur.is_active or utilisateur.last_login is not None or _est_agent(utilisateur):
        messages.info(
            request, "Votre adresse est déjà confirmée : connectez-vous avec votre mot de passe."
        )
        return redirect("connexion")
    utilisateur.is_active = True
    utilisateur.save(update_fields=["is_active"])
    login(request, utilisateur, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Votre adresse est confirmée et votre compte est ouvert.")
    # La suite (une invitation qui attend, sinon l'inscription d'une structure) est l'affaire
    # des structures : les comptes n'importent aucune application du dessus.
    return redirect("structure_bienvenue")


def _est_agent(utilisateur: Utilisateur) -> bool:
    return AgentCaf.objects.filter(utilisateur_id=utilisateur.pk).exists()


def _lien_invalide(request: HttpRequest, titre: str, explication: str) -> HttpResponse:
    return render(
        request,
        "comptes/inscription_lien_invalide.html",
        {"titre": titre, "explication": explication, "formulaire": FormulaireNouveauLien()},
        status=400,
    )


def inscription_nouveau_lien(request: HttpRequest) -> HttpResponse:
    """Renvoie un lien de confirmation ; la réponse ne dit pas si l'adresse a un compte."""
    formulaire = FormulaireNouveauLien(request.POST or None)
    if request.method == "POST" and formulaire.is_valid():
        email = formulaire.cleaned_data["email"]
        refus = force_brute.refuser_si_verrouille(request, email)
        if refus is not None:
            return refus
        force_brute.compter_essai(request, email)
        utilisateur = Utilisateur.objects.filter(
            email=email, is_active=False, last_login__isnull=True, agent__isnull=True
        ).first()
        if utilisateur is not None:
            envoyer_confirmation(request, utilisateur)
        request.session["inscription_email"] = email
        return redirect("inscription_envoyee")
    return render(
        request,
        "comptes/inscription_nouveau_lien.html",
        {"titre": "Recevoir un nouveau lien de confirmation", "formulaire": formulaire},
    )
