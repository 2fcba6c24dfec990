from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clas.bareme.parametres import LIBELLES_PARAMETRES, NOMS_PARAMETRES
from clas.core.chiffres_en_cache import en_cache_selon_requetes
from clas.core.exceptions import ActionImpossible, VersionPerimee
from clas.core.permissions import RequeteConnectee, national_requis

from ..actions import (
    ajouter_annee,
    annee_utilisee,
    approuver_parametres,
    modifier_parametres,
    proposer_parametres,
    proposition_en_attente,
    refuser_parametres,
)
from ..forms import FormulaireNouvelleAnnee, FormulaireParametres, FormulaireRefusParametres
from ..models import Caf, ParametresBareme, PropositionParametres


@national_requis
def national_accueil(request: RequeteConnectee) -> HttpResponse:
    # Deux comptes séparés : les joindre dans la même requête multipliait les structures par
    # les agents de chaque Caf (un COUNT DISTINCT sur ce produit, 34 ms sur le pays doublé).
    # Les structures, des milliers, comptées une fois par version des données.
    par_structures = Caf.objects.annotate(n=Count("structures")).values_list("pk", "n")
    structures = en_cache_selon_requetes(
        "national-structures", [par_structures], lambda: dict(par_structures), dict
    )
    agents = dict(Caf.objects.annotate(n=Count("agents")).values_list("pk", "n"))
    caf = list(Caf.objects.order_by("code"))
    for une_caf in caf:
        une_caf.nb_structures = structures.get(une_caf.pk, 0)  # type: ignore[attr-defined]  # gabarit
        une_caf.nb_agents = agents.get(une_caf.pk, 0)  # type: ignore[attr-defined]  # gabarit
    totaux = {"caf_actives": sum(1 for n in structures.values() if n)}
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


def _page_annee(
    request: RequeteConnectee,
    parametres: ParametresBareme,
    formulaire: FormulaireParametres,
    formulaire_refus: FormulaireRefusParametres | None = None,
    statut: int = 200,
) -> HttpResponse:
    en_attente = proposition_en_attente(parametres)
    return render(
        request,
        "referentiel/parametres_modifier.html",
        {
            "titre": f"Paramètres {parametres.annee_scolaire}",
            "parametres": parametres,
            "formulaire": formulaire,
            "utilisee": annee_utilisee(parametres.annee_scolaire),
            "en_attente": en_attente,
            "changements_en_attente": [
                (LIBELLES_PARAMETRES.get(nom, nom), avant, apres)
                for nom, avant, apres in (en_attente.changements if en_attente else [])
            ],
            "peut_examiner": en_attente is not None
            and en_attente.propose_par_id != request.user.pk,
            "formulaire_refus": formulaire_refus or FormulaireRefusParametres(),
            "historique": parametres.modifications.select_related("auteur", "approuve_par"),
            "evenements": parametres.evenements.select_related("auteur"),
        },
        status=statut,
    )


@national_requis
def parametres_modifier(request: RequeteConnectee, annee: str) -> HttpResponse:
    """Une année qu'aucune campagne n'utilise change directement ; une année utilisée, par
    une proposition qu'un autre administrateur national approuve."""
    parametres = get_object_or_404(ParametresBareme, annee_scolaire=annee)
    formulaire = FormulaireParametres(request.POST or None, instance=parametres)
    en_attente = proposition_en_attente(parametres)
    if request.method != "POST":
        if en_attente is not None:
            # La proposition en attente se corrige : le formulaire la montre ; revenir aux
            # valeurs en vigueur la retire.
            formulaire.initial.update(en_attente.valeurs)
            formulaire.initial.update({f"source_{n}": v for n, v in en_attente.sources.items()})
            formulaire.initial["motif"] = en_attente.motif
        return _page_annee(request, parametres, formulaire)
    statut = 400
    if formulaire.is_valid():
        valeurs = {nom: formulaire.cleaned_data[nom] for nom in NOMS_PARAMETRES}
        arguments = (
            parametres,
            valeurs,
            formulaire.nouvelles_sources(),
            formulaire.cleaned_data["motif"].strip(),
            request.user,
            formulaire.cleaned_data["version"],
        )
        utilisee = annee_utilisee(annee)
        try:
            if utilisee:
                proposition = proposer_parametres(*arguments)
            else:
                modifications = modifier_parametres(*arguments)
        except VersionPerimee:
            formulaire.add_error(
                None,
                "Ces paramètres ont été modifiés par quelqu'un d'autre depuis l'ouverture de "
                "la page. Rechargez la page pour voir les nouvelles valeurs, puis refaites "
                "votre modification.",
            )
            statut = 409
        except (ValueError, ActionImpossible) as erreur:
            formulaire.add_error(None, str(erreur))
        else:
            if utilisee:
                if proposition is None:
                    messages.info(
                        request,
                        "Les valeurs sont celles en vigueur : rien à approuver"
                        + (" (la proposition en attente est retirée)." if en_attente else "."),
                    )
                elif en_attente is not None and proposition.pk == en_attente.pk:
                    messages.info(request, "Cette proposition attend déjà son approbation.")
                else:
                    messages.success(
                        request,
                        f"Modification proposée pour {annee} : l'année est déjà utilisée par une "
                        "campagne, elle s'appliquera une fois approuvée par un autre "
                        "administrateur national.",
                    )
            elif modifications:
                messages.success(
                    request, f"{len(modifications)} modification(s) enregistrée(s) pour {annee}."
                )
            else:
                messages.info(request, "Aucune valeur ni source n'a changé.")
            return redirect("parametres_modifier", annee=annee)
    return _page_annee(request, parametres, formulaire, statut=statut)


def _proposition(annee: str, pk: int) -> PropositionParametres:
    return get_object_or_404(
        PropositionParametres.objects.select_related("propose_par", "parametres"),
        pk=pk,
        parametres__annee_scolaire=annee,
    )


@national_requis
@require_POST
def parametres_approuver(request: RequeteConnectee, annee: str, pk: int) -> HttpResponse:
    proposition = _proposition(annee, pk)
    try:
        modifications = approuver_parametres(proposition, request.user)
    except ActionImpossible as refus:
        messages.error(request, f"La proposition n'a pas été approuvée : {refus}")
    else:
        messages.success(
            request,
            f"Proposition de {proposition.propose_par} approuvée par {request.user} : "
            f"{len(modifications)} modification(s) appliquée(s) pour {annee}.",
        )
    return redirect("parametres_modifier", annee=annee)


@national_requis
@require_POST
def parametres_refuser(request: RequeteConnectee, annee: str, pk: int) -> HttpResponse:
    proposition = _proposition(annee, pk)
    formulaire = FormulaireRefusParametres(request.POST)
    if formulaire.is_valid():
        try:
            refuser_parametres(proposition, request.user, formulaire.cleaned_data["motif_refus"])
        except ActionImpossible as refus:
            messages.error(request, f"La proposition n'a pas été refusée : {refus}")
            return redirect("parametres_modifier", annee=annee)
        except ValidationError as erreur:
            formulaire.add_error("motif_refus", erreur.messages)
        else:
            messages.success(request, "Proposition refusée : les paramètres ne changent pas.")
            return redirect("parametres_modifier", annee=annee)
    messages.error(request, "La proposition n'a pas été refusée : indiquez le motif.")
    parametres = proposition.parametres
    return _page_annee(
        request,
        parametres,
        FormulaireParametres(instance=parametres),
        formulaire_refus=formulaire,
        statut=400,
    )
