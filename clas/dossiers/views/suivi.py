"""Le suivi d'un dossier côté structure : la page du dossier, le dépôt, les messages avec
la Caf, l'accusé de dépôt, la reprise d'un dossier passé.

Chaque vue lit le dossier par `Dossier.objects.visibles_par(user)` (sinon 404), puis
demande à `capacites` ce que la personne peut faire. Les pages de la structure sont
réservées à ses membres ; l'accusé de dépôt et les pièces jointes des messages sont aussi
lisibles par les agents qui voient le dossier.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clas.campagnes.models import Campagne
from clas.core.fichiers import verifier_fichier
from clas.core.forms import FormulaireDsfr, aide_texte_libre
from clas.core.pdf import telecharger_pdf
from clas.core.permissions import (
    LECTURE_SEULE_STRUCTURE,
    RequeteConnectee,
    connexion_requise,
    lecture_seule_refusee,
)
from clas.core.sections import sections_du_dossier
from clas.dossiers import actions
from clas.dossiers.historique import les_plus_recentes, limite_historique, tronquer
from clas.dossiers.models import DemandeComplements, Dossier, EtatDossier, Evenement, Message
from clas.dossiers.permissions import capacites, etape_modifiable
from clas.dossiers.recu import generer_recu, nom_recu
from clas.dossiers.saisie import panneau_du_dossier
from clas.dossiers.verification import ETAPES, LIBELLES_ETAPES, Manque, url_etape, verifier_dossier

REFUS_NON_MEMBRE = (
    "Cette page est celle de la structure qui porte le dossier. Les agents de la Caf "
    "instruisent les dossiers depuis l'espace Caf."
)


class FormulaireMessage(FormulaireDsfr):
    texte = forms.CharField(
        label="Votre message",
        max_length=5000,
        help_text=aide_texte_libre(),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Écrivez votre message."},
    )
    piece_jointe = forms.FileField(
        label="Pièce jointe",
        required=False,
        help_text="Un fichier PDF, PNG ou JPEG de 10 Mo au plus.",
    )

    def clean_piece_jointe(self) -> Any:
        fichier = self.cleaned_data.get("piece_jointe")
        if fichier:
            verifier_fichier(fichier)
        return fichier


def _dossiers_visibles(request: RequeteConnectee) -> Any:
    return Dossier.objects.visibles_par(request.user)


def _dossier_de_la_structure(request: RequeteConnectee, pk: int) -> tuple[Dossier, dict[str, bool]]:
    """Le dossier visible par la personne, qui doit être membre de la structure."""
    dossier = get_object_or_404(
        _dossiers_visibles(request).select_related(
            "campagne__caf", "structure__caf", "attestation_par"
        ),
        pk=pk,
    )
    droits = capacites(dossier, request.user)
    if not droits["voir"]:
        raise PermissionDenied(REFUS_NON_MEMBRE)
    return dossier, droits


def _rendre_detail(
    request: RequeteConnectee,
    pk: int,
    *,
    manques_depot: list[Manque] | None = None,
    formulaire_message: FormulaireMessage | None = None,
    status: int = 200,
) -> HttpResponse:
    dossier = get_object_or_404(
        _dossiers_visibles(request)
        .select_related("campagne__caf", "structure__caf", "attestation_par", "repris_de")
        .avec_contenu(),
        pk=pk,
    )
    droits = capacites(dossier, request.user)
    if not droits["voir"]:
        raise PermissionDenied(REFUS_NON_MEMBRE)

    collectifs = list(dossier.collectifs.all())
    lignes = list(dossier.lignes_budget.all())
    panneau = panneau_du_dossier(dossier, collectifs, lignes)

    # Avant le dépôt, la structure voit tout ce qui reste à faire ; après un refus, la
    # liste vient du dépôt lui-même.
    a_verifier = droits["modifier"]
    verification = verifier_dossier(dossier, charger=False) if a_verifier else []
    if manques_depot is not None:
        verification = manques_depot + [m for m in verification if not m.bloquant]

    limite = limite_historique(request)
    evenements, lien_historique = tronquer(
        les_plus_recentes(
            Evenement.objects.filter(dossier=dossier, public=True)
            .select_related("auteur")
            .order_by("-created_at", "-id"),
            limite,
        ),
        limite,
    )
    fil = (
        Message.objects.filter(dossier=dossier)
        .select_related("auteur")
        .order_by("created_at", "id")
    )
    demande = None
    if dossier.etat == EtatDossier.COMPLEMENTS_DEMANDES:
        demande = (
            DemandeComplements.objects.filter(dossier=dossier, repondue_le__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
    campagnes_reprise = (
        actions.campagnes_pour_reprise(dossier)
        if droits["reprendre"] and dossier.etat != EtatDossier.BROUILLON
        else []
    )
    etapes = [
        {
            "nom": etape,
            "libelle": LIBELLES_ETAPES[etape],
            "url": url_etape(dossier.pk, etape),
            "modifiable": droits["modifier"] and etape_modifiable(dossier, etape),
            "a_completer": etape in (dossier.etapes_a_completer or []),
        }
        for etape in ETAPES
    ]
    contexte = {
        "titre": f"Dossier {dossier}",
        "dossier": dossier,
        "droits": droits,
        "collectifs": collectifs,
        "panneau": panneau,
        "pieces": [piece_dossier.piece for piece_dossier in dossier.pieces.all()],
        "etapes": etapes,
        "manques": [m for m in verification if m.bloquant],
        "avertissements": [m for m in verification if not m.bloquant],
        "depot_refuse": manques_depot is not None,
        "evenements": evenements,
        **lien_historique,
        "fil": fil,
        "demande": demande,
        "formulaire_message": formulaire_message or FormulaireMessage(),
        "campagnes_reprise": campagnes_reprise,
        "url_liste": reverse("dossiers_liste"),
        "sections_apres_decision": sections_du_dossier("structure", dossier, request.user),
    }
    return render(request, "dossiers/suivi/detail.html", contexte, status=status)


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def dossier_detail(request: RequeteConnectee, pk: int) -> HttpResponse:
    return _rendre_detail(request, pk)


@lecture_seule_refusee(refus=LECTURE_SEULE_STRUCTURE)
@connexion_requise
@require_POST
def dossier_deposer(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Déposer un brouillon, ou déposer à nouveau après une demande de compléments."""
    dossier, _droits = _dossier_de_la_structure(request, pk)
    complements = dossier.etat == EtatDossier.COMPLEMENTS_DEMANDES
    action = actions.deposer_complements if complements else actions.deposer
    try:
        dossier = action(dossier, request.user)
    except actions.DepotRefuse as refus:
        messages.error(
            request,
            "Le dossier n'a pas été déposé : corrigez les points listés ci-dessous, "
            "puis déposez à nouveau.",
        )
        return _rendre_detail(request, pk, manques_depot=refus.manques, status=400)
    except actions.TransitionImpossible as erreur:
        messages.error(request, str(erreur))
        return redirect("dossier_detail", pk=pk)
    if complements:
        messages.success(request, "Compléments déposés : la Caf reprend l'instruction.")
    else:
        messages.success(
            request,
            f"Dossier déposé sous le numéro {dossier.numero}. Un accusé de dépôt vous est "
            "envoyé par courriel ; il est aussi téléchargeable ci-dessous.",
        )
    return redirect("dossier_detail", pk=pk)


@lecture_seule_refusee(refus=LECTURE_SEULE_STRUCTURE)
@connexion_requise
@require_POST
def dossier_message(request: RequeteConnectee, pk: int) -> HttpResponse:
    dossier, droits = _dossier_de_la_structure(request, pk)
    if not droits["ecrire_message"]:
        raise PermissionDenied("Les échanges avec la Caf commencent une fois le dossier déposé.")
    formulaire = FormulaireMessage(request.POST, request.FILES)
    if formulaire.is_valid():
        try:
            actions.envoyer_message(
                dossier,
                request.user,
                formulaire.cleaned_data["texte"],
                formulaire.cleaned_data.get("piece_jointe"),
            )
        except ValidationError as erreur:
            for champ, liste in erreur.message_dict.items():
                formulaire.add_error(champ if champ in formulaire.fields else None, liste)
        else:
            messages.success(request, "Message envoyé à la Caf.")
            return redirect(f"{reverse('dossier_detail', args=[pk])}#messages")
    return _rendre_detail(request, pk, formulaire_message=formulaire, status=400)


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def dossier_message_piece(request: RequeteConnectee, pk: int, mid: int) -> FileResponse:
    """La pièce jointe d'un message : la structure et les agents qui voient le dossier."""
    dossier = get_object_or_404(_dossiers_visibles(request), pk=pk)
    message = get_object_or_404(Message, pk=mid, dossier=dossier)
    if not message.piece_jointe:
        raise Http404("Ce message n'a pas de pièce jointe.")
    return FileResponse(
        message.piece_jointe.open("rb"),
        as_attachment=True,
        filename=message.nom_piece_jointe or (message.piece_jointe.name or "").rsplit("/", 1)[-1],
    )


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def dossier_recu(request: RequeteConnectee, pk: int) -> FileResponse:
    """L'accusé de dépôt ; produit à la demande s'il manque (dépôt dont le PDF a échoué)."""
    dossier = get_object_or_404(_dossiers_visibles(request), pk=pk)
    if dossier.numero is None:
        raise Http404("Un brouillon n'a pas d'accusé de dépôt.")
    return telecharger_pdf(dossier, "recu", nom_recu(dossier), generer_recu)


@lecture_seule_refusee(refus=LECTURE_SEULE_STRUCTURE)
@connexion_requise
@require_http_methods(["GET", "HEAD", "POST"])
def dossier_reprendre(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Un nouveau brouillon pour une campagne ouverte, prérempli depuis ce dossier."""
    dossier, droits = _dossier_de_la_structure(request, pk)
    if not droits["reprendre"]:
        raise PermissionDenied("Seul un membre de la structure reprend ses dossiers.")
    campagnes = actions.campagnes_pour_reprise(dossier)
    erreur = ""
    if request.method == "POST":
        choisie: Campagne | None = next(
            (c for c in campagnes if str(c.pk) == request.POST.get("campagne", "")), None
        )
        if choisie is None:
            erreur = (
                "Choisissez une campagne ouverte pour laquelle votre structure n'a pas de dossier."
            )
        else:
            try:
                nouveau = actions.reprendre_dossier(dossier, choisie, request.user)
            except actions.RepriseImpossible as refus:
                erreur = str(refus)
            else:
                messages.success(
                    request,
                    f"Nouveau brouillon pour « {choisie.titre} », prérempli à partir du dossier "
                    f"{dossier}. Vérifiez chaque étape (la première semaine de chaque collectif "
                    "est à saisir), puis faites signer l'attestation.",
                )
                return redirect(url_etape(nouveau.pk, "projet"))
    return render(
        request,
        "dossiers/suivi/reprendre.html",
        {
            "titre": f"Reprendre le dossier {dossier}",
            "dossier": dossier,
            "campagnes": campagnes,
            "erreur": erreur,
        },
        status=400 if erreur else 200,
    )
