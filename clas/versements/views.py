"""Les pages des paiements, pour les agents d'une Caf : versements à valider (valideur), à
mettre en paiement (comptable), lots (fichier SEPA, récapitulatif, payé, retour de la
banque, rejet, réémission) ; et le compte bancaire de la Caf.

Un porteur reçoit 403 (`agent_requis`, `agent_ou_national_requis`). L'administration
nationale lit la page des paiements et celle des lots de toutes les Caf
(`lots_lisibles`, `versements_lisibles`, sélecteur `?caf=`) ; chaque action lui est
refusée (`lecture_seule_refusee`), comme les fichiers du lot remis à la banque. Un agent
d'une autre Caf reçoit 404 sur un lot ou un versement qui n'est pas de sa Caf (lus par
`lots_de_la_caf`, `versements_de_la_caf`). Ce que l'agent peut faire est la réponse de
`capacites_paiements`, et chaque action le vérifie à nouveau (`paiements`, 403 sinon).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from clas.bareme import formater_euros
from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.chiffres_en_cache import agreger_en_cache
from clas.core.permissions import (
    RequeteConnectee,
    agent_ou_national_requis,
    agent_requis,
    en_lecture_seule,
    lecture_seule_refusee,
)
from clas.referentiel.choix_caf import ChoixCaf, choix_caf
from clas.referentiel.models import Caf, ChangementCompteCaf, EvenementCompteCaf
from clas.structures.models import ChangementCoordonnees, EtatTransfert, TransfertStructure

from . import actions as paiements
from . import compte_caf, permissions, retour_banque
from .etats import EN_BANQUE
from .forms import (
    FormulaireCompteCaf,
    FormulaireLot,
    FormulaireLotPaye,
    FormulaireRefusCompte,
    FormulaireRejet,
    FormulaireRetour,
)
from .models import EtatVersement, LotPaiement, Versement
from .sepa import recapitulatif_csv

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

E = EtatVersement


class ComptesDuLot(TypedDict):
    """Ce que la liste des lots annote sur chaque lot."""

    nb_en_paiement: int
    nb_rejetes: int


class CompteDuVersement(TypedDict):
    """Ce que `_versements` annote sur chaque versement."""

    compte_en_attente: bool


if TYPE_CHECKING:
    LotCompte = WithAnnotations[LotPaiement, ComptesDuLot]
    VersementCompte = WithAnnotations[Versement, CompteDuVersement]


def _pluriel(nombre: int, mot: str) -> str:
    return f"{nombre} {mot}{'s' if nombre > 1 else ''}"


def _versements(request: RequeteConnectee, choix: ChoixCaf) -> QuerySet[VersementCompte]:
    """Les versements de la Caf (de toutes ou de celle choisie pour le national), chacun avec
    `compte_en_attente` : sa structure a proposé un compte que la Caf n'a pas encore vérifié
    (le lot paie quand même le compte accepté)."""
    en_attente = ChangementCoordonnees.objects.a_verifier().filter(
        structure_id=OuterRef("convention__dossier__structure_id")
    )
    return (
        choix.filtrer(permissions.versements_lisibles(request.user), "caf_id")
        .select_related(
            "convention__dossier__structure", "convention__dossier__campagne__caf", "valide_par"
        )
        .annotate(compte_en_attente=Exists(en_attente))
    )


def _retour(request: HttpRequest, defaut: str) -> HttpResponse:
    suivant = request.POST.get("suivant", "")
    if suivant and url_has_allowed_host_and_scheme(
        suivant, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(suivant)
    return redirect(defaut)


def _etat_lot(lot: LotCompte) -> tuple[str, str]:
    """Le libellé et la classe du badge d'un lot, d'après ses versements annotés."""
    if lot.nb_en_paiement:
        return "En attente du retour de la banque", "fr-badge--info"
    if lot.nb_rejetes:
        return "Traité, avec des rejets", "fr-badge--warning"
    return "Payé", "fr-badge--success"


LOTS_PAR_PAGE = 25
VERSEMENTS_PAR_PAGE = 50


def _lots(request: RequeteConnectee, choix: ChoixCaf) -> Page[LotCompte]:
    """Les lots de la Caf, les plus récents d'abord, par pages (une Caf en crée chaque mois).
    Les versements ne sont comptés que pour les lots de la page : compter ceux de tous les
    lots de la Caf avant de paginer grandissait avec son nombre de lots."""
    lots: Page[LotCompte] = Paginator(  # type: ignore[assignment]  # comptes posés ci-dessous
        choix.filtrer(permissions.lots_lisibles(request.user), "caf_id")
        .select_related("cree_par", "caf")
        .order_by("-created_at", "-pk"),
        LOTS_PAR_PAGE,
    ).get_page(request.GET.get("lots"))
    lots.object_list = list(lots.object_list)
    comptes: dict[int, Any] = {
        ligne["lot_id"]: ligne
        for ligne in Versement.objects.filter(lot_id__in=[lot.pk for lot in lots.object_list])
        .order_by()
        .values("lot_id")
        .annotate(
            nb_en_paiement=Count("pk", filter=Q(etat__in=EN_BANQUE)),
            nb_rejetes=Count("pk", filter=Q(etat=E.REJETE)),
        )
    }
    for lot in lots.object_list:
        compte = comptes.get(lot.pk, {})
        lot.nb_en_paiement = compte.get("nb_en_paiement", 0)
        lot.nb_rejetes = compte.get("nb_rejetes", 0)
        lot.etat_libelle, lot.etat_classe = _etat_lot(lot)  # type: ignore[attr-defined]  # gabarit
    return lots


ONGLETS = ("a-valider", "a-payer", "lots")


def _onglet(request: HttpRequest, capacites: dict[str, bool]) -> str:
    """L'onglet demandé, sinon celui du rôle : le valideur valide, le comptable paie."""
    demande = request.GET.get("onglet", "")
    if demande in ONGLETS:
        return demande
    if capacites["valider"]:
        return "a-valider"
    if capacites["payer"]:
        return "a-payer"
    return "lots"


@lecture_seule_refusee()
@agent_ou_national_requis
@require_http_methods(["GET", "HEAD"])
def paiements_accueil(request: RequeteConnectee) -> HttpResponse:
    """Les paiements de la Caf de l'agent ; pour l'administration nationale, ceux de toutes
    les Caf ou de celle choisie (`?caf=`), en lecture seule."""
    return _page_accueil(request)


def _page_versements(
    request: RequeteConnectee, versements: QuerySet[VersementCompte], parametre: str
) -> tuple[Page[VersementCompte], Decimal]:
    """Une page de versements et le total de tous (pas seulement de la page) : le national
    lit ceux de toutes les Caf."""
    chiffres = agreger_en_cache(
        "paiements-totaux", versements.order_by(), total=Sum("montant"), nombre=Count("pk")
    )
    total = chiffres["total"] or Decimal("0.00")
    paginateur: Paginator[VersementCompte] = Paginator(versements, VERSEMENTS_PAR_PAGE)
    # Le nombre vient de la même requête que le total : pas de second COUNT(*) sur les
    # versements de toutes les Caf (`Paginator.count` est une propriété mise en cache).
    paginateur.__dict__["count"] = chiffres["nombre"]
    page: Page[VersementCompte] = paginateur.get_page(request.GET.get(parametre))
    page.object_list = list(page.object_list)
    return page, total


def _page_accueil(
    request: RequeteConnectee, formulaire_lot: FormulaireLot | None = None, status: int = 200
) -> HttpResponse:
    """La page des paiements ; après une saisie refusée, le formulaire du lot tel que tapé.
    Un nombre constant de requêtes : les listes sont par pages, les totaux en une requête."""
    utilisateur = request.user
    choix = choix_caf(utilisateur, request.GET.get("caf"))
    a_valider, total_a_valider = _page_versements(
        request,
        _versements(request, choix).filter(etat=E.A_VALIDER).order_by("created_at", "pk"),
        "page_a_valider",
    )
    a_payer, total_a_payer = _page_versements(
        request,
        _versements(request, choix)
        .filter(etat=E.VALIDE, lot__isnull=True)
        .order_by("valide_le", "pk"),
        "page_a_payer",
    )
    for versement in a_payer:
        versement.compte_invalide = paiements.raison_ecart(versement)  # type: ignore[attr-defined]  # gabarit
    capacites = permissions.capacites_paiements(utilisateur)
    contexte: dict[str, Any] = {
        "titre": "Paiements des Caf — lecture seule" if choix.lecture_seule else "Paiements",
        "choix": choix,
        "lecture_seule": choix.lecture_seule,
        "capacites": capacites,
        "a_valider": a_valider,
        "total_a_valider": total_a_valider,
        "a_payer": a_payer,
        "total_a_payer": total_a_payer,
        "lots": _lots(request, choix),
        "onglet": "a-payer" if formulaire_lot is not None else _onglet(request, capacites),
    }
    contexte["gardes"] = [("onglet", contexte["onglet"])]
    if not choix.lecture_seule:
        # Les pages de l'agent : le compte de sa Caf, les transferts et les comptes des
        # structures à vérifier, la création du lot.
        agent = agent_de(utilisateur)
        assert agent is not None
        contexte |= {
            "caf": agent.caf,
            "compte_a_approuver": compte_caf.changement_en_attente(agent.caf) is not None,
            # Une structure qui déménage dans un autre département reste payée par cette Caf
            # tant qu'un agent n'a pas confirmé son transfert.
            "transferts_a_confirmer": TransfertStructure.objects.filter(
                caf_origine_id=agent.caf_id, etat=EtatTransfert.A_CONFIRMER
            ).count(),
            "comptes_a_verifier": ChangementCoordonnees.objects.a_verifier()
            .filter(structure__caf_id=agent.caf_id)
            .count(),
            "formulaire_lot": formulaire_lot
            or FormulaireLot(initial={"date_execution": timezone.localdate()}),
        }
    return render(request, "versements/accueil.html", contexte, status=status)


@lecture_seule_refusee()
@agent_requis
@require_POST
def paiements_valider(request: RequeteConnectee) -> HttpResponse:
    """Le valideur valide les versements cochés (ou celui d'un dossier)."""
    utilisateur = request.user
    if not permissions.capacites_paiements(utilisateur)["valider"]:
        raise PermissionDenied(paiements.ROLES["valideur"][1])
    ids = [i for i in request.POST.getlist("versements") if i.isdigit()]
    choisis = list(permissions.versements_de_la_caf(utilisateur).filter(pk__in=ids))
    defaut = reverse("paiements_accueil") + "?onglet=a-valider"
    if not choisis:
        messages.error(request, "Cochez au moins un versement à valider.")
        return _retour(request, defaut)
    valides = paiements.valider_versements(choisis, utilisateur)
    if valides:
        total = sum((v.montant for v in valides), start=Decimal("0.00"))
        plusieurs = len(valides) > 1
        messages.success(
            request,
            f"{_pluriel(len(valides), 'versement')} validé{'s' if plusieurs else ''} "
            f"({formater_euros(total)}) : {'ils sont prêts' if plusieurs else 'il est prêt'} "
            "à être mis en paiement par le comptable.",
        )
    else:
        messages.info(request, "Ces versements étaient déjà validés : rien n'a changé.")
    return _retour(request, defaut)


@lecture_seule_refusee()
@agent_requis
@require_POST
def paiements_creer_lot(request: RequeteConnectee) -> HttpResponse:
    utilisateur = request.user
    if not permissions.capacites_paiements(utilisateur)["payer"]:
        raise PermissionDenied(paiements.ROLES["comptable"][1])
    agent = agent_de(utilisateur)
    assert agent is not None
    formulaire = FormulaireLot(request.POST)
    onglet = reverse("paiements_accueil") + "?onglet=a-payer"
    if not formulaire.is_valid():
        # La date saisie reste dans le champ, avec son erreur.
        for erreur in formulaire.errors.get("date_execution", []):
            messages.error(request, f"Le lot n'a pas été créé. {erreur}")
        return _page_accueil(request, formulaire, status=400)
    try:
        resultat = paiements.creer_lot(
            Caf.objects.get(pk=agent.caf_id),
            utilisateur,
            formulaire.cleaned_data["date_execution"],
        )
    except paiements.ActionImpossible as refus:
        messages.error(request, " ".join([str(refus), *refus.details]))
        return redirect(onglet)
    lot = resultat.lot
    messages.success(
        request,
        f"Lot {lot.numero} créé : {_pluriel(lot.nb_versements, 'versement')} pour "
        f"{formater_euros(lot.montant_total)}. Téléchargez le fichier SEPA pour la banque.",
    )
    for ecarte in resultat.ecartes:
        messages.warning(
            request,
            f"Laissé de côté, {ecarte.versement.convention.dossier.numero} "
            f"({formater_euros(ecarte.versement.montant)}) : {ecarte.raison}",
        )
    return redirect("paiements_lot", pk=lot.pk)


def _lot(request: RequeteConnectee, pk: int) -> LotPaiement:
    """Le lot, s'il est de la Caf de l'agent (de toute Caf pour le national) ; 404 sinon."""
    return get_object_or_404(
        permissions.lots_lisibles(request.user).select_related("cree_par", "traite_par", "caf"),
        pk=pk,
    )


def _versements_du_lot(lot: LotPaiement) -> QuerySet[Versement]:
    return lot.versements.select_related("convention__dossier__structure", "reemission").order_by(
        "pk"
    )


def _page_des_versements(request: RequeteConnectee, lot: LotPaiement) -> Page[Versement]:
    """Les versements du lot par pages : un lot national en compte des centaines."""
    return Paginator(_versements_du_lot(lot), VERSEMENTS_PAR_PAGE).get_page(request.GET.get("page"))


def _page_lot(
    request: RequeteConnectee, lot: LotPaiement, statut: int = 200, **extra: Any
) -> HttpResponse:
    versements = _page_des_versements(request, lot)
    totaux = lot.versements.aggregate(
        paye=Sum("montant", filter=Q(etat=E.PAYE)),
        rejete=Sum("montant", filter=Q(etat=E.REJETE)),
        en_paiement=Sum("montant", filter=Q(etat__in=EN_BANQUE)),
    )
    contexte: dict[str, Any] = {
        "titre": f"Lot de paiement {lot.numero}",
        "lot": lot,
        "versements": versements,
        "totaux": totaux,
        "capacites": permissions.capacites_paiements(request.user),
        "lecture_seule": en_lecture_seule(request.user),
        "en_paiement": lot.versements.filter(etat__in=EN_BANQUE).exists(),
        "formulaire_paye": FormulaireLotPaye(initial={"date_paiement": timezone.localdate()}),
        "formulaire_retour": FormulaireRetour(),
        "formulaire_rejet": FormulaireRejet(),
        "colonnes_retour": ";".join(retour_banque.COLONNES),
        **extra,
    }
    return render(request, "versements/lot.html", contexte, status=statut)


@lecture_seule_refusee()
@agent_ou_national_requis
@require_http_methods(["GET", "HEAD"])
def paiements_lot(request: RequeteConnectee, pk: int) -> HttpResponse:
    return _page_lot(request, _lot(request, pk))


REFUS_FICHIERS_NATIONAL = (
    "L'administration nationale consulte les lots en lecture seule : les fichiers remis à la "
    "banque (comptes bancaires des structures) sont réservés au comptable et au valideur de "
    "la Caf."
)


def _telechargement_permis(request: RequeteConnectee) -> None:
    """Les fichiers du lot sont ceux que la Caf remet à sa banque : ni l'instructeur ni
    l'administration nationale (qui lit la page du lot) ne les téléchargent."""
    if en_lecture_seule(request.user):
        raise PermissionDenied(REFUS_FICHIERS_NATIONAL)
    if not permissions.capacites_paiements(request.user)["telecharger"]:
        raise PermissionDenied(
            "Les fichiers d'un lot (comptes bancaires des structures) sont réservés au "
            "comptable et au valideur de la Caf."
        )


@lecture_seule_refusee()
@agent_ou_national_requis
@require_http_methods(["GET", "HEAD"])
def paiements_lot_sepa(request: RequeteConnectee, pk: int) -> FileResponse:
    lot = _lot(request, pk)
    _telechargement_permis(request)
    if not lot.fichier_sepa:
        raise Http404("Ce lot n'a pas de fichier SEPA.")
    return FileResponse(
        lot.fichier_sepa.open("rb"),
        as_attachment=True,
        filename=f"{lot.numero}.xml",
        content_type="application/xml",
    )


@lecture_seule_refusee()
@agent_ou_national_requis
@require_http_methods(["GET", "HEAD"])
def paiements_lot_csv(request: RequeteConnectee, pk: int) -> HttpResponse:
    lot = _lot(request, pk)
    _telechargement_permis(request)
    contenu = "\ufeff" + recapitulatif_csv(lot, list(_versements_du_lot(lot)))
    reponse = HttpResponse(contenu.encode("utf-8"), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{lot.numero}-recapitulatif.csv"'
    return reponse


def _comptable(request: RequeteConnectee) -> Utilisateur:
    utilisateur = request.user
    if not permissions.capacites_paiements(utilisateur)["payer"]:
        raise PermissionDenied(paiements.ROLES["comptable"][1])
    return utilisateur


@lecture_seule_refusee()
@agent_requis
@require_POST
def paiements_lot_payer(request: RequeteConnectee, pk: int) -> HttpResponse:
    lot = _lot(request, pk)
    comptable = _comptable(request)
    formulaire = FormulaireLotPaye(request.POST)
    if formulaire.is_valid():
        try:
            payes = paiements.marquer_lot_paye(
                lot,
                comptable,
                formulaire.cleaned_data["date_paiement"],
                formulaire.cleaned_data["reference_bancaire"],
            )
        except paiements.ActionImpossible as refus:
            formulaire.add_error(None, str(refus))
        else:
            if payes:
                total = sum((v.montant for v in payes), start=Decimal("0.00"))
                messages.success(
                    request,
                    f"Lot {lot.numero} marqué payé : {_pluriel(len(payes), 'versement')} "
                    f"({formater_euros(total)}) inscrit{'s' if len(payes) > 1 else ''} au "
                    "grand livre des dossiers.",
                )
            else:
                messages.info(request, f"Le lot {lot.numero} était déjà traité : rien n'a changé.")
            return redirect("paiements_lot", pk=lot.pk)
    messages.error(request, "Le lot n'a pas été marqué payé : voyez le formulaire.")
    return _page_lot(request, lot, 400, formulaire_paye=formulaire)


def _annoncer_rapport(request: HttpRequest, rapport: retour_banque.RapportRetour) -> int:
    """Le message du haut de page après un import ; 400 si rien n'a pu être appliqué."""
    refusees = len(rapport.refusees)
    if rapport.deja_applique:
        messages.info(request, "Ce retour avait déjà été appliqué : rien n'a changé.")
        return 200
    if rapport.inchange and rapport.ignorees:
        messages.warning(
            request,
            "Rien n'a changé : les autres lignes avaient déjà été appliquées ou sont en "
            f"attente ; {_pluriel(refusees, 'ligne')} refusée{'s' if refusees > 1 else ''}, "
            "voyez le rapport.",
        )
        return 200
    if rapport.inchange:
        messages.error(
            request,
            f"Aucune ligne du retour n'a été appliquée : {_pluriel(refusees, 'ligne')} "
            f"refusée{'s' if refusees > 1 else ''}, voyez le rapport.",
        )
        return 400
    resume = (
        f"{_pluriel(len(rapport.payes), 'versement')} payé{'s' if len(rapport.payes) > 1 else ''}, "
        f"{_pluriel(len(rapport.acceptes), 'acceptation')} de la banque, "
        f"{_pluriel(len(rapport.rejetes), 'rejet')}"
    )
    if refusees:
        messages.warning(
            request,
            f"Retour de la banque appliqué en partie : {resume} ; "
            f"{_pluriel(refusees, 'ligne')} refusée{'s' if refusees > 1 else ''}, voyez le "
            "rapport.",
        )
    else:
        messages.success(request, f"Retour de la banque appliqué : {resume}.")
    return 200


@lecture_seule_refusee()
@agent_requis
@require_POST
def paiements_lot_retour(request: RequeteConnectee, pk: int) -> HttpResponse:
    lot = _lot(request, pk)
    comptable = _comptable(request)
    formulaire = FormulaireRetour(request.POST, request.FILES)
    if formulaire.is_valid():
        try:
            rapport = retour_banque.importer_retour(
                lot, formulaire.cleaned_data["fichier"], comptable
            )
        except retour_banque.RetourInvalide as invalide:
            messages.error(
                request, "Le retour de la banque n'a pas été appliqué : rien n'a changé."
            )
            return _page_lot(request, lot, 400, erreurs_retour=invalide.erreurs)
        return _page_lot(request, lot, _annoncer_rapport(request, rapport), rapport_retour=rapport)
    messages.error(request, "Choisissez le fichier de retour de la banque.")
    return _page_lot(request, lot, 400, formulaire_retour=formulaire)


def _versement(request: RequeteConnectee, pk: int) -> Versement:
    return get_object_or_404(
        permissions.versements_de_la_caf(request.user).select_related("lot"), pk=pk
    )


def _url_retour_versement(versement: Versement) -> str:
    if versement.lot_id:
        return reverse("paiements_lot", args=[versement.lot_id])
    return reverse("paiements_accueil")


@lecture_seule_refusee()
@agent_requis
@require_POST
def paiements_versement_rejeter(request: RequeteConnectee, pk: int) -> HttpResponse:
    versement = _versement(request, pk)
    comptable = _comptable(request)
    formulaire = FormulaireRejet(request.POST)
    motif = formulaire.cleaned_data["motif"] if formulaire.is_valid() else ""
    try:
        versement, fait = paiements.rejeter_versement(versement, comptable, motif)
    except paiements.ActionImpossible as refus:
        messages.error(request, f"Le rejet n'a pas été enregistré : {refus}")
    else:
        if fait:
            messages.success(
                request,
                f"Rejet enregistré pour {versement.reference} : la structure voit le motif ; "
                "réémettez le versement une fois son compte corrigé.",
            )
        else:
            messages.info(request, "Ce versement était déjà rejeté : rien n'a changé.")
    return _retour(request, _url_retour_versement(versement))


@lecture_seule_refusee()
@agent_requis
@require_POST
def paiements_versement_reemettre(request: RequeteConnectee, pk: int) -> HttpResponse:
    versement = _versement(request, pk)
    if not permissions.capacites_paiements(request.user)["reemettre"]:
        raise PermissionDenied("Seul un comptable ou un valideur de la Caf réémet un versement.")
    try:
        nouveau, cree = paiements.reemettre(versement, request.user)
    except paiements.ActionImpossible as refus:
        messages.error(request, f"Le versement n'a pas été réémis : {refus}")
    else:
        if cree:
            messages.success(
                request,
                f"Versement réémis ({formater_euros(nouveau.montant)}) : il attend la validation "
                "d'un valideur, puis partira dans le prochain lot.",
            )
        else:
            messages.info(request, "Ce versement a déjà été réémis : rien n'a changé.")
    return _retour(request, _url_retour_versement(versement))


def _page_compte(
    request: RequeteConnectee,
    formulaire: FormulaireCompteCaf | None = None,
    formulaire_refus: FormulaireRefusCompte | None = None,
    statut: int = 200,
) -> HttpResponse:
    utilisateur = request.user
    agent = agent_de(utilisateur)
    assert agent is not None
    caf = Caf.objects.select_related("compte_modifie_par").get(pk=agent.caf_id)
    peut_modifier = compte_caf.peut_proposer(utilisateur, caf)
    en_attente = compte_caf.changement_en_attente(caf)
    if peut_modifier and formulaire is None:
        # Le formulaire montre le compte proposé s'il y en a un (on le corrige), sinon
        # celui en vigueur.
        depart = compte_caf.Compte.propose(en_attente) if en_attente else compte_caf.Compte.de(caf)
        formulaire = FormulaireCompteCaf(
            initial={
                "titulaire_compte": depart.titulaire,
                "iban": depart.iban,
                "bic": depart.bic,
            }
        )
    contexte = {
        "titre": "Compte bancaire de la Caf",
        "caf": caf,
        "formulaire": formulaire if peut_modifier else None,
        "peut_modifier": peut_modifier,
        "en_attente": en_attente,
        "ancien_en_attente": compte_caf.Compte.ancien(en_attente) if en_attente else None,
        "propose_en_attente": compte_caf.Compte.propose(en_attente) if en_attente else None,
        "peut_examiner": en_attente is not None
        and compte_caf.peut_examiner(utilisateur, en_attente),
        "formulaire_refus": formulaire_refus or FormulaireRefusCompte(),
        "historique": EvenementCompteCaf.objects.filter(caf_id=caf.pk)
        .select_related("auteur")
        .order_by("-created_at", "-id")[:50],
    }
    return render(request, "versements/compte_bancaire.html", contexte, status=statut)


@lecture_seule_refusee()
@agent_requis
@require_http_methods(["GET", "HEAD", "POST"])
def caf_compte_bancaire(request: RequeteConnectee) -> HttpResponse:
    """Tous les agents de la Caf lisent le compte et son historique ; un valideur propose
    un nouveau compte, qu'un autre valideur ou un comptable approuve."""
    if request.method != "POST":
        return _page_compte(request)
    utilisateur = request.user
    agent = agent_de(utilisateur)
    assert agent is not None
    caf = Caf.objects.get(pk=agent.caf_id)
    if not compte_caf.peut_proposer(utilisateur, caf):
        raise PermissionDenied(compte_caf.REFUS_PROPOSITION)
    formulaire = FormulaireCompteCaf(request.POST)
    if formulaire.is_valid():
        donnees = formulaire.cleaned_data
        try:
            changement = compte_caf.proposer_compte_caf(
                caf, utilisateur, donnees["titulaire_compte"], donnees["iban"], donnees["bic"]
            )
        except ValidationError as erreur:
            for champ, liste in erreur.message_dict.items():
                formulaire.add_error(champ if champ in formulaire.fields else None, liste)
        else:
            if changement is None:
                messages.info(request, "Le compte bancaire n'a pas changé : rien à approuver.")
            else:
                messages.success(
                    request,
                    f"Nouveau compte proposé par {utilisateur} : il ne sert qu'une fois approuvé "
                    "par un autre valideur ou un comptable de la Caf. D'ici là, les lots partent "
                    "du compte en vigueur.",
                )
            return redirect("caf_compte_bancaire")
    messages.error(request, "Le compte bancaire n'a pas été proposé : voyez le formulaire.")
    return _page_compte(request, formulaire=formulaire, statut=400)


def _changement_de_ma_caf(request: RequeteConnectee, pk: int) -> ChangementCompteCaf:
    agent = agent_de(request.user)
    assert agent is not None
    return get_object_or_404(
        ChangementCompteCaf.objects.select_related("propose_par", "caf"),
        pk=pk,
        caf_id=agent.caf_id,
    )


@lecture_seule_refusee()
@agent_requis
@require_POST
def caf_compte_approuver(request: RequeteConnectee, pk: int) -> HttpResponse:
    changement = _changement_de_ma_caf(request, pk)
    try:
        compte_caf.approuver_compte_caf(changement, request.user)
    except paiements.ActionImpossible as refus:
        messages.error(request, f"Le compte n'a pas été approuvé : {refus}")
    else:
        messages.success(
            request,
            f"Compte approuvé par {request.user} (proposé par {changement.propose_par}) : les "
            "prochains lots partiront de ce compte.",
        )
    return redirect("caf_compte_bancaire")


@lecture_seule_refusee()
@agent_requis
@require_POST
def caf_compte_refuser(request: RequeteConnectee, pk: int) -> HttpResponse:
    changement = _changement_de_ma_caf(request, pk)
    formulaire = FormulaireRefusCompte(request.POST)
    if not compte_caf.peut_examiner(request.user, changement):
        if changement.propose_par_id == request.user.pk:
            messages.error(request, f"Le compte n'a pas été refusé : {compte_caf.REFUS_SEPARATION}")
            return redirect("caf_compte_bancaire")
        raise PermissionDenied(compte_caf.REFUS_EXAMEN)
    if formulaire.is_valid():
        try:
            compte_caf.refuser_compte_caf(
                changement, request.user, formulaire.cleaned_data["motif"]
            )
        except paiements.ActionImpossible as refus:
            messages.error(request, f"Le compte n'a pas été refusé : {refus}")
            return redirect("caf_compte_bancaire")
        except ValidationError as erreur:
            formulaire.add_error("motif", erreur.message_dict.get("motif", erreur.messages))
        else:
            messages.success(request, "Compte refusé : le compte en vigueur reste celui des lots.")
            return redirect("caf_compte_bancaire")
    messages.error(request, "Le compte n'a pas été refusé : indiquez le motif.")
    return _page_compte(request, formulaire_refus=formulaire, statut=400)
