"""La page d'un dossier côté Caf et ses actions : prendre le dossier, corriger les chiffres
retenus, annoter, écrire à la structure, demander des compléments.

Chaque vue lit le dossier par `dossiers_de_la_caf(user)` : un agent d'une autre Caf ou un
porteur reçoivent 404 ; l'administration nationale lit la page (`dossiers_lisibles`) et
chaque action lui est refusée (lecture seule) ; ce que l'agent peut faire vient de
`capacites_agent` (403 sinon). Les actions sont dans `actions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clas.bareme import Resultat, calculer, formater_euros
from clas.comptes.models import Utilisateur
from clas.core.permissions import RequeteConnectee, connexion_requise
from clas.core.sections import lu_une_fois, sections_du_dossier
from clas.dossiers.historique import les_plus_recentes, limite_historique, tronquer
from clas.dossiers.models import (
    Collectif,
    DemandeComplements,
    Dossier,
    EtatDossier,
    Evenement,
    Message,
)
from clas.dossiers.verification import LIBELLES_ETAPES
from clas.instruction import actions
from clas.instruction.calcul import (
    CHAMPS_BOOLEENS,
    CHAMPS_MONTANTS,
    Comparaison,
    calculer_instruction,
    comparer,
)
from clas.instruction.decisions import calcul_du_dossier
from clas.instruction.enveloppe import situation_enveloppe
from clas.instruction.forms import (
    FormulaireAnnotation,
    FormulaireComplements,
    FormulaireCorrectionCollectif,
    FormulaireCorrectionDossier,
    FormulaireMessageCaf,
    FormulairePrendre,
)
from clas.instruction.models import (
    Annotation,
    ChampCorrige,
    Correction,
    Decision,
    Proposition,
    StatutProposition,
)
from clas.instruction.permissions import (
    capacites_agent,
    dossiers_de_la_caf,
    dossiers_lisibles,
    en_lecture_seule,
    refuser_en_lecture_seule,
)
from clas.referentiel.models import ParametresBareme

# Au-delà, une pièce « expire bientôt » (même règle que le coffre-fort de la structure).
BIENTOT_JOURS = 30
# Le nombre de collectifs d'un projet courant (1 à 8) : au-delà, le calcul pas à pas a sa page.
COLLECTIFS_EXPLIQUES_SUR_LA_PAGE = 8


@dataclass(frozen=True)
class Entree:
    """Une ligne de l'historique complet, pour les agents."""

    date: Any
    auteur: Utilisateur | None
    quoi: str
    description: str
    public: bool
    categorie: str
    changement: str = ""  # l'état de l'objet avant et après : « Validé → Payé »


@dataclass(frozen=True)
class LigneComparee:
    champ: str
    libelle: str
    declare: str
    retenu: str
    correction: Correction | None


def _dossier(request: RequeteConnectee, pk: int, *relations: str) -> Dossier:
    """Le dossier, s'il est l'un de ceux de la Caf de l'agent ; 404 sinon. Les vues qui
    agissent passent par ici : l'administration nationale y est refusée (lecture seule)."""
    refuser_en_lecture_seule(request.user)
    return get_object_or_404(
        dossiers_de_la_caf(request.user).select_related("campagne__caf", *relations),
        pk=pk,
    )


def _proposition_en_attente(dossier: Dossier) -> Proposition | None:
    return (
        Proposition.objects.filter(dossier=dossier, statut=StatutProposition.EN_ATTENTE)
        .order_by("-created_at", "-id")
        .first()
    )


def _droits(request: RequeteConnectee, dossier: Dossier) -> dict[str, bool]:
    return capacites_agent(dossier, request.user, _proposition_en_attente(dossier))


def _url(dossier: Dossier, ancre: str = "") -> str:
    return reverse("instruction_dossier", args=[dossier.pk]) + (f"#{ancre}" if ancre else "")


def _affiche(champ: str, valeur: Any) -> str:
    if champ in CHAMPS_BOOLEENS:
        return "Oui" if valeur else "Non"
    if champ in CHAMPS_MONTANTS:
        return formater_euros(valeur)
    return str(valeur)


def _lignes_comparees(
    comparaison: Comparaison, rang: int | None, champs: tuple[str, ...]
) -> list[LigneComparee]:
    if rang is None:
        declare: Any = comparaison.declare
        retenu: Any = comparaison.retenu
    else:
        declare = comparaison.declare.collectifs[rang]
        retenu = comparaison.retenu.collectifs[rang]
    return [
        LigneComparee(
            champ=champ,
            libelle=ChampCorrige(champ).label,
            declare=_affiche(champ, getattr(declare, champ)),
            retenu=_affiche(champ, getattr(retenu, champ)),
            correction=comparaison.corrections.get((rang, champ)),
        )
        for champ in champs
    ]


CHAMPS_COLLECTIF = tuple(str(c) for c in actions.CHAMPS_DU_COLLECTIF)
CHAMPS_DOSSIER = (str(ChampCorrige.DEPENSES), str(ChampCorrige.COFINANCEMENTS))


def _historique(
    evenements: list[Evenement], fil: list[Message], annotations: list[Annotation]
) -> list[Entree]:
    """Tout ce qui s'est passé, le plus récent d'abord : transitions, attributions,
    corrections, demandes de compléments, propositions (événements), messages, annotations."""
    entrees = [
        Entree(
            date=e.created_at,
            auteur=e.auteur,
            quoi=e.libelle,
            description=e.description,
            changement=e.changement,
            public=e.public,
            categorie=e.type,
        )
        for e in evenements
    ]
    entrees += [
        Entree(
            date=m.created_at,
            auteur=m.auteur,
            quoi="Message de la Caf" if m.de_la_caf else "Message de la structure",
            description=m.texte
            + (f"\n(pièce jointe : {m.nom_piece_jointe})" if m.piece_jointe else ""),
            public=True,
            categorie="message",
        )
        for m in fil
    ]
    entrees += [
        Entree(
            date=a.created_at,
            auteur=a.auteur,
            quoi="Annotation interne",
            description=a.texte,
            public=False,
            categorie="annotation",
        )
        for a in annotations
    ]
    entrees.sort(key=lambda entree: entree.date, reverse=True)
    return entrees


@dataclass(frozen=True)
class Action:
    """Le bouton du résumé : ce que l'agent a à faire maintenant, et où."""

    libelle: str
    ancre: str
    principale: bool = True


ETATS_DECIDES = (EtatDossier.ACCEPTE, EtatDossier.REFUSE, EtatDossier.SANS_SUITE)


def prochaine_action(
    dossier: Dossier, droits: dict[str, bool], en_attente: Proposition | None
) -> Action | None:
    """La prochaine action de l'agent sur ce dossier (« Prendre le dossier » sans
    instructeur est un formulaire du résumé, pas un lien : voir le gabarit)."""
    if droits["valider"]:
        return Action("Valider ou renvoyer la proposition", "decision")
    if droits["proposer"]:
        return Action("Proposer une décision", "decision")
    if droits["prendre"]:
        return Action("Reprendre le dossier", "form-prendre", principale=False)
    if dossier.etat == EtatDossier.COMPLEMENTS_DEMANDES:
        return Action("Voir les compléments attendus", "complements-en-cours", False)
    if en_attente is not None:
        return Action("Voir la proposition en attente", "decision", False)
    if dossier.etat in (EtatDossier.ACCEPTE, EtatDossier.CLOTURE):
        return Action("Convention, versements et bilan", "apres-decision", False)
    if dossier.etat in ETATS_DECIDES:
        return Action("Voir la décision", "decision", False)
    return None


def _decision(dossier: Dossier) -> Any:
    """La décision prise, mise en cache sur le dossier (le gabarit de la décision la relit
    sans nouvelle requête) ; None avant la décision."""
    if dossier.etat not in (*ETATS_DECIDES, EtatDossier.CLOTURE):
        return None
    # L'entrée et les paramètres figés ne sont pas sur la page (la lettre et l'API les lisent).
    return lu_une_fois(
        dossier,
        Dossier.decision,
        lambda: (
            Decision.objects.select_related("instructeur", "valideur")
            .defer("entree_bareme", "parametres")
            .filter(dossier_id=dossier.pk)
            .first()
        ),
    )


def _pieces(dossier: Dossier) -> list[Any]:
    aujourd_hui = timezone.localdate()
    pieces = []
    for piece_dossier in dossier.pieces.all():
        piece = piece_dossier.piece
        piece.expiree = piece.est_expiree(aujourd_hui)
        piece.expire_bientot = (
            not piece.expiree
            and piece.date_validite is not None
            and (piece.date_validite - aujourd_hui).days <= BIENTOT_JOURS
        )
        pieces.append(piece)
    return pieces


def rendre_dossier(
    request: RequeteConnectee,
    pk: int,
    *,
    formulaires: dict[str, Form] | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """La page du dossier côté Caf.

    `formulaires` : les formulaires soumis avec des erreurs, à réafficher tels que saisis
    (clé : "prendre", "annotation", "message", "complements", "dossier" ou
    "collectif-<id>"). `extra` : un contexte ajouté tel quel, par exemple par les vues de la
    décision pour réafficher leur formulaire en erreur (`decision_valeurs`…)."""
    formulaires = formulaires or {}
    dossier = get_object_or_404(
        dossiers_lisibles(request.user)
        .select_related("campagne__caf", "structure__caf", "instructeur", "attestation_par")
        .avec_contenu(),
        pk=pk,
    )
    propositions = list(
        Proposition.objects.filter(dossier=dossier)
        .select_related("auteur")
        .order_by("-created_at", "-id")
    )
    en_attente = next((p for p in propositions if p.statut == StatutProposition.EN_ATTENTE), None)
    droits = capacites_agent(dossier, request.user, en_attente)

    collectifs = list(dossier.collectifs.all())
    lignes = list(dossier.lignes_budget.all())
    corrections = list(
        Correction.objects.filter(dossier=dossier)
        .select_related("auteur")
        .order_by("created_at", "id")
    )
    comparaison = comparer(dossier, collectifs, lignes, corrections)
    parametres = ParametresBareme.objects.filter(
        annee_scolaire=dossier.campagne.annee_scolaire
    ).first()
    resultat: Resultat | None = None
    resultat_declare: Resultat | None = None
    if parametres is not None and collectifs:
        bareme = parametres.vers_bareme()
        resultat = calculer_instruction(comparaison, bareme)
        resultat_declare = calculer(comparaison.declare, bareme)

    blocs = []
    for rang, collectif in enumerate(collectifs):
        cle = f"collectif-{collectif.pk}"
        # Le formulaire n'est affiché qu'à l'agent qui instruit : pas de formulaire à
        # construire pour les autres (30 collectifs, 30 formulaires).
        formulaire = formulaires.get(cle) or (
            FormulaireCorrectionCollectif(
                prefix=cle,
                initial=FormulaireCorrectionCollectif.initial_depuis(
                    comparaison.retenu.collectifs[rang]
                ),
            )
            if droits["instruire"]
            else None
        )
        corrige = any(r == rang for r, _champ in comparaison.corrections)
        blocs.append(
            {
                "collectif": collectif,
                "rang": rang,
                # Le tableau « déclaré / retenu » d'un collectif que la Caf n'a pas corrigé
                # répéterait deux fois la même colonne : il n'est montré qu'à l'agent qui
                # instruit (il corrige à côté) et pour un collectif corrigé.
                "lignes": (
                    _lignes_comparees(comparaison, rang, CHAMPS_COLLECTIF)
                    if droits["instruire"] or corrige
                    else []
                ),
                "retenu": resultat.collectifs[rang] if resultat else None,
                "declare": resultat_declare.collectifs[rang] if resultat_declare else None,
                "corrige": corrige,
                "formulaire": formulaire,
                "ouvert": cle in formulaires,
            }
        )
    corrections_appliquees = sorted(
        comparaison.corrections.items(),
        key=lambda item: (item[0][0] is not None, item[0][0] or 0, item[1].created_at),
    )

    limite = limite_historique(request)
    evenements = les_plus_recentes(
        Evenement.objects.filter(dossier=dossier)
        .select_related("auteur")
        .order_by("-created_at", "-id"),
        limite,
    )
    fil = list(
        Message.objects.filter(dossier=dossier)
        .select_related("auteur")
        .order_by("created_at", "id")
    )
    annotations = list(
        Annotation.objects.filter(dossier=dossier)
        .select_related("auteur")
        .order_by("-created_at", "-id")
    )
    historique, lien_historique = tronquer(_historique(evenements, fil, annotations), limite)
    demande = None
    if dossier.etat == EtatDossier.COMPLEMENTS_DEMANDES:
        demande = (
            DemandeComplements.objects.filter(dossier=dossier, repondue_le__isnull=True)
            .select_related("demandee_par")
            .order_by("-created_at", "-id")
            .first()
        )

    contexte = {
        "titre": f"Instruction du dossier {dossier}",
        "dossier": dossier,
        "droits": droits,
        "situation": situation_enveloppe(dossier.campagne),
        "collectifs": collectifs,
        "lignes_charges": [ligne for ligne in lignes if ligne.nature == "charge"],
        "lignes_produits": [ligne for ligne in lignes if ligne.nature == "produit"],
        "total_charges": sum((ligne.montant for ligne in lignes if ligne.nature == "charge"), 0),
        "total_produits": sum((ligne.montant for ligne in lignes if ligne.nature == "produit"), 0),
        "pieces": _pieces(dossier),
        "comparaison": comparaison,
        "blocs": blocs,
        "lignes_dossier": _lignes_comparees(comparaison, None, CHAMPS_DOSSIER),
        "corrections_appliquees": [
            {
                "collectif": (
                    comparaison.declare.collectifs[rang].nom if rang is not None else None
                ),
                "libelle": ChampCorrige(champ).label,
                "declare": _affiche(
                    champ,
                    getattr(
                        comparaison.declare
                        if rang is None
                        else comparaison.declare.collectifs[rang],
                        champ,
                    ),
                ),
                "retenu": _affiche(
                    champ,
                    getattr(
                        comparaison.retenu if rang is None else comparaison.retenu.collectifs[rang],
                        champ,
                    ),
                ),
                "correction": correction,
            }
            for (rang, champ), correction in corrections_appliquees
        ],
        "parametres_absents": parametres is None,
        "resultat": resultat,
        "explication_a_part": _explication_a_part(resultat),
        "resultat_declare": resultat_declare,
        "propositions": propositions,
        "proposition_en_attente": en_attente,
        "decision": _decision(dossier),
        "prochaine_action": prochaine_action(dossier, droits, en_attente),
        # Pour instruction/_decision.html (vues de la décision).
        "capacites": droits,
        "proposition": en_attente,
        "historique": historique,
        **lien_historique,
        "fil": fil,
        "annotations": annotations,
        "demande": demande,
        "libelles_etapes": LIBELLES_ETAPES,
        "formulaire_prendre": formulaires.get("prendre")
        or FormulairePrendre(initial={"instructeur_vu": dossier.instructeur_id or ""}),
        "formulaire_dossier": formulaires.get("dossier")
        or FormulaireCorrectionDossier(
            prefix="dossier",
            initial={
                "depenses_totales": comparaison.retenu.depenses_totales,
                "cofinancements": comparaison.retenu.cofinancements,
            },
        ),
        "formulaire_dossier_ouvert": "dossier" in formulaires,
        "formulaire_annotation": formulaires.get("annotation") or FormulaireAnnotation(),
        "formulaire_message": formulaires.get("message") or FormulaireMessageCaf(),
        "formulaire_complements": formulaires.get("complements") or FormulaireComplements(),
    }
    contexte.update(extra or {})
    # Les sections reçoivent la page : la proposition en attente, déjà lue, et les
    # formulaires en erreur venus des vues qui agissent (`extra`).
    contexte["sections_apres_decision"] = sections_du_dossier(
        "caf", dossier, request.user, contexte
    )
    return render(request, "instruction/dossier.html", contexte, status=status)


def _explication_a_part(resultat: Resultat | None) -> bool:
    """Au-delà de COLLECTIFS_EXPLIQUES_SUR_LA_PAGE collectifs, le calcul pas à pas (une
    dizaine d'étapes par collectif) a sa propre page : sur celle du dossier, il en faisait
    près de la moitié du poids et du temps de rendu (30 collectifs : 64 Ko sur 145)."""
    return resultat is not None and len(resultat.collectifs) > COLLECTIFS_EXPLIQUES_SUR_LA_PAGE


def _erreurs_vers_formulaire(formulaire: Form, erreur: ValidationError) -> None:
    if hasattr(erreur, "error_dict"):
        for champ, liste in erreur.message_dict.items():
            formulaire.add_error(champ if champ in formulaire.fields else None, liste)
    else:
        formulaire.add_error(None, erreur.messages)


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def instruction_dossier(request: RequeteConnectee, pk: int) -> HttpResponse:
    return rendre_dossier(request, pk)


@connexion_requise
@require_http_methods(["GET", "HEAD"])
def instruction_calcul(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Le calcul pas à pas du barème sur les chiffres retenus, sur sa propre page : celle
    d'un gros dossier y renvoie. Mêmes lecteurs que la page du dossier."""
    dossier = get_object_or_404(
        dossiers_lisibles(request.user).select_related("campagne__caf", "structure"), pk=pk
    )
    parametres_absents = not ParametresBareme.objects.filter(
        annee_scolaire=dossier.campagne.annee_scolaire
    ).exists()
    resultat, nombre_corrections = None, 0
    if not parametres_absents and dossier.collectifs.exists():
        comparaison, resultat = calcul_du_dossier(dossier)
        nombre_corrections = len(comparaison.corrections)
    contexte = {
        "titre": f"Calcul pas à pas du dossier {dossier}",
        "dossier": dossier,
        "resultat": resultat,
        "parametres_absents": parametres_absents,
        "nombre_corrections": nombre_corrections,
        "lecture_seule": en_lecture_seule(request.user),
    }
    return render(request, "instruction/calcul.html", contexte)


@connexion_requise
@require_POST
def instruction_prendre(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Prendre le dossier (« déposé » → « en instruction »), ou le reprendre à un autre
    agent avec un motif."""
    dossier = _dossier(request, pk, "instructeur")
    if not _droits(request, dossier)["prendre"]:
        raise PermissionDenied(
            "Seul un instructeur de la Caf prend un dossier déposé ou en instruction."
        )
    formulaire = FormulairePrendre(request.POST)
    formulaire.is_valid()
    attendu = (
        formulaire.instructeur_attendu() if "instructeur_vu" in request.POST else actions.INCHANGE
    )
    try:
        actions.prendre(dossier, request.user, formulaire.cleaned_data.get("motif", ""), attendu)
    except ValidationError as erreur:
        _erreurs_vers_formulaire(formulaire, erreur)
        messages.error(request, "Le dossier n'a pas été repris : indiquez le motif.")
        return rendre_dossier(request, pk, formulaires={"prendre": formulaire}, status=400)
    except actions.ActionImpossible as refus:
        messages.error(request, str(refus))
        return redirect(_url(dossier))
    messages.success(request, "Vous instruisez ce dossier.")
    return redirect(_url(dossier))


@connexion_requise
@require_POST
def instruction_corriger(request: RequeteConnectee, pk: int) -> HttpResponse:
    """Corriger les chiffres retenus d'un collectif (champ `collectif`) ou du dossier."""
    dossier = _dossier(request, pk, "instructeur")
    droits = _droits(request, dossier)
    if not droits["instruire"]:
        raise PermissionDenied(
            "Seul l'instructeur à qui le dossier est attribué le corrige, pendant "
            "l'instruction et hors proposition en attente."
        )
    identifiant = request.POST.get("collectif", "")
    collectif: Collectif | None = None
    if identifiant:
        collectif = get_object_or_404(
            Collectif, pk=identifiant if identifiant.isdigit() else 0, dossier=dossier
        )
        cle = f"collectif-{collectif.pk}"
        formulaire: FormulaireCorrectionCollectif | FormulaireCorrectionDossier = (
            FormulaireCorrectionCollectif(request.POST, prefix=cle)
        )
    else:
        cle = "dossier"
        formulaire = FormulaireCorrectionDossier(request.POST, prefix=cle)
    if formulaire.is_valid():
        try:
            nouvelles = actions.corriger(
                dossier,
                request.user,
                collectif,
                formulaire.valeurs(),
                formulaire.cleaned_data["motif"],
            )
        except ValidationError as erreur:
            _erreurs_vers_formulaire(formulaire, erreur)
        except actions.ActionImpossible as refus:
            messages.error(request, str(refus))
            return redirect(_url(dossier))
        else:
            messages.success(
                request,
                f"{len(nouvelles)} correction{'s' if len(nouvelles) > 1 else ''} "
                "enregistrée"
                + ("s" if len(nouvelles) > 1 else "")
                + " : le montant est recalculé.",
            )
            return redirect(_url(dossier, "calcul"))
    messages.error(request, "La correction n'a pas été enregistrée : voyez le formulaire.")
    return rendre_dossier(request, pk, formulaires={cle: formulaire}, status=400)


@connexion_requise
@require_POST
def instruction_annoter(request: RequeteConnectee, pk: int) -> HttpResponse:
    dossier = _dossier(request, pk)
    if not _droits(request, dossier)["annoter"]:
        raise PermissionDenied("Seuls les agents de la Caf annotent ses dossiers.")
    formulaire = FormulaireAnnotation(request.POST)
    if formulaire.is_valid():
        try:
            actions.annoter(dossier, request.user, formulaire.cleaned_data["texte"])
        except ValidationError as erreur:
            _erreurs_vers_formulaire(formulaire, erreur)
        else:
            messages.success(request, "Annotation enregistrée (visible des seuls agents).")
            return redirect(_url(dossier, "annotations"))
    messages.error(request, "L'annotation n'a pas été enregistrée : voyez le formulaire.")
    return rendre_dossier(request, pk, formulaires={"annotation": formulaire}, status=400)


@connexion_requise
@require_POST
def instruction_message(request: RequeteConnectee, pk: int) -> HttpResponse:
    dossier = _dossier(request, pk)
    if not _droits(request, dossier)["ecrire"]:
        raise PermissionDenied("Seuls les agents de la Caf écrivent à la structure.")
    formulaire = FormulaireMessageCaf(request.POST, request.FILES)
    if formulaire.is_valid():
        try:
            actions.ecrire_a_la_structure(
                dossier,
                request.user,
                formulaire.cleaned_data["texte"],
                formulaire.cleaned_data.get("piece_jointe"),
            )
        except ValidationError as erreur:
            _erreurs_vers_formulaire(formulaire, erreur)
        except actions.ActionImpossible as refus:
            messages.error(request, str(refus))
            return redirect(_url(dossier))
        else:
            messages.success(request, "Message envoyé à la structure.")
            return redirect(_url(dossier, "messages"))
    messages.error(request, "Le message n'a pas été envoyé : voyez le formulaire.")
    return rendre_dossier(request, pk, formulaires={"message": formulaire}, status=400)


@connexion_requise
@require_POST
def instruction_complements(request: RequeteConnectee, pk: int) -> HttpResponse:
    dossier = _dossier(request, pk, "instructeur")
    if not _droits(request, dossier)["demander_complements"]:
        raise PermissionDenied(
            "Seul l'instructeur à qui le dossier est attribué demande des compléments, "
            "pendant l'instruction."
        )
    formulaire = FormulaireComplements(request.POST)
    if formulaire.is_valid():
        donnees = formulaire.cleaned_data
        try:
            demande = actions.demander_complements(
                dossier,
                request.user,
                list(donnees["etapes"]),
                donnees["message"],
                donnees["echeance"],
            )
        except ValidationError as erreur:
            _erreurs_vers_formulaire(formulaire, erreur)
        except actions.ActionImpossible as refus:
            messages.error(request, str(refus))
            return redirect(_url(dossier))
        else:
            messages.success(
                request,
                "Compléments demandés : la structure est prévenue par courriel et doit "
                f"répondre avant le {demande.echeance:%d/%m/%Y}.",
            )
            return redirect(_url(dossier))
    messages.error(request, "La demande de compléments n'est pas partie : voyez le formulaire.")
    return rendre_dossier(request, pk, formulaires={"complements": formulaire}, status=400)
