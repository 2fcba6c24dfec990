from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.exceptions import ActionImpossible
from clas.core.permissions import RequeteConnectee, connexion_requise
from clas.core.sections import sections_de_l_accueil
from clas.core.validators import masquer_email

from .. import actions, transferts
from ..coordonnees import changement_en_cours
from ..forms import (
    FormulaireInvitation,
    FormulairePiece,
    FormulaireRefusTransfert,
    FormulaireRole,
    FormulaireStructure,
)
from ..models import (
    DUREE_CORBEILLE,
    EtatTransfert,
    Invitation,
    MembreStructure,
    PieceJustificative,
    Structure,
    TransfertStructure,
    TypePiece,
)
from ..permissions import capacites, exiger

BIENTOT = 30  # jours : une pièce qui expire dans ce délai est signalée


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def invitations_en_attente(utilisateur: Utilisateur) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(email=utilisateur.email.lower(), acceptee_le__isnull=True)
        .exclude(structure__membres__utilisateur=utilisateur)
        .select_related("structure", "invitee_par")
        .order_by("-created_at")
    )


@connexion_requise
def structure_bienvenue(request: RequeteConnectee) -> HttpResponse:
    """Juste après la confirmation de l'adresse : l'invitation qui attend, sinon l'inscription
    d'une structure."""
    if invitations_en_attente(request.user).exists():
        messages.info(
            request,
            "Une invitation à rejoindre une structure vous attend : acceptez-la ci-dessous.",
        )
        return redirect("structure_accueil")
    return redirect("structure_inscrire")


@connexion_requise
def structure_accueil(request: RequeteConnectee) -> HttpResponse:
    """L'espace d'un membre : ses structures, son rôle dans chacune et l'équipe."""
    adhesions = list(
        MembreStructure.objects.filter(utilisateur=request.user)
        .select_related("structure__caf")
        .prefetch_related(
            Prefetch(
                "structure__membres",
                queryset=MembreStructure.objects.select_related("utilisateur").order_by(
                    "utilisateur__email"
                ),
            )
        )
        .order_by("structure__nom")
    )
    invitations = [
        (invitation, actions.jeton_invitation(invitation))
        for invitation in invitations_en_attente(request.user)
    ]
    est_agent = request.user.est_admin_national or agent_de(request.user) is not None
    return render(
        request,
        "structures/accueil.html",
        {
            "titre": "Ma structure",
            "adhesions": adhesions,
            # Campagne ouverte, dossiers et prochaine étape : inscrits d'en haut.
            "sections": sections_de_l_accueil([a.structure for a in adhesions], request.user),
            "invitations": invitations,
            "peut_inscrire": not est_agent,
        },
    )


def _structure(request: RequeteConnectee, structure_id: int) -> Structure:
    """La structure, si la personne peut la voir ; 404 sinon (jamais de recherche par id nu)."""
    return get_object_or_404(
        Structure.objects.visibles_par(request.user).select_related("caf"), pk=structure_id
    )


# --- Inscription et fiche ------------------------------------------------------------------


@connexion_requise
def structure_inscrire(request: RequeteConnectee) -> HttpResponse:
    if request.user.est_admin_national or agent_de(request.user) is not None:
        raise PermissionDenied(
            "Les agents des Caf et l'administration nationale n'inscrivent pas de structure : "
            "une structure s'inscrit avec le compte de l'une de ses personnes."
        )
    formulaire = FormulaireStructure(request.POST or None, request.FILES or None)
    if request.method == "POST" and formulaire.is_valid():
        try:
            structure = actions.inscrire_structure(
                request.user, formulaire.donnees_structure(), _compte(formulaire)
            )
        except actions.StructureDejaInscrite as refus:
            formulaire.add_error("siret", str(refus))
        except ValidationError as erreur:
            _erreurs_au_formulaire(formulaire, erreur)
        else:
            messages.success(
                request,
                f"« {structure.nom} » est inscrite. Vous en êtes l'administrateur ; son "
                f"interlocuteur est la {structure.caf.nom}, qui vérifiera le compte bancaire "
                "avec le RIB avant tout versement.",
            )
            return redirect("structure_fiche", structure.pk)
    return render(
        request,
        "structures/formulaire.html",
        {"titre": "Inscrire une structure", "formulaire": formulaire},
    )


def _compte(formulaire: FormulaireStructure) -> actions.Proposition | None:
    """Le compte saisi, s'il diffère du dernier proposé : à proposer à la Caf."""
    if not formulaire.coordonnees_changees():
        return None
    saisies = formulaire.coordonnees()
    return actions.Proposition(saisies.iban, saisies.bic, formulaire.cleaned_data.get("rib"))


def _erreurs_au_formulaire(formulaire: FormulaireStructure, erreur: ValidationError) -> None:
    for champ, liste in erreur.message_dict.items():
        formulaire.add_error(champ if champ in formulaire.fields else None, liste)


PAR_PAGE_HISTORIQUE = 10


@connexion_requise
def structure_fiche(request: RequeteConnectee, structure_id: int) -> HttpResponse:
    structure = _structure(request, structure_id)
    historique = Paginator(
        structure.evenements_coordonnees.select_related("auteur", "changement"),
        PAR_PAGE_HISTORIQUE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "structures/fiche.html",
        {
            "titre": structure.nom,
            "structure": structure,
            "peut": capacites(structure, request.user),
            "onglet": "fiche",
            "en_cours": changement_en_cours(structure),
            "historique": historique,
            **_contexte_transfert(request, structure),
        },
    )


def _contexte_transfert(
    request: RequeteConnectee,
    structure: Structure,
    formulaire_refus: FormulaireRefusTransfert | None = None,
) -> dict[str, object]:
    transfert = transferts.transfert_en_attente(structure)
    return {
        "transfert": transfert,
        "peut_examiner_transfert": transfert is not None
        and transferts.peut_examiner(transfert, request.user),
        "formulaire_refus_transfert": formulaire_refus or FormulaireRefusTransfert(),
        "journal_transferts": structure.evenements_transfert.select_related("auteur")[:20],
    }


def _transfert(request: RequeteConnectee, structure_id: int, pk: int) -> TransfertStructure:
    structure = _structure(request, structure_id)
    return get_object_or_404(
        TransfertStructure.objects.select_related("caf_origine", "caf_destination"),
        pk=pk,
        structure_id=structure.pk,
    )


@connexion_requise
@require_POST
def transfert_confirmer(request: RequeteConnectee, structure_id: int, pk: int) -> HttpResponse:
    transfert = _transfert(request, structure_id, pk)
    try:
        transferts.confirmer_transfert(transfert, request.user)
    except ActionImpossible as refus:
        messages.error(request, f"Le transfert n'a pas été confirmé : {refus}")
    else:
        messages.success(
            request,
            f"Transfert confirmé : la structure relève désormais de la "
            f"{transfert.caf_destination.nom}.",
        )
        if not Structure.objects.visibles_par(request.user).filter(pk=structure_id).exists():
            # L'agent de l'ancienne Caf ne voit plus la structure.
            return redirect("structure_accueil")
    return redirect("structure_fiche", structure_id)


@connexion_requise
@require_POST
def transfert_refuser(request: RequeteConnectee, structure_id: int, pk: int) -> HttpResponse:
    transfert = _transfert(request, structure_id, pk)
    if not transferts.peut_examiner(transfert, request.user):
        raise PermissionDenied(transferts.REFUS_EXAMEN)
    formulaire = FormulaireRefusTransfert(request.POST)
    if formulaire.is_valid():
        try:
            transferts.refuser_transfert(transfert, request.user, formulaire.cleaned_data["motif"])
        except ActionImpossible as refus:
            messages.error(request, f"Le transfert n'a pas été refusé : {refus}")
            return redirect("structure_fiche", structure_id)
        except ValidationError as erreur:
            formulaire.add_error("motif", erreur.messages)
        else:
            messages.success(request, "Transfert refusé : la structure reste à sa Caf.")
            return redirect("structure_fiche", structure_id)
    messages.error(request, "Le transfert n'a pas été refusé : indiquez le motif.")
    structure = transfert.structure
    historique = Paginator(
        structure.evenements_coordonnees.select_related("auteur", "changement"),
        PAR_PAGE_HISTORIQUE,
    ).get_page(1)
    return render(
        request,
        "structures/fiche.html",
        {
            "titre": structure.nom,
            "structure": structure,
            "peut": capacites(structure, request.user),
            "onglet": "fiche",
            "en_cours": changement_en_cours(structure),
            "historique": historique,
            **_contexte_transfert(request, structure, formulaire),
        },
        status=400,
    )


@connexion_requise
def structure_modifier(request: RequeteConnectee, structure_id: int) -> HttpResponse:
    structure = _structure(request, structure_id)
    exiger(structure, request.user, "modifier")
    # Une adresse en attente de transfert est celle que la personne a saisie : la fiche la
    # montre ; la renvoyer garde la demande, remettre l'adresse actuelle l'annule.
    en_attente = transferts.transfert_en_attente(structure)
    initial = (
        {nom: getattr(en_attente, nom) for nom in transferts.CHAMPS_ADRESSE} if en_attente else None
    )
    formulaire = FormulaireStructure(
        request.POST or None, request.FILES or None, instance=structure, initial=initial
    )
    if request.method == "POST" and formulaire.is_valid():
        compte = _compte(formulaire)
        try:
            transfert = actions.modifier_structure(
                structure, request.user, formulaire.donnees_structure(), compte
            )
        except ValidationError as erreur:
            _erreurs_au_formulaire(formulaire, erreur)
        else:
            message = "Les modifications de la fiche sont enregistrées."
            if compte is not None and changement_en_cours(structure) is not None:
                message += (
                    " Le nouveau compte bancaire est à vérifier par la Caf avec le RIB : "
                    "d'ici là, les versements partent sur le compte déjà accepté."
                )
            if transfert is not None:
                message += (
                    f" La nouvelle adresse ({transfert.code_postal} {transfert.commune}) relève "
                    f"de la {transfert.caf_destination.nom} : elle est à confirmer par la "
                    f"{transfert.caf_origine.nom}. D'ici là, la structure reste à sa Caf, à son "
                    "adresse actuelle."
                )
            messages.success(request, message)
            return redirect("structure_fiche", structure.pk)
    return render(
        request,
        "structures/formulaire.html",
        {
            "titre": f"Modifier — {structure.nom}",
            "formulaire": formulaire,
            "structure": structure,
        },
    )


# --- Équipe --------------------------------------------------------------------------------


@connexion_requise
def structure_membres(request: RequeteConnectee, structure_id: int) -> HttpResponse:
    structure = _structure(request, structure_id)
    peut = capacites(structure, request.user)
    formulaire = FormulaireInvitation(request.POST or None)
    if request.method == "POST":
        exiger(structure, request.user, "gerer_membres")
        if formulaire.is_valid():
            try:
                invitation = actions.inviter(
                    structure,
                    request.user,
                    formulaire.cleaned_data["email"],
                    formulaire.cleaned_data["role"],
                    base_url(request),
                )
            except ActionImpossible as refus:
                formulaire.add_error("email", str(refus))
            else:
                messages.success(
                    request,
                    f"Invitation envoyée à {invitation.email} "
                    f"({invitation.get_role_display().lower()}). Le lien est valable "
                    f"{actions.VALIDITE_INVITATION.days} jours.",
                )
                return redirect("structure_membres", structure.pk)
    membres = structure.membres.select_related("utilisateur").order_by(
        "utilisateur__nom", "utilisateur__prenom", "utilisateur__email"
    )
    invitations = (
        structure.invitations.filter(acceptee_le__isnull=True)
        .select_related("invitee_par")
        .order_by("email")
        if peut["gerer_membres"]
        else Invitation.objects.none()
    )
    return render(
        request,
        "structures/membres.html",
        {
            "titre": f"Équipe — {structure.nom}",
            "structure": structure,
            "peut": peut,
            "membres": membres,
            "invitations": invitations,
            "formulaire": formulaire,
            "formulaire_role": FormulaireRole(),
            "onglet": "membres",
        },
    )


def _membre(request: RequeteConnectee, structure_id: int, membre_id: int) -> MembreStructure:
    structure = _structure(request, structure_id)
    membre = get_object_or_404(structure.membres.select_related("utilisateur"), pk=membre_id)
    membre.structure = structure
    return membre


@require_POST
@connexion_requise
def membre_role(request: RequeteConnectee, structure_id: int, membre_id: int) -> HttpResponse:
    membre = _membre(request, structure_id, membre_id)
    exiger(membre.structure, request.user, "gerer_membres")
    formulaire = FormulaireRole(request.POST)
    if not formulaire.is_valid():
        messages.error(request, "Choisissez un rôle dans la liste.")
    else:
        try:
            membre = actions.changer_role(membre, request.user, formulaire.cleaned_data["role"])
        except ActionImpossible as refus:
            messages.error(request, str(refus))
        else:
            messages.success(
                request,
                f"{membre.utilisateur} est maintenant {membre.get_role_display().lower()}.",
            )
    return redirect("structure_membres", structure_id)


@require_POST
@connexion_requise
def membre_retirer(request: RequeteConnectee, structure_id: int, membre_id: int) -> HttpResponse:
    membre = _membre(request, structure_id, membre_id)
    soi_meme = membre.utilisateur_id == request.user.pk
    try:
        actions.retirer_membre(membre, request.user)
    except ActionImpossible as refus:
        messages.error(request, str(refus))
        return redirect("structure_membres", structure_id)
    if soi_meme:
        messages.success(request, f"Vous avez quitté « {membre.structure.nom} ».")
        return redirect("structure_accueil")
    messages.success(request, f"{membre.utilisateur} ne fait plus partie de l'équipe.")
    return redirect("structure_membres", structure_id)


@require_POST
@connexion_requise
def invitation_annuler(
    request: RequeteConnectee, structure_id: int, invitation_id: int
) -> HttpResponse:
    structure = _structure(request, structure_id)
    invitation = get_object_or_404(structure.invitations, pk=invitation_id)
    invitation.structure = structure
    try:
        actions.annuler_invitation(invitation, request.user)
    except ActionImpossible as refus:
        messages.error(request, str(refus))
    else:
        messages.success(request, f"L'invitation de {invitation.email} est annulée.")
    return redirect("structure_membres", structure_id)


def invitation(request: HttpRequest, jeton: str) -> HttpResponse:
    """Le lien reçu par courriel : voir l'invitation, l'accepter une fois connecté."""
    try:
        invitation = actions.invitation_du_jeton(jeton)
    except signing.SignatureExpired:
        return _invitation_invalide(
            request,
            "Ce lien d'invitation a expiré",
            f"Un lien d'invitation est valable {actions.VALIDITE_INVITATION.days} jours. "
            "Demandez à l'administrateur de la structure de vous inviter à nouveau.",
        )
    except (signing.BadSignature, KeyError, TypeError, Invitation.DoesNotExist):
        return _invitation_invalide(
            request,
            "Ce lien d'invitation n'est pas valable",
            "Il est incomplet, ou l'invitation a été annulée. Vérifiez que vous avez copié "
            "tout le lien, ou demandez une nouvelle invitation à l'administrateur.",
        )
    contexte = {
        "titre": f"Invitation — {invitation.structure.nom}",
        "invitation": invitation,
        "email_masque": masquer_email(invitation.email),
        "jeton": jeton,
    }
    if invitation.acceptee_le is not None:
        messages.info(request, "Cette invitation a déjà été acceptée.")
        return redirect("structure_accueil")
    if not request.user.is_authenticated:
        contexte["lien_inscription"] = (
            reverse("inscription") + "?" + _encoder({"email": invitation.email})
        )
        contexte["lien_connexion"] = (
            reverse("connexion") + "?" + _encoder({"next": request.get_full_path()})
        )
        return render(request, "structures/invitation.html", contexte)
    if invitation.email != request.user.email.lower():
        raise PermissionDenied(
            f"Cette invitation est adressée à {contexte['email_masque']}, pas à "
            f"{request.user.email}. Déconnectez-vous puis connectez-vous (ou créez un "
            "compte) avec l'adresse invitée."
        )
    if request.method == "POST":
        try:
            membre = actions.accepter_invitation(invitation, request.user)
        except ActionImpossible as refus:
            messages.error(request, str(refus))
            return redirect("structure_accueil")
        messages.success(
            request,
            f"Vous avez rejoint « {invitation.structure.nom} » en tant que "
            f"{membre.get_role_display().lower()}.",
        )
        return redirect("structure_fiche", invitation.structure_id)
    return render(request, "structures/invitation.html", contexte)


def _encoder(parametres: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(parametres)


def _invitation_invalide(request: HttpRequest, titre: str, explication: str) -> HttpResponse:
    return render(
        request,
        "structures/invitation_invalide.html",
        {"titre": titre, "explication": explication},
        status=400,
    )


# --- Coffre-fort des pièces ----------------------------------------------------------------


@connexion_requise
def structure_pieces(request: RequeteConnectee, structure_id: int) -> HttpResponse:
    structure = _structure(request, structure_id)
    peut = capacites(structure, request.user)
    formulaire = FormulairePiece(request.POST or None, request.FILES or None)
    if request.method == "POST":
        exiger(structure, request.user, "deposer_piece")
        if formulaire.is_valid():
            piece = actions.deposer_piece(
                structure,
                request.user,
                formulaire.cleaned_data["type_piece"],
                formulaire.cleaned_data["fichier"],
                formulaire.cleaned_data["date_validite"],
            )
            messages.success(
                request,
                f"« {piece.nom_fichier} » est déposée dans le coffre-fort "
                f"({piece.get_type_piece_display().lower()}).",
            )
            return redirect("structure_pieces", structure.pk)
    aujourd_hui = timezone.localdate()
    pieces = list(
        structure.pieces.select_related("deposee_par").order_by("type_piece", "-created_at")
    )
    for piece in pieces:
        piece.expiree = piece.est_expiree(aujourd_hui)
        piece.expire_bientot = (
            not piece.expiree
            and piece.date_validite is not None
            and (piece.date_validite - aujourd_hui).days <= BIENTOT
        )
    par_type = [
        (libelle, [p for p in pieces if p.type_piece == valeur])
        for valeur, libelle in TypePiece.choices
    ]
    return render(
        request,
        "structures/pieces.html",
        {
            "titre": f"Pièces — {structure.nom}",
            "structure": structure,
            "peut": peut,
            "par_type": par_type,
            "corbeille": _corbeille(structure) if peut["supprimer_piece"] else [],
            "nb_pieces": len(pieces),
            "nb_expirees": sum(1 for p in pieces if p.expiree),
            "formulaire": formulaire,
            "onglet": "pieces",
        },
    )


def _corbeille(structure: Structure) -> list[PieceJustificative]:
    """Les pièces encore restaurables, les plus récemment supprimées d'abord."""
    return list(
        PieceJustificative.avec_corbeille.filter(
            structure=structure,
            supprimee_le__gt=timezone.now() - DUREE_CORBEILLE,
        )
        .select_related("supprimee_par")
        .order_by("-supprimee_le")
    )


def _piece(request: RequeteConnectee, structure_id: int, piece_id: int) -> PieceJustificative:
    structure = _structure(request, structure_id)
    piece = get_object_or_404(structure.pieces, pk=piece_id)
    piece.structure = structure
    return piece


@connexion_requise
def piece_telecharger(request: RequeteConnectee, structure_id: int, piece_id: int) -> FileResponse:
    piece = _piece(request, structure_id, piece_id)
    try:
        contenu = piece.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Le fichier de cette pièce est introuvable.") from None
    return FileResponse(
        contenu, as_attachment=True, filename=piece.nom_fichier, content_type=piece.type_mime
    )


@require_POST
@connexion_requise
def piece_supprimer(request: RequeteConnectee, structure_id: int, piece_id: int) -> HttpResponse:
    piece = _piece(request, structure_id, piece_id)
    try:
        actions.supprimer_piece(piece, request.user)
    except ActionImpossible as refus:
        messages.error(request, str(refus))
    else:
        messages.success(
            request,
            f"« {piece.nom_fichier} » est dans la corbeille : vous pouvez la restaurer pendant "
            f"{DUREE_CORBEILLE.days} jours, en bas de cette page.",
        )
    return redirect("structure_pieces", structure_id)


@require_POST
@connexion_requise
def piece_restaurer(request: RequeteConnectee, structure_id: int, piece_id: int) -> HttpResponse:
    structure = _structure(request, structure_id)
    piece = get_object_or_404(
        PieceJustificative.avec_corbeille.filter(structure=structure, supprimee_le__isnull=False),
        pk=piece_id,
    )
    piece.structure = structure
    try:
        actions.restaurer_piece(piece, request.user)
    except ActionImpossible as refus:
        messages.error(request, str(refus))
    else:
        messages.success(request, f"« {piece.nom_fichier} » est de retour dans le coffre-fort.")
    return redirect("structure_pieces", structure_id)


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def transferts_a_confirmer(request: RequeteConnectee) -> HttpResponse:
    """Les transferts vers une autre Caf que la Caf de l'agent doit confirmer (tous pour le
    national) ; les autres reçoivent 403."""
    agent = agent_de(request.user)
    if agent is None and not request.user.est_admin_national:
        raise PermissionDenied(transferts.REFUS_EXAMEN)
    en_attente = TransfertStructure.objects.filter(etat=EtatTransfert.A_CONFIRMER)
    if not request.user.est_admin_national:
        assert agent is not None
        en_attente = en_attente.filter(caf_origine_id=agent.caf_id)
    page = Paginator(
        en_attente.select_related(
            "structure", "caf_origine", "caf_destination", "demande_par"
        ).order_by("created_at", "pk"),
        PAR_PAGE_HISTORIQUE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "structures/transferts_a_confirmer.html",
        {"titre": "Transferts entre Caf à confirmer", "transferts": page},
    )
