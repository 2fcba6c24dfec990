"""Les pages de la double authentification : enrôlement, codes de secours, vérification à la
connexion et page « Sécurité » du compte."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from .. import double_facteur
from ..forms import FormulaireCodeEnrolement, FormulaireCodeVerification
from ..models import Utilisateur
from ..roles import nom_page_accueil

CLE_CODES = "double_facteur_codes"
CLE_SUITE = "double_facteur_suite"
REFUS_NON_CONCERNE = (
    "La double authentification est demandée aux agents des Caf et à l'administration "
    "nationale : votre compte n'est pas concerné."
)


def _suite(request: HttpRequest) -> str:
    """La page demandée avant le détour (paramètre `next`), si elle est sur la plateforme."""
    suite = request.POST.get("next") or request.GET.get("next") or ""
    if suite and url_has_allowed_host_and_scheme(
        suite, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return suite
    return reverse(nom_page_accueil(request.user))


def _avec_suite(nom: str, suite: str) -> str:
    return f"{reverse(nom)}?{urlencode({'next': suite})}"


def _sans_code_saisi(formulaire: Form) -> None:
    """Un code refusé n'est pas réaffiché : il faut de toute façon en saisir un nouveau."""
    donnees = QueryDict(mutable=True)
    donnees.update(formulaire.data)
    donnees["code"] = ""
    formulaire.data = donnees


def _utilisateur_concerne(request: HttpRequest) -> Utilisateur:
    if not double_facteur.est_concerne(request.user):
        raise PermissionDenied(REFUS_NON_CONCERNE)
    return request.user  # type: ignore[return-value]  # vue réservée aux personnes connectées


@login_required
def activer(request: HttpRequest) -> HttpResponse:
    """Enrôlement : scanner le QR code (ou saisir la clé), puis confirmer avec un code."""
    utilisateur = _utilisateur_concerne(request)
    suite = _suite(request)
    if double_facteur.est_active(utilisateur):
        if request.user.is_verified():  # type: ignore[union-attr]  # is_verified posé par OTPMiddleware
            messages.info(request, "Votre double authentification est déjà activée.")
            return redirect("securite")
        return redirect(_avec_suite("double_facteur_verifier", suite))
    appareil = double_facteur.application_en_attente(utilisateur)
    formulaire = FormulaireCodeEnrolement(request.POST or None)
    statut = 200
    if request.method == "POST":
        statut = 400
        if formulaire.is_valid():
            verification, codes = double_facteur.confirmer_enrolement(
                request, appareil, formulaire.cleaned_data["code"]
            )
            if verification.acceptee:
                request.session[CLE_CODES] = codes
                request.session[CLE_SUITE] = suite
                messages.success(request, "Votre double authentification est activée.")
                return redirect("double_facteur_codes")
            formulaire.add_error("code", verification.erreur)
        _sans_code_saisi(formulaire)
    return render(
        request,
        "comptes/double_facteur_activer.html",
        {
            "titre": "Activer la double authentification",
            "formulaire": formulaire,
            "qr_code": double_facteur.qr_code_svg(appareil),
            "cle": double_facteur.cle_lisible(appareil),
            "suite": suite,
        },
        status=statut,
    )


@login_required
def codes_de_secours(request: HttpRequest) -> HttpResponse:
    """Les 10 codes de secours, montrés une seule fois : ils quittent la session ici."""
    _utilisateur_concerne(request)
    codes = request.session.pop(CLE_CODES, None)
    suite = request.session.pop(CLE_SUITE, None) or reverse(nom_page_accueil(request.user))
    if not codes:
        messages.info(
            request,
            "Les codes de secours ne s'affichent qu'une fois. Si vous ne les avez plus, "
            "générez-en de nouveaux : les anciens cesseront de fonctionner.",
        )
        return redirect("securite")
    return render(
        request,
        "comptes/double_facteur_codes.html",
        {"titre": "Vos codes de secours", "codes": codes, "suite": suite},
    )


@login_required
def verifier(request: HttpRequest) -> HttpResponse:
    """À la connexion : le code à 6 chiffres, ou un code de secours."""
    suite = _suite(request)
    utilisateur: Utilisateur = request.user  # type: ignore[assignment]  # vue réservée aux personnes connectées
    if not double_facteur.est_concerne(utilisateur) or request.user.is_verified():  # type: ignore[union-attr]  # is_verified posé par OTPMiddleware
        return redirect(suite)
    if not double_facteur.est_active(utilisateur):
        return redirect(_avec_suite("double_facteur_activer", suite))
    formulaire = FormulaireCodeVerification(request.POST or None)
    statut = 200
    if request.method == "POST":
        statut = 400
        if formulaire.is_valid():
            verification = double_facteur.verifier(utilisateur, formulaire.cleaned_data["code"])
            if verification.appareil is not None:
                otp_login(request, verification.appareil)
                reponse = redirect(suite)
                if formulaire.cleaned_data["faire_confiance"]:
                    double_facteur.faire_confiance(reponse, utilisateur)
                if verification.code_de_secours:
                    restants = double_facteur.codes_restants(utilisateur)
                    messages.warning(
                        request,
                        f"Code de secours accepté : il ne servira plus. Il vous en reste "
                        f"{restants}. Si vous avez perdu votre téléphone, réinitialisez votre "
                        "double authentification depuis la page Sécurité.",
                    )
                return reponse
            formulaire.add_error("code", verification.erreur)
        _sans_code_saisi(formulaire)
    return render(
        request,
        "comptes/double_facteur_verifier.html",
        {"titre": "Double authentification", "formulaire": formulaire, "suite": suite},
        status=statut,
    )


@login_required
def securite(request: HttpRequest) -> HttpResponse:
    """Le profil, volet sécurité : l'état de la double authentification et ses actions."""
    utilisateur: Utilisateur = request.user  # type: ignore[assignment]  # vue réservée aux personnes connectées
    concerne = double_facteur.est_concerne(utilisateur)
    active = concerne and double_facteur.est_active(utilisateur)
    contexte = {
        "titre": "Sécurité de mon compte",
        "concerne": concerne,
        "active": active,
        "obligatoire": double_facteur.est_obligatoire(),
    }
    if active:
        contexte |= {
            "application": double_facteur.application(utilisateur),
            "codes_restants": double_facteur.codes_restants(utilisateur),
            "navigateur_de_confiance": double_facteur.navigateur_de_confiance(request, utilisateur),
        }
    if concerne:
        contexte["evenements"] = utilisateur.evenements_double_facteur.select_related("auteur")[:10]
    return render(request, "comptes/securite.html", contexte)


def _exiger_active(request: HttpRequest) -> Utilisateur:
    utilisateur = _utilisateur_concerne(request)
    if not double_facteur.est_active(utilisateur):
        raise PermissionDenied(
            "Votre double authentification n'est pas activée : activez-la d'abord."
        )
    return utilisateur


@login_required
@require_POST
def regenerer_codes(request: HttpRequest) -> HttpResponse:
    utilisateur = _exiger_active(request)
    request.session[CLE_CODES] = double_facteur.nouveaux_codes_de_secours(utilisateur)
    request.session[CLE_SUITE] = reverse("securite")
    double_facteur.journaliser(utilisateur, double_facteur.Type.CODES_REGENERES, utilisateur)
    messages.success(request, "Nouveaux codes de secours créés : les anciens ne servent plus.")
    return redirect("double_facteur_codes")


@login_required
@require_POST
def reinitialiser(request: HttpRequest) -> HttpResponse:
    """Repartir de zéro (nouveau téléphone) : l'application, les codes et les navigateurs de
    confiance sont oubliés, puis un nouvel enrôlement."""
    utilisateur = _exiger_active(request)
    double_facteur.reinitialiser(utilisateur, utilisateur)
    messages.success(
        request,
        "Votre double authentification est réinitialisée : enregistrez votre nouvelle "
        "application ci-dessous.",
    )
    reponse = redirect("double_facteur_activer")
    reponse.delete_cookie(double_facteur.COOKIE_CONFIANCE)
    return reponse


@login_required
@require_POST
def oublier_navigateur(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Ce navigateur n'est plus de confiance : le code sera demandé.")
    reponse = redirect("securite")
    reponse.delete_cookie(double_facteur.COOKIE_CONFIANCE)
    return reponse
