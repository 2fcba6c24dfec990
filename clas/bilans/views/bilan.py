"""Les vues du bilan de fin d'année.

- `/dossiers/<id>/bilan/` : la structure le saisit (tout membre enregistre le brouillon ;
  un signataire ou un administrateur dépose) ; les autres : 404 (le national, qui n'y
  agit pas, 403 en POST).
- `/instruction/dossiers/<id>/bilan/` : la Caf l'examine (tout agent de la Caf du dossier
  et l'administration nationale le voient ; un instructeur ou un valideur l'accepte ou
  demande des corrections, jamais le national : 403) ; les autres : 404.
- `/dossiers/<id>/bilan/pieces/<n>/` : une pièce jointe, pour les membres de la structure,
  les agents de la Caf du dossier et le national ; 404 pour les autres.
- `/instruction/bilans/` : la liste des bilans de la Caf (50 par page, requêtes constantes).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clas.bareme import formater_euros
from clas.bilans import actions, permissions, recalcul
from clas.bilans.forms import SaisieBilan
from clas.bilans.models import Bilan, BilanCollectif, EtatBilan, LigneBilan, PieceBilan
from clas.bilans.retards import condition_bilan_en_retard
from clas.campagnes.models import Campagne
from clas.conventions.models import Convention
from clas.core.permissions import (
    LECTURE_SEULE_STRUCTURE,
    RequeteConnectee,
    agent_ou_national_requis,
    connexion_requise,
    lecture_seule_refusee,
)
from clas.dossiers.models import Collectif, Dossier, Intervenant, LigneBudget
from clas.dossiers.permissions import role_dans_structure
from clas.dossiers.saisie import donnees_brutes, vers_querydict
from clas.instruction.permissions import dossiers_de_la_caf, dossiers_lisibles
from clas.referentiel.choix_caf import choix_caf

BILANS_PAR_PAGE = 50


# --- Chargement (nombre constant de requêtes) --------------------------------------------


@dataclass
class Chargement:
    dossier: Dossier
    convention: Convention
    bilan: Bilan | None
    decides: list[recalcul.CollectifDecide]
    reels: list[BilanCollectif]
    lignes: list[LigneBilan]
    lignes_budget: list[LigneBudget]
    pieces: list[PieceBilan]

    @property
    def annee(self) -> str:
        return self.dossier.campagne.annee_scolaire


def _charger(dossier: Dossier) -> Chargement:
    convention = Convention.objects.select_related("decision").filter(dossier_id=dossier.pk).first()
    if convention is None:
        raise Http404("Ce dossier n'a pas de convention.")
    convention.dossier = dossier
    bilan = (
        Bilan.objects.select_related("depose_par", "examine_par")
        .filter(convention=convention)
        .first()
    )
    collectifs = list(
        Collectif.objects.filter(dossier_id=dossier.pk)
        .prefetch_related(Prefetch("intervenants", queryset=Intervenant.objects.order_by("id")))
        .order_by("ordre", "id")
    )
    decides = recalcul.collectifs_decides(
        convention, collectifs, recalcul.entree_decidee(convention)
    )
    if bilan is not None:
        bilan.convention = convention
        reels = list(BilanCollectif.objects.filter(bilan=bilan))
        lignes = list(LigneBilan.objects.filter(bilan=bilan))
        pieces = list(PieceBilan.objects.filter(bilan=bilan).select_related("ajoutee_par"))
    else:
        reels, lignes, pieces = [], [], []
    return Chargement(
        dossier=dossier,
        convention=convention,
        bilan=bilan,
        decides=decides,
        reels=reels,
        lignes=lignes,
        lignes_budget=list(LigneBudget.objects.filter(dossier_id=dossier.pk)),
        pieces=pieces,
    )


def _saisie(c: Chargement, data: Any = None, files: Any = None) -> SaisieBilan:
    return SaisieBilan.construire(
        c.decides, c.annee, c.bilan, c.reels, c.lignes, c.lignes_budget, data, files
    )


# --- Côte à côte : prévu et réel ---------------------------------------------------------


@dataclass
class Ligne:
    libelle: str
    prevu: Any
    reel: Any
    montant: bool = False

    @property
    def different(self) -> bool:
        """Le réel diffère du prévu. Un montant absent compte pour zéro ; une valeur sans
        prévu (les séances) ou pas encore saisie (« — ») n'est pas un écart."""
        if self.montant:
            return bool((self.prevu or 0) != (self.reel or 0))
        if "—" in (self.prevu, self.reel):
            return False
        return bool(self.prevu != self.reel)

    @property
    def variation(self) -> str:
        """L'écart dit en texte (« +2 », « −1 250,00 € ») : pas seulement une couleur."""
        if not self.different:
            return ""
        if self.montant:
            ecart = Decimal(self.reel or 0) - Decimal(self.prevu or 0)
            return ("+" if ecart > 0 else "−") + formater_euros(abs(ecart))
        if isinstance(self.prevu, int) and isinstance(self.reel, int):
            ecart_entier = self.reel - self.prevu
            return ("+" if ecart_entier > 0 else "−") + str(abs(ecart_entier))
        return f"{self.prevu} → {self.reel}"


def _oui_non(valeur: bool) -> str:
    return "Oui" if valeur else "Non"


def _non_retenu(collectif: dict[str, Any] | None) -> bool:
    motifs = (collectif or {}).get("motifs_ineligibilite", [])
    return any(motif.get("code") == "non_retenu" for motif in motifs)


def comparaison_collectifs(c: Chargement) -> list[dict[str, Any]]:
    """Par collectif décidé : les chiffres retenus par la décision et ceux du bilan."""
    par_collectif = {r.collectif_id: r for r in c.reels}
    blocs = []
    for decide in c.decides:
        prevu = decide.decide
        reel = par_collectif.get(decide.collectif.pk)
        if not decide.retenu:
            blocs.append({"nom": prevu.nom, "retenu": False, "lignes": [], "reel": None})
            continue
        lignes = [
            Ligne("A fonctionné", "Oui", _oui_non(reel.a_fonctionne) if reel else "—"),
            Ligne("Enfants", prevu.nb_enfants, reel.nb_enfants if reel else "—"),
            Ligne(
                "Première semaine",
                decide.collectif.premiere_semaine.strftime("%d/%m/%Y")
                if decide.collectif.premiere_semaine
                else "—",
                reel.premiere_semaine.strftime("%d/%m/%Y")
                if reel and reel.premiere_semaine
                else "—",
            ),
            Ligne(
                "Semaines de fonctionnement",
                prevu.semaines_de_fonctionnement,
                reel.semaines_de_fonctionnement if reel else "—",
            ),
            Ligne("Séances tenues", "—", reel.nb_seances if reel else "—"),
            Ligne("Intervenants", prevu.nb_intervenants, reel.nb_intervenants if reel else "—"),
            Ligne(
                "Projets culturels",
                _oui_non(prevu.bonus_projets_culturels),
                _oui_non(reel.bonus_projets_culturels) if reel else "—",
            ),
            Ligne(
                "Accompagnement des parents",
                _oui_non(prevu.bonus_accompagnement_parents),
                _oui_non(reel.bonus_accompagnement_parents) if reel else "—",
            ),
        ]
        blocs.append(
            {
                "nom": prevu.nom,
                "retenu": True,
                "lignes": lignes,
                "reel": reel,
                "nb_ecarts": sum(1 for ligne in lignes if ligne.different),
            }
        )
    return blocs


def comparaison_comptes(c: Chargement) -> dict[str, list[Ligne]]:
    """Charges et produits : budget prévisionnel et compte de résultat, compte par compte."""
    cles: dict[tuple[str, str, str], Ligne] = {}
    for source, attribut in ((c.lignes_budget, "prevu"), (c.lignes, "reel")):
        for ligne in source:
            cle = (ligne.nature, ligne.compte, ligne.financeur)
            if cle not in cles:
                libelle = ligne.get_compte_display()
                if ligne.financeur:
                    libelle += f" — {ligne.get_financeur_display()}"
                cles[cle] = Ligne(libelle, None, None, montant=True)
            actuel = getattr(cles[cle], attribut) or 0
            setattr(cles[cle], attribut, actuel + ligne.montant)
    charges = [cles[k] for k in sorted(cles) if k[0] == "charge"]
    produits = [cles[k] for k in sorted(cles) if k[0] == "produit"]
    total_charges = Ligne(
        "Total des charges",
        sum((li.prevu or 0 for li in charges), 0),
        sum((li.reel or 0 for li in charges), 0),
        montant=True,
    )
    total_produits = Ligne(
        "Total des produits (hors prestation Clas)",
        sum((li.prevu or 0 for li in produits), 0),
        sum((li.reel or 0 for li in produits), 0),
        montant=True,
    )
    return {
        "charges": charges,
        "produits": produits,
        "total_charges": total_charges,
        "total_produits": total_produits,
        "total_charges_prevu": total_charges.prevu,
        "total_charges_reel": total_charges.reel,
        "total_produits_prevu": total_produits.prevu,
        "total_produits_reel": total_produits.reel,
        "nb_ecarts": sum(1 for li in [*charges, *produits] if li.different),
    }


def deux_calculs(c: Chargement) -> dict[str, Any] | None:
    """Le calcul de la décision et celui des réels (figé à l'acceptation, sinon un aperçu
    non enregistré sur le bilan enregistré)."""
    if c.bilan is None or not c.reels:
        return None
    decide = recalcul.resultat_decide(c.convention)
    if c.bilan.etat == EtatBilan.ACCEPTE and c.bilan.resultat_reel:
        reel: dict[str, Any] | None = c.bilan.resultat_reel
        apercu = False
    else:
        calcul = actions.apercu(c.convention, c.bilan)
        reel = calcul[1] if calcul else None
        apercu = True
    if reel is None:
        return None
    montant_reel = Decimal(str(reel["montant_total"]))
    definitif = (
        c.bilan.montant_definitif
        if not apercu and c.bilan.montant_definitif is not None
        else min(montant_reel, c.convention.montant_maximal)
    )
    noms = [col["nom"] for col in decide.get("collectifs", [])]
    montants_reels = dict(enumerate(reel.get("collectifs", [])))
    par_collectif = [
        {
            "nom": nom,
            "decide": col,
            "reel": montants_reels.get(i),
            # Retenu par la décision, « non retenu » sur les réels : il n'a pas fonctionné
            # (le barème dirait « la Caf ne l'a pas retenu », ce qui est faux ici).
            "arrete": _non_retenu(montants_reels.get(i)) and not _non_retenu(col),
        }
        for i, (nom, col) in enumerate(zip(noms, decide.get("collectifs", []), strict=False))
    ]
    return {
        "decide": decide,
        "reel": reel,
        "apercu": apercu,
        "montant_maximal": c.convention.montant_maximal,
        "montant_reel": montant_reel,
        "definitif": definitif,
        "par_collectif": par_collectif,
    }


# --- La saisie par la structure ----------------------------------------------------------


def _dossier_du_membre(request: RequeteConnectee, pk: int) -> Dossier:
    """Le dossier, si la personne est membre de sa structure ; sinon 404."""
    dossier = get_object_or_404(
        Dossier.objects.echanges_par(request.user).select_related("campagne__caf", "structure"),
        pk=pk,
    )
    if role_dans_structure(dossier, request.user) is None:
        raise Http404("Dossier introuvable.")
    return dossier


@lecture_seule_refusee(refus=LECTURE_SEULE_STRUCTURE)
@connexion_requise
@require_http_methods(["GET", "HEAD", "POST"])
def bilan_saisie(request: RequeteConnectee, pk: int) -> HttpResponse:
    utilisateur = request.user
    dossier = _dossier_du_membre(request, pk)
    c = _charger(dossier)
    droits = permissions.capacites_bilan(dossier, c.convention, c.bilan, utilisateur)
    if request.method == "POST":
        return _poster(request, c, droits)
    restauree = False
    if c.bilan is not None and c.bilan.saisies_en_cours and droits["saisir"]:
        saisie = _saisie(c, vers_querydict(c.bilan.saisies_en_cours))
        saisie.is_valid()
        restauree = True
    else:
        saisie = _saisie(c)
    return _rendre_saisie(request, c, droits, saisie, restauree=restauree)


def _poster(request: RequeteConnectee, c: Chargement, droits: dict[str, bool]) -> HttpResponse:
    utilisateur = request.user
    action = request.POST.get("action", "enregistrer")
    if not droits["saisir"]:
        raise PermissionDenied(actions._pourquoi_ferme(c.convention, c.bilan))
    if action == "deposer" and not droits["deposer"]:
        raise PermissionDenied(
            "Seul un signataire ou un administrateur de la structure dépose le bilan : "
            "enregistrez-le, puis demandez-lui de le déposer."
        )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    retirees = []
    if action.startswith("retirer_piece-") and action[14:].isdigit():
        retirees = [int(action[14:])]
    brut = donnees_brutes(request.POST)
    saisie = _saisie(c, vers_querydict(brut), request.FILES)
    valide = saisie.is_valid()
    piece = saisie.piece()
    try:
        actions.enregistrer(
            c.convention,
            version,
            utilisateur,
            saisie.donnees() if valide else None,
            None if valide else brut,
            piece,
            retirees,
        )
    except actions.VersionPerimee as conflit:
        return _rendre_saisie(
            request, c, droits, saisie, statut=409, version=version, conflit=str(conflit)
        )
    except actions.ActionImpossible as erreur:
        messages.error(request, str(erreur))
        return redirect("bilan_saisie", c.dossier.pk)
    if piece is not None:
        messages.success(request, f"Pièce « {piece[1]} » jointe au bilan.")
    if not valide:
        erreurs = saisie.erreurs()
        if action == "deposer":
            erreurs += actions.manques(saisie.donnees())
        recharge = _charger(c.dossier)
        return _rendre_saisie(
            request,
            recharge,
            droits,
            saisie,
            statut=400,
            erreurs=erreurs,
            depot_tente=action == "deposer",
        )
    if action == "deposer":
        try:
            actions.deposer(c.convention, utilisateur)
        except actions.BilanIncomplet as incomplet:
            recharge = _charger(c.dossier)
            return _rendre_saisie(
                request,
                recharge,
                droits,
                _saisie(recharge),
                statut=400,
                erreurs=incomplet.manques,
                depot_tente=True,
            )
        except actions.ActionImpossible as erreur:
            messages.error(request, str(erreur))
            return redirect("bilan_saisie", c.dossier.pk)
        messages.success(
            request,
            "Bilan déposé : la Caf l'examine. Vous serez prévenu par courriel de sa réponse.",
        )
        return redirect(reverse("dossier_detail", args=[c.dossier.pk]) + "#bilan")
    if retirees:
        messages.success(request, "Pièce retirée du bilan.")
    elif piece is None:
        messages.success(request, "Brouillon du bilan enregistré.")
    return redirect("bilan_saisie", c.dossier.pk)


def _rendre_saisie(
    request: RequeteConnectee,
    c: Chargement,
    droits: dict[str, bool],
    saisie: SaisieBilan,
    *,
    statut: int = 200,
    version: int | None = None,
    conflit: str = "",
    erreurs: list[actions.Manque] | None = None,
    depot_tente: bool = False,
    restauree: bool = False,
) -> HttpResponse:
    # Déposé ou accepté : le bilan se lit comme un résumé (prévu, réel, écarts), pas comme
    # des champs grisés.
    resume = c.bilan is not None and bool(c.reels) and not droits["saisir"]
    if not droits["saisir"]:
        saisie.lecture_seule()
    if version is None:
        version = c.bilan.version if c.bilan is not None else 0
    if erreurs is None and saisie.a_des_erreurs:
        erreurs = saisie.erreurs()
    return render(
        request,
        "bilans/saisie.html",
        {
            "titre": f"Bilan de fin d'année — {c.dossier.titre or c.dossier}",
            "dossier": c.dossier,
            "convention": c.convention,
            "bilan": c.bilan,
            "droits": droits,
            "saisie": saisie,
            "pieces": c.pieces,
            "version": version,
            "conflit": conflit,
            "erreurs": erreurs or [],
            "depot_tente": depot_tente,
            "restauree": restauree,
            "commence": bool(c.reels),
            "calculs": deux_calculs(c),
            "comptes": comparaison_comptes(c),
            "resume": resume,
            "collectifs": comparaison_collectifs(c) if resume else [],
        },
        status=statut,
    )


# --- L'examen par la Caf -----------------------------------------------------------------


def _dossier_de_la_caf(request: RequeteConnectee, pk: int) -> Dossier:
    return get_object_or_404(
        dossiers_de_la_caf(request.user).select_related("campagne__caf", "structure"),
        pk=pk,
    )


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def bilan_examen(request: RequeteConnectee, pk: int) -> HttpResponse:
    """L'examen du bilan : les agents de la Caf ; l'administration nationale le lit."""
    dossier = get_object_or_404(
        dossiers_lisibles(request.user).select_related("campagne__caf", "structure"), pk=pk
    )
    return _rendre_examen(request, dossier)


def _rendre_examen(
    request: RequeteConnectee,
    dossier: Dossier,
    *,
    statut: int = 200,
    erreur: str = "",
    message: str = "",
) -> HttpResponse:
    c = _charger(dossier)
    droits = permissions.capacites_bilan(dossier, c.convention, c.bilan, request.user)
    return render(
        request,
        "bilans/examen.html",
        {
            "titre": f"Examen du bilan — {dossier}",
            "dossier": dossier,
            "convention": c.convention,
            "bilan": c.bilan,
            "droits": droits,
            "collectifs": comparaison_collectifs(c),
            "comptes": comparaison_comptes(c),
            "pieces": c.pieces,
            "calculs": deux_calculs(c),
            "erreur": erreur,
            "message": message,
        },
        status=statut,
    )


def _convention_examinee(request: RequeteConnectee, pk: int) -> tuple[Dossier, Convention]:
    dossier = _dossier_de_la_caf(request, pk)
    convention = Convention.objects.filter(dossier=dossier).first()
    if convention is None:
        raise Http404("Ce dossier n'a pas de convention.")
    return dossier, convention


@lecture_seule_refusee()
@connexion_requise
@require_POST
def bilan_accepter(request: RequeteConnectee, pk: int) -> HttpResponse:
    dossier, convention = _convention_examinee(request, pk)
    try:
        acceptation = actions.accepter(convention, request.user)
    except actions.ActionImpossible as erreur:
        messages.error(request, str(erreur))
        return redirect("bilan_examen", dossier.pk)
    bilan = acceptation.bilan
    assert bilan.montant_definitif is not None  # fixé par l'acceptation
    if acceptation.deja_accepte:
        messages.info(
            request,
            f"Le bilan était déjà accepté ({bilan.examine_par}) : rien n'a été recalculé. "
            f"Montant définitif : {formater_euros(bilan.montant_definitif)}.",
        )
    else:
        regularisation = acceptation.regularisation
        suite = ""
        if regularisation is not None and regularisation.solde is not None:
            suite = f" Solde de {formater_euros(regularisation.solde.montant)} à valider."
        elif regularisation is not None and regularisation.indu is not None:
            suite = (
                f" Indu de {formater_euros(regularisation.indu.montant)} notifié à la structure."
            )
        messages.success(
            request,
            f"Bilan accepté. Montant définitif : {formater_euros(bilan.montant_definitif)}."
            + suite,
        )
    return redirect("bilan_examen", dossier.pk)


@lecture_seule_refusee()
@connexion_requise
@require_POST
def bilan_corrections(request: RequeteConnectee, pk: int) -> HttpResponse:
    dossier, convention = _convention_examinee(request, pk)
    message = request.POST.get("message", "")
    try:
        actions.demander_corrections(convention, request.user, message)
    except actions.ActionImpossible as erreur:
        return _rendre_examen(request, dossier, statut=400, erreur=str(erreur), message=message)
    messages.success(request, "Corrections demandées : la structure est prévenue par courriel.")
    return redirect("bilan_examen", dossier.pk)


# --- Les pièces --------------------------------------------------------------------------


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def bilan_piece(request: RequeteConnectee, pk: int, piece_id: int) -> FileResponse:
    dossier = get_object_or_404(Dossier.objects.echanges_par(request.user), pk=pk)
    piece = get_object_or_404(PieceBilan, pk=piece_id, bilan__convention__dossier=dossier)
    try:
        fichier = piece.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Le fichier de cette pièce est introuvable.") from None
    return FileResponse(fichier, as_attachment=True, filename=piece.nom)


# --- La liste de la Caf ------------------------------------------------------------------


@lecture_seule_refusee()
@agent_ou_national_requis
@require_http_methods(["GET", "HEAD"])
def bilans_caf(request: RequeteConnectee) -> HttpResponse:
    """Les bilans déposés, à corriger ou acceptés ; avec `?en_retard=1`, les conventions
    dont le bilan n'est pas déposé à la date limite (il n'y a parfois aucun bilan). Ceux de
    la Caf de l'agent ; pour l'administration nationale, de toutes les Caf ou de celle
    choisie (`?caf=`), en lecture seule. Un nombre constant de requêtes, par pages."""
    choix = choix_caf(request.user, request.GET.get("caf"))
    # Le filtre par campagne : celles de la Caf montrée (le national choisit d'abord sa Caf).
    campagnes = (
        list(Campagne.objects.filter(caf_id=choix.caf_id).order_by("-annee_scolaire"))
        if choix.caf_id is not None
        else []
    )
    campagne = request.GET.get("campagne", "") if campagnes else ""
    etat = request.GET.get("etat", "")
    en_retard = request.GET.get("en_retard", "") == "1"
    if en_retard:
        lignes: Any = (
            choix.filtrer(Convention.objects.all(), "dossier__campagne__caf_id")
            .filter(condition_bilan_en_retard())
            .select_related("dossier__structure", "dossier__campagne__caf", "bilan")
            .order_by("date_limite_bilan", "id")
        )
        if campagne.isdigit():
            lignes = lignes.filter(dossier__campagne_id=int(campagne))
        etat = ""
    else:
        lignes = (
            choix.filtrer(Bilan.objects.all(), "convention__dossier__campagne__caf_id")
            .filter(etat__in=[EtatBilan.DEPOSE, EtatBilan.A_CORRIGER, EtatBilan.ACCEPTE])
            .select_related(
                "convention__dossier__structure",
                "convention__dossier__campagne__caf",
                "depose_par",
            )
            .order_by("etat", "-depose_le", "-id")
        )
        if campagne.isdigit():
            lignes = lignes.filter(convention__dossier__campagne_id=int(campagne))
        if etat in EtatBilan.values:
            lignes = lignes.filter(etat=etat)
    page = Paginator(lignes, BILANS_PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "bilans/liste_caf.html",
        {
            "titre": "Bilans en retard" if en_retard else "Bilans de fin d'année",
            "choix": choix,
            "lecture_seule": choix.lecture_seule,
            "page": page,
            "bilans": [] if en_retard else page.object_list,
            "conventions_en_retard": page.object_list if en_retard else [],
            "en_retard": en_retard,
            "campagnes": campagnes,
            "campagne": campagne,
            "etat": etat,
            "etats": [(e, EtatBilan(e).label) for e in ("depose", "a_corriger", "accepte")],
        },
    )
