"""L'espace national : la double authentification des agents et des administrateurs
nationaux, et sa réinitialisation quand une personne a perdu son téléphone et ses codes de
secours (journalisée, la personne prévenue par courriel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from clas.comptes.forms import FormulaireReinitialisationNationale
from clas.comptes.models import EvenementDoubleFacteur, Utilisateur
from clas.core.permissions import national_requis

from ..actions import reinitialiser_double_facteur

PAR_PAGE = 50


def personnes_concernees() -> QuerySet[Utilisateur]:
    """Les agents de Caf et les administrateurs nationaux, avec l'état de leur double
    authentification (une seule requête, quel que soit leur nombre)."""
    return (
        Utilisateur.objects.filter(Q(est_admin_national=True) | Q(agent__isnull=False))
        .select_related("agent__caf")
        .annotate(
            double_facteur_active=Exists(
                TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
            )
        )
        .order_by("email")
    )


@national_requis
def liste(request: HttpRequest) -> HttpResponse:
    recherche = (request.GET.get("q") or "").strip()[:200]
    personnes = personnes_concernees()
    if recherche:
        personnes = personnes.filter(Q(email__icontains=recherche) | Q(nom__icontains=recherche))
    page = Paginator(personnes, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "referentiel/double_facteur_liste.html",
        {
            "titre": "Double authentification des agents",
            "page": page,
            "recherche": recherche,
            "journal": EvenementDoubleFacteur.objects.filter(
                type=EvenementDoubleFacteur.Type.REINITIALISATION_NATIONALE
            ).select_related("utilisateur", "auteur")[:20],
        },
    )


@national_requis
def reinitialiser(request: HttpRequest, pk: int) -> HttpResponse:
    personne = get_object_or_404(personnes_concernees(), pk=pk)
    if not personne.double_facteur_active:  # type: ignore[attr-defined]  # annotation du queryset
        messages.info(
            request,
            f"{personne} n'a pas de double authentification activée : rien à réinitialiser. "
            "L'enrôlement lui sera proposé à sa prochaine connexion.",
        )
        return redirect("national_double_facteur")
    formulaire = FormulaireReinitialisationNationale(request.POST or None)
    statut = 200
    if request.method == "POST":
        statut = 400
        if formulaire.is_valid():
            reinitialiser_double_facteur(
                personne,
                request.user,  # type: ignore[arg-type]  # vue réservée au national connecté
                formulaire.cleaned_data["motif"],
                request.build_absolute_uri(reverse("connexion")),
            )
            messages.success(
                request,
                f"La double authentification de {personne} est réinitialisée ; un courriel "
                f"l'en informe ({personne.email}). Elle enregistrera une nouvelle application "
                "à sa prochaine connexion.",
            )
            return redirect("national_double_facteur")
    return render(
        request,
        "referentiel/double_facteur_reinitialiser.html",
        {
            "titre": "Réinitialiser une double authentification",
            "personne": personne,
            "formulaire": formulaire,
        },
        status=statut,
    )
