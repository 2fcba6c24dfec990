"""La saisie d'un dossier par la structure : liste, création, étapes, estimation."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.core.chiffres_en_cache import PaginateurCompteEnCache
from clas.core.exceptions import VersionPerimee
from clas.core.forms import resume_des_erreurs
from clas.core.permissions import (
    LECTURE_SEULE_STRUCTURE,
    RequeteConnectee,
    connexion_requise,
    lecture_seule_refusee,
)
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.forms import (
    FormsetCollectifs,
    FormulaireAttestation,
    FormulaireBudget,
    FormulaireCollectif,
    FormulaireDocuments,
    FormulaireProjet,
    ReglesCollectif,
)
from clas.dossiers.models import Collectif, Dossier, EtatDossier, Evenement, LigneBudget
from clas.dossiers.permissions import capacites, etape_modifiable, role_dans_structure
from clas.dossiers.saisie import (
    CODES_ETAPES,
    ETAPES,
    PREFIXE_COLLECTIFS,
    TITRES_ETAPES,
    ajouter_collectif,
    collectifs_du_dossier,
    donnees_brutes,
    enregistrer_budget,
    enregistrer_collectifs,
    enregistrer_documents,
    enregistrer_projet,
    etape_voisine,
    garder_saisie_invalide,
    lignes_du_dossier,
    panneau_du_dossier,
    retirer_collectif,
    signer_attestation,
    vers_querydict,
)
from clas.dossiers.verification import pieces_obligatoires
from clas.referentiel.models import ParametresBareme
from clas.structures.models import MembreStructure, RoleMembre

DOSSIERS_PAR_PAGE = 50


def url_du_dossier(dossier: Dossier) -> str:
    """La page du dossier (suivi) si elle existe, sinon sa première étape."""
    try:
        return reverse("dossier_detail", args=[dossier.pk])
    except NoReverseMatch:
        return reverse("dossier_etape", args=[dossier.pk, CODES_ETAPES[0]])


# --- Liste et création -------------------------------------------------------------------


@connexion_requise
def dossiers_liste(request: RequeteConnectee) -> HttpResponse:
    """Les dossiers que la personne voit (pour un membre : ceux de toutes ses structures),
    et un bouton de création par campagne ouverte où une de ses structures n'a pas de dossier.
    Un nombre constant de requêtes, quel que soit le nombre de dossiers."""
    utilisateur = request.user
    dossiers = (
        Dossier.objects.visibles_par(utilisateur)
        .select_related("structure", "campagne__caf")
        .order_by("-updated_at", "-id")
    )
    # Le total (tous les dossiers d'une Caf, du pays) compté une fois par version des données.
    page = PaginateurCompteEnCache(dossiers, DOSSIERS_PAR_PAGE).get_page(request.GET.get("page"))

    adhesions = list(
        MembreStructure.objects.filter(utilisateur=utilisateur)
        .select_related("structure")
        .order_by("structure__nom")
    )
    a_creer: list[tuple[Campagne, Any]] = []
    if adhesions:
        structures = [a.structure for a in adhesions]
        ouvertes = list(
            Campagne.objects.ouvertes()
            .filter(caf_id__in={s.caf_id for s in structures})
            .order_by("cloture")
        )
        existants = set(
            Dossier.objects.filter(structure__in=structures, campagne__in=ouvertes).values_list(
                "structure_id", "campagne_id"
            )
        )
        a_creer = [
            (campagne, structure)
            for campagne in ouvertes
            for structure in structures
            if structure.caf_id == campagne.caf_id and (structure.pk, campagne.pk) not in existants
        ]
    return render(
        request,
        "dossiers/liste.html",
        {
            "titre": "Mes dossiers" if adhesions else "Dossiers",
            "page": page,
            "dossiers": page.object_list,
            "a_creer": a_creer,
            "plusieurs_structures": len(adhesions) > 1,
            "est_membre": bool(adhesions),
        },
    )


@lecture_seule_refusee(refus=LECTURE_SEULE_STRUCTURE)
@require_POST
def dossier_nouveau(request: HttpRequest) -> HttpResponse:
    """Crée le brouillon d'une structure pour une campagne ouverte (un seul par campagne)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("dossiers_liste"))
    adhesion = (
        MembreStructure.objects.filter(
            utilisateur=request.user, structure_id=_id(request.POST.get("structure"))
        )
        .select_related("structure")
        .first()
    )
    if adhesion is None:
        raise Http404("Structure introuvable.")
    structure = adhesion.structure
    campagne = get_object_or_404(
        Campagne, pk=_id(request.POST.get("campagne")), caf_id=structure.caf_id
    )
    existant = Dossier.objects.filter(structure=structure, campagne=campagne).first()
    if existant is not None:
        messages.info(
            request,
            f"{structure.nom} a déjà un dossier pour « {campagne.titre} » : le voici.",
        )
        return redirect(reverse("dossier_etape", args=[existant.pk, CODES_ETAPES[0]]))
    fermeture = campagne.message_fermeture()
    if fermeture:
        messages.error(request, fermeture)
        return redirect("campagnes_liste")
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                structure=structure, campagne=campagne, cree_par=request.user
            )
            Evenement.noter(
                dossier,
                TypeEvenement.CREATION,
                "Dossier créé (brouillon).",
                auteur=request.user,
                apres=EtatDossier.BROUILLON,
            )
    except IntegrityError:
        # Un autre membre l'a créé au même instant.
        existant = Dossier.objects.get(structure=structure, campagne=campagne)
        return redirect(reverse("dossier_etape", args=[existant.pk, CODES_ETAPES[0]]))
    messages.success(
        request,
        f"Dossier créé pour « {campagne.titre} ». Il est enregistré à chaque étape : "
        "vous pouvez le reprendre à tout moment.",
    )
    return redirect(reverse("dossier_etape", args=[dossier.pk, CODES_ETAPES[0]]))


def _id(valeur: Any) -> int:
    try:
        return int(valeur)
    except (TypeError, ValueError):
        raise Http404("Identifiant invalide.") from None


# --- Les étapes --------------------------------------------------------------------------


def _dossier_du_membre(request: RequeteConnectee, pk: int) -> tuple[Dossier, str]:
    """Le dossier, s'il est visible ET que la personne est membre de sa structure ; sinon 404."""
    dossier = get_object_or_404(
        Dossier.objects.visibles_par(request.user).select_related("campagne__caf", "structure"),
        pk=pk,
    )
    role = role_dans_structure(dossier, request.user)
    if role is None:
        raise Http404("Dossier introuvable.")
    return dossier, role


@dataclass
class Contexte:
    dossier: Dossier
    utilisateur: Utilisateur
    role: str
    extra_collectifs: int = 0
    notes: list[str] = field(default_factory=list)

    @cached_property
    def collectifs(self) -> list[Collectif]:
        return collectifs_du_dossier(self.dossier)

    @cached_property
    def lignes(self) -> list[LigneBudget]:
        return lignes_du_dossier(self.dossier)

    @cached_property
    def regles_collectif(self) -> ReglesCollectif:
        """Les effectifs du barème de l'année de la campagne (une requête)."""
        return ReglesCollectif.depuis(
            ParametresBareme.objects.filter(
                annee_scolaire=self.dossier.campagne.annee_scolaire
            ).first()
        )


class GestionEtape(Protocol):
    """Ce que chaque étape de la saisie offre à la vue : son formulaire et son enregistrement."""

    def formulaire(self, ctx: Contexte, data: Any = None, files: Any = None) -> Any: ...

    def enregistrer(self, ctx: Contexte, formulaire: Any, version: int) -> None: ...


class EtapeProjet:
    def formulaire(self, ctx: Contexte, data: Any = None, files: Any = None) -> Any:
        return FormulaireProjet(data, instance=ctx.dossier if data is None else None)

    def enregistrer(self, ctx: Contexte, formulaire: Any, version: int) -> None:
        donnees = {nom: formulaire.cleaned_data[nom] for nom in FormulaireProjet.Meta.fields}
        donnees["titre"] = donnees["titre"].strip()
        enregistrer_projet(ctx.dossier, version, donnees, ctx.utilisateur)


class EtapeCollectifs:
    def formulaire(self, ctx: Contexte, data: Any = None, files: Any = None) -> Any:
        regles = {"regles": ctx.regles_collectif}
        if data is not None:
            return FormsetCollectifs(data, prefix=PREFIXE_COLLECTIFS, form_kwargs=regles)
        formset = FormsetCollectifs(
            initial=[FormulaireCollectif.initial_depuis(c) for c in ctx.collectifs],
            prefix=PREFIXE_COLLECTIFS,
            form_kwargs=regles,
        )
        formset.extra = ctx.extra_collectifs
        return formset

    def enregistrer(self, ctx: Contexte, formulaire: Any, version: int) -> None:
        remplis = [f for f in formulaire.forms if f.cleaned_data]
        enregistrer_collectifs(ctx.dossier, version, remplis, ctx.utilisateur)


class EtapeBudget:
    def formulaire(self, ctx: Contexte, data: Any = None, files: Any = None) -> Any:
        if data is not None:
            return FormulaireBudget(data)
        return FormulaireBudget(initial=FormulaireBudget.initial_depuis(ctx.dossier, ctx.lignes))

    def enregistrer(self, ctx: Contexte, formulaire: Any, version: int) -> None:
        enregistrer_budget(
            ctx.dossier,
            version,
            formulaire.lignes(ctx.dossier),
            formulaire.cleaned_data["ps_demandee"],
            ctx.utilisateur,
        )


class EtapeDocuments:
    def formulaire(self, ctx: Contexte, data: Any = None, files: Any = None) -> Any:
        structure = ctx.dossier.structure
        if data is not None:
            return FormulaireDocuments(data, files, structure=structure)
        jointes = list(ctx.dossier.pieces.values_list("piece_id", flat=True))
        return FormulaireDocuments(initial={"pieces": jointes}, structure=structure)

    def enregistrer(self, ctx: Contexte, formulaire: Any, version: int) -> None:
        d = formulaire.cleaned_data
        nouvelle = None
        if d.get("nouveau_fichier"):
            nouvelle = {
                "verifie": formulaire.verifie,
                "fichier": d["nouveau_fichier"],
                "type_piece": d["nouveau_type"],
                "date_validite": d.get("nouveau_date_validite"),
            }
        piece = enregistrer_documents(
            ctx.dossier, version, list(d["pieces"]), nouvelle, ctx.utilisateur
        )
        if piece is not None:
            ctx.notes.append(
                f"« {piece.nom_fichier} » est rangé dans le coffre-fort de la structure et "
                "joint au dossier."
            )


class EtapeAttestation:
    def formulaire(self, ctx: Contexte, data: Any = None, files: Any = None) -> Any:
        return FormulaireAttestation(data)

    def enregistrer(self, ctx: Contexte, formulaire: Any, version: int) -> None:
        signer_attestation(ctx.dossier, version, ctx.utilisateur)


ETAPES_SAISIE: dict[str, GestionEtape] = {
    "projet": EtapeProjet(),
    "collectifs": EtapeCollectifs(),
    "budget": EtapeBudget(),
    "documents": EtapeDocuments(),
    "attestation": EtapeAttestation(),
}


def _peut_modifier(dossier: Dossier, utilisateur: Utilisateur, etape: str) -> bool:
    droits = capacites(dossier, utilisateur)
    cle = "signer_attestation" if etape == "attestation" else "modifier"
    return droits[cle] and etape_modifiable(dossier, etape)


def _lecture_seule(formulaire: Any) -> None:
    formulaires = getattr(formulaire, "forms", [formulaire])
    for f in formulaires:
        for champ in f.fields.values():
            champ.disabled = True


@lecture_seule_refusee(refus=LECTURE_SEULE_STRUCTURE)
@connexion_requise
def dossier_etape(request: RequeteConnectee, pk: int, etape: str) -> HttpResponse:
    if etape not in ETAPES_SAISIE:
        raise Http404("Étape inconnue.")
    dossier, role = _dossier_du_membre(request, pk)
    ctx = Contexte(dossier, request.user, role)
    modifiable = _peut_modifier(dossier, request.user, etape)
    if request.method == "POST":
        if not modifiable:
            if etape == "attestation" and capacites(dossier, request.user)["modifier"]:
                raise PermissionDenied(
                    "Seul un administrateur ou un signataire de la structure peut signer "
                    "l'attestation sur l'honneur."
                )
            raise PermissionDenied(
                "Cette étape n'est pas modifiable : le dossier est "
                f"« {dossier.get_etat_display().lower()} »."
            )
        return _poster(request, ctx, etape)
    if request.method != "GET":
        return HttpResponse(status=405)
    gestion = ETAPES_SAISIE[etape]
    brut = (dossier.saisies_en_cours or {}).get(etape)
    restauree = False
    if brut is not None and modifiable:
        formulaire = gestion.formulaire(ctx, vers_querydict(brut))
        formulaire.is_valid()
        restauree = True
    else:
        formulaire = gestion.formulaire(ctx)
    return _rendre(request, ctx, etape, formulaire, modifiable, restauree=restauree)


def _poster(request: RequeteConnectee, ctx: Contexte, etape: str) -> HttpResponse:
    dossier = ctx.dossier
    gestion = ETAPES_SAISIE[etape]
    action = request.POST.get("action", "enregistrer")
    brut = donnees_brutes(request.POST)
    ajout = retrait = False
    if etape == "collectifs":
        if action == "ajouter_collectif":
            brut = ajouter_collectif(brut)
            ajout = True
        elif action.startswith("retirer_collectif-") and action[18:].isdigit():
            brut = retirer_collectif(brut, int(action[18:]))
            retrait = True
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    formulaire = gestion.formulaire(ctx, vers_querydict(brut), request.FILES)
    try:
        if formulaire.is_valid():
            gestion.enregistrer(ctx, formulaire, version)
        else:
            if etape != "attestation":
                garder_saisie_invalide(dossier, version, etape, brut, request.user)
            if action == "precedent" and etape_voisine(etape, -1):
                messages.warning(
                    request,
                    f"L'étape « {TITRES_ETAPES[etape]} » contient des erreurs : vos saisies "
                    "sont conservées, corrigez-les quand vous y reviendrez.",
                )
                return redirect("dossier_etape", dossier.pk, etape_voisine(etape, -1))
            # La saisie gardée a fait passer le dossier à la version suivante : la page
            # rendue porte celle-ci, sinon la correction serait refusée comme périmée.
            return _rendre(request, ctx, etape, formulaire, True, statut=400)
    except VersionPerimee as conflit:
        return _rendre(
            request,
            ctx,
            etape,
            formulaire,
            True,
            statut=409,
            version=version,
            conflit=conflit.message,
        )

    for note in ctx.notes:
        messages.success(request, note)
    if ajout or retrait:
        # Réafficher depuis la base : les nouveaux collectifs ont maintenant leur identifiant.
        ctx.__dict__.pop("collectifs", None)
        ctx.extra_collectifs = 1 if ajout else 0
        formulaire = gestion.formulaire(ctx)
        return _rendre(request, ctx, etape, formulaire, True)
    if action == "precedent" and etape_voisine(etape, -1):
        return redirect("dossier_etape", dossier.pk, etape_voisine(etape, -1))
    if action.startswith("ouvrir_collectif-") and action[17:].isdigit():
        # Enregistré, puis le collectif demandé s'ouvre (un à la fois quand ils sont nombreux).
        rang = int(action[17:])
        url = reverse("dossier_etape", args=[dossier.pk, etape])
        return redirect(f"{url}?ouvrir={rang}#collectif-{rang}")
    if action == "suivant":
        suivante = etape_voisine(etape, 1)
        if suivante:
            return redirect("dossier_etape", dossier.pk, suivante)
        return redirect(url_du_dossier(dossier))
    messages.success(
        request,
        "Attestation signée." if etape == "attestation" else "Étape enregistrée.",
    )
    return redirect("dossier_etape", dossier.pk, etape)


def _rendre(
    request: RequeteConnectee,
    ctx: Contexte,
    etape: str,
    formulaire: Any,
    modifiable: bool,
    *,
    statut: int = 200,
    version: int | None = None,
    conflit: str = "",
    restauree: bool = False,
) -> HttpResponse:
    dossier = ctx.dossier
    if not modifiable:
        _lecture_seule(formulaire)
    rang = CODES_ETAPES.index(etape)
    saisies = dossier.saisies_en_cours or {}
    etapes = [
        {
            "code": e.code,
            "titre": e.titre,
            "numero": i + 1,
            "url": reverse("dossier_etape", args=[dossier.pk, e.code]),
            "courante": e.code == etape,
            "a_corriger": e.code in saisies,
        }
        for i, e in enumerate(ETAPES)
    ]
    droits = capacites(dossier, request.user)
    contexte: dict[str, Any] = {
        "titre": f"{TITRES_ETAPES[etape]} — {dossier.titre or 'Dossier'}",
        "dossier": dossier,
        "etape": etape,
        "etapes": etapes,
        "rang": rang + 1,
        "nb_etapes": len(ETAPES),
        "etape_titre": TITRES_ETAPES[etape],
        "etape_suivante": ETAPES[rang + 1].titre if rang + 1 < len(ETAPES) else "",
        "precedente": etape_voisine(etape, -1),
        "suivante": etape_voisine(etape, 1),
        "formulaire": formulaire,
        "a_des_erreurs": _a_des_erreurs(formulaire),
        "erreurs": resume_des_erreurs(
            formulaire,
            ancre_generale="erreurs-collectifs" if etape == "collectifs" else "formulaire-etape",
            titre_sous_formulaire="Collectif {n}",
            ancre_sous_formulaire="collectif-{i}",
        ),
        "modifiable": modifiable,
        "droits": droits,
        "version": dossier.version if version is None else version,
        "conflit": conflit,
        "restauree": restauree,
        "panneau": panneau_du_dossier(dossier, ctx.collectifs, ctx.lignes),
        "url_dossier": url_du_dossier(dossier),
    }
    if etape == "attestation":
        contexte["signataires"] = [
            m.utilisateur
            for m in MembreStructure.objects.filter(
                structure_id=dossier.structure_id,
                role__in=[RoleMembre.ADMINISTRATEUR, RoleMembre.SIGNATAIRE],
            ).select_related("utilisateur")
        ]
        if dossier.attestation_par_id:
            contexte["attestation_par"] = Utilisateur.objects.filter(
                pk=dossier.attestation_par_id
            ).first()
    if etape == "collectifs":
        contexte["max_collectifs"] = FormsetCollectifs.max_num
        nombre = len(formulaire.forms)
        ouvert = request.GET.get("ouvrir", "")
        for sous_formulaire in formulaire.forms:
            sous_formulaire.est_replie = sous_formulaire.replie(
                nombre, int(ouvert) if ouvert.isdigit() else None
            )
        contexte["nombre_replies"] = sum(f.est_replie for f in formulaire.forms)
    if etape == "documents":
        contexte["exigees"] = pieces_obligatoires(dossier)
    return render(request, "dossiers/saisie/etape.html", contexte, status=statut)


def _a_des_erreurs(formulaire: Any) -> bool:
    if not formulaire.is_bound:
        return False
    if hasattr(formulaire, "total_error_count"):
        return bool(formulaire.total_error_count() > 0)
    return bool(formulaire.errors)


@require_GET
@connexion_requise
def dossier_estimation(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Le panneau du barème : un fragment pour htmx, une page complète sinon."""
    dossier, _role = _dossier_du_membre(request, pk)
    panneau = panneau_du_dossier(
        dossier, collectifs_du_dossier(dossier), lignes_du_dossier(dossier)
    )
    contexte = {"dossier": dossier, "panneau": panneau, "titre": "Estimation du barème"}
    if getattr(request, "htmx", False):
        return render(request, "dossiers/_panneau_bareme.html", contexte)
    return render(request, "dossiers/saisie/estimation.html", contexte)
