"""Les pages de la Caf pour les coordonnées bancaires des structures : la liste des comptes
à vérifier et l'examen d'un changement (le nouvel IBAN en clair à côté du RIB, accepter ou
refuser avec un motif). Réservées aux valideurs de la Caf de la structure : un autre agent
reçoit 403, un valideur d'une autre Caf 404 (lu par `examinables_par`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from clas.comptes.roles import agent_de
from clas.core.exceptions import ActionImpossible
from clas.core.permissions import RequeteConnectee, agent_requis, lecture_seule_refusee

from .. import coordonnees
from ..forms import FormulaireRefusCoordonnees
from ..models import ChangementCoordonnees, EtatCoordonnees, EvenementCoordonnees

PAR_PAGE = 20


def _valideur(request: RequeteConnectee) -> None:
    agent = agent_de(request.user)
    if agent is None or not agent.est_valideur:
        raise PermissionDenied(coordonnees.REFUS_EXAMEN)


@agent_requis
@require_http_methods(["GET", "HEAD"])
def coordonnees_a_verifier(request: RequeteConnectee) -> HttpResponse:
    _valideur(request)
    agent = agent_de(request.user)
    assert agent is not None
    examinables = ChangementCoordonnees.objects.examinables_par(request.user)
    a_verifier = Paginator(
        examinables.a_verifier()
        .select_related("structure", "propose_par")
        .order_by("created_at", "pk"),
        PAR_PAGE,
    ).get_page(request.GET.get("page"))
    historique = Paginator(
        EvenementCoordonnees.objects.filter(structure__caf_id=agent.caf_id)
        .select_related("structure", "auteur", "changement")
        .order_by("-created_at", "-pk"),
        PAR_PAGE,
    ).get_page(request.GET.get("historique"))
    return render(
        request,
        "structures/coordonnees_a_verifier.html",
        {
            "titre": "Coordonnées bancaires à vérifier",
            "caf": agent.caf,
            "a_verifier": a_verifier,
            "historique": historique,
        },
    )


def _changement(request: RequeteConnectee, pk: int) -> ChangementCoordonnees:
    _valideur(request)
    return get_object_or_404(
        ChangementCoordonnees.objects.examinables_par(request.user).select_related(
            "structure__caf", "propose_par", "examine_par"
        ),
        pk=pk,
    )


@lecture_seule_refusee()
@agent_requis
@require_http_methods(["GET", "HEAD", "POST"])
def coordonnees_examiner(request: RequeteConnectee, pk: int) -> HttpResponse:
    changement = _changement(request, pk)
    formulaire = FormulaireRefusCoordonnees()
    statut = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accepter":
                coordonnees.accepter_coordonnees(changement, request.user)
                messages.success(
                    request,
                    f"Coordonnées bancaires de {changement.structure.nom} acceptées : les "
                    "prochains lots paieront ce compte, après une nouvelle validation des "
                    "versements validés sur l'ancien.",
                )
                return redirect("coordonnees_a_verifier")
            if action == "refuser":
                formulaire = FormulaireRefusCoordonnees(request.POST)
                if formulaire.is_valid():
                    coordonnees.refuser_coordonnees(
                        changement,
                        request.user,
                        formulaire.cleaned_data["motif"],
                    )
                    messages.success(
                        request,
                        f"Coordonnées bancaires de {changement.structure.nom} refusées : la "
                        "structure reçoit le motif ; le compte accepté reste celui payé.",
                    )
                    return redirect("coordonnees_a_verifier")
            else:
                messages.error(request, "Choisissez d'accepter ou de refuser.")
        except ActionImpossible as refus:
            messages.error(request, str(refus))
        except ValidationError as erreur:
            for liste in erreur.message_dict.values():
                formulaire.add_error("motif", liste)
        statut = 400
        changement.refresh_from_db()
    return render(
        request,
        "structures/coordonnees_examiner.html",
        {
            "titre": f"Coordonnées bancaires — {changement.structure.nom}",
            "changement": changement,
            "a_verifier": changement.etat == EtatCoordonnees.A_VERIFIER,
            "formulaire": formulaire,
        },
        status=statut,
    )


@agent_requis
@require_http_methods(["GET", "HEAD"])
def coordonnees_rib(request: RequeteConnectee, pk: int) -> FileResponse:
    changement = _changement(request, pk)
    try:
        contenu = changement.rib.open("rb")
    except FileNotFoundError:
        raise Http404("Le fichier de ce RIB est introuvable.") from None
    return FileResponse(
        contenu,
        as_attachment=True,
        filename=changement.rib_nom,
        content_type=changement.rib_type_mime,
    )
