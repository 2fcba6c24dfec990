from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clas.bareme.parametres import LIBELLES_PARAMETRES, NOMS_PARAMETRES
from clas.core.exceptions import VersionPerimee
from clas.core.permissions import RequeteConnectee, national_requis

from ..actions import ajouter_annee, modifier_parametres
from ..forms import FormulaireNouvelleAnnee, FormulaireParametres
from ..models import Caf, ParametresBareme


@national_requis
def national_accueil(request: RequeteConnectee) -> HttpResponse:
    caf = Caf.objects.annotate(
        nb_structures=Count("structures", distinct=True),
        nb_agents=Count("agents", distinct=True),
    ).order_by("code")
    totaux = caf.aggregate(
        caf_actives=Count("pk", filter=Q(structures__isnull=False), distinct=True)
    )
    return render(
        request,
        "referentiel/national_accueil.html",
        {
            "titre": "Tableau de bord national",
            "caf": caf,
            "totaux": totaux,
            "annees": ParametresBareme.objects.all(),
        },
    )


def _page_parametres(
    request: HttpRequest, formulaire_annee: FormulaireNouvelleAnnee, statut: int = 200
) -> HttpResponse:
    """Le tableau des paramètres, une colonne par année scolaire."""
    annees = list(ParametresBareme.objects.all())
    lignes = [
        (nom, LIBELLES_PARAMETRES[nom], [getattr(annee, nom) for annee in annees])
        for nom in NOMS_PARAMETRES
    ]
    return render(
        request,
        "referentiel/parametres_liste.html",
        {
            "titre": "Paramètres du barème",
            "annees": annees,
            "lignes": lignes,
            "formulaire_annee": formulaire_annee,
        },
        status=statut,
    )


@national_requis
def parametres_liste(request: RequeteConnectee) -> HttpResponse:
    return _page_parametres(request, FormulaireNouvelleAnnee())


@national_requis
def parametres_ajouter(request: RequeteConnectee) -> HttpResponse:
    formulaire = FormulaireNouvelleAnnee(request.POST or None)
    if request.method != "POST":
        return redirect("parametres_liste")
    if formulaire.is_valid():
        valeur = formulaire.cleaned_data["annee_scolaire"]
        try:
            annee = ajouter_annee(valeur, request.user)
        except IntegrityError:
            # Un autre administrateur vient de créer la même année.
            formulaire.add_error("annee_scolaire", f"L'année {valeur} existe déjà.")
        else:
            messages.success(request, f"Année {annee.annee_scolaire} créée. Vérifiez ses valeurs.")
            return redirect("parametres_modifier", annee=annee.annee_scolaire)
    return _page_parametres(request, formulaire, statut=400)


@national_requis
def parametres_modifier(request: RequeteConnectee, annee: str) -> HttpResponse:
    parametres = get_object_or_404(ParametresBareme, annee_scolaire=annee)
    formulaire = FormulaireParametres(request.POST or None, instance=parametres)
    statut = 200
    if request.method == "POST":
        statut = 400
        if formulaire.is_valid():
            valeurs = {nom: formulaire.cleaned_data[nom] for nom in NOMS_PARAMETRES}
            try:
                modifications = modifier_parametres(
                    parametres,
                    valeurs,
                    formulaire.nouvelles_sources(),
                    formulaire.cleaned_data["motif"].strip(),
                    request.user,
                    formulaire.cleaned_data["version"],
                )
            except VersionPerimee:
                formulaire.add_error(
                    None,
                    "Ces paramètres ont été modifiés par quelqu'un d'autre depuis l'ouverture de "
                    "la page. Rechargez la page pour voir les nouvelles valeurs, puis refaites "
                    "votre modification.",
                )
                statut = 409
            except ValueError as erreur:
                formulaire.add_error(None, str(erreur))
            else:
                if modifications:
                    messages.success(
                        request,
                        f"{len(modifications)} modification(s) enregistrée(s) pour {annee}.",
                    )
                else:
                    messages.info(request, "Aucune valeur ni source n'a changé.")
                return redirect("parametres_modifier", annee=annee)
    historique = parametres.modifications.select_related("auteur")
    return render(
        request,
        "referentiel/parametres_modifier.html",
        {
            "titre": f"Paramètres {annee}",
            "parametres": parametres,
            "formulaire": formulaire,
            "historique": historique,
        },
        status=statut,
    )
