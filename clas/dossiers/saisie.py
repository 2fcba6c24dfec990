"""La saisie d'un dossier par étapes : ordre des étapes, brouillons des saisies refusées,
verrou optimiste, écriture dans les modèles et panneau du barème.

Règles :
- chaque POST enregistre : une étape valide est écrite dans les modèles ; une étape
  invalide est gardée telle quelle dans `dossier.saisies_en_cours[etape]` ;
- chaque enregistrement incrémente `dossier.version` par un UPDATE conditionnel : si la
  version a changé depuis l'ouverture de la page, rien n'est écrit (`VersionPerimee`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.http import QueryDict
from django.utils import timezone

from clas.bareme import Resultat
from clas.comptes.models import Utilisateur
from clas.core.exceptions import VersionPerimee
from clas.structures.models import PieceJustificative

from .bareme import estimer
from .evenements import TypeEvenement
from .models import (
    COMPTES_CHARGES,
    Collectif,
    Dossier,
    EtatDossier,
    Evenement,
    Intervenant,
    LigneBudget,
    NatureLigne,
    PieceDossier,
)
from .verification import message_desequilibre


@dataclass(frozen=True)
class Etape:
    code: str
    titre: str


ETAPES = (
    Etape("projet", "Le projet"),
    Etape("collectifs", "Les collectifs"),
    Etape("budget", "Le budget prévisionnel"),
    Etape("documents", "Les pièces justificatives"),
    Etape("attestation", "L'attestation sur l'honneur"),
)
CODES_ETAPES = tuple(e.code for e in ETAPES)
TITRES_ETAPES = {e.code: e.titre for e in ETAPES}

# Champs techniques jamais gardés dans les saisies en cours.
CHAMPS_TECHNIQUES = {"csrfmiddlewaretoken", "version", "action"}


def etape_voisine(code: str, decalage: int) -> str | None:
    rang = CODES_ETAPES.index(code) + decalage
    return CODES_ETAPES[rang] if 0 <= rang < len(CODES_ETAPES) else None


# --- Les saisies brutes ------------------------------------------------------------------


def donnees_brutes(post: QueryDict) -> dict[str, list[str]]:
    """Ce que la personne a tapé, tel quel (sans le jeton CSRF ni les fichiers)."""
    return {cle: post.getlist(cle) for cle in post if cle not in CHAMPS_TECHNIQUES}


def vers_querydict(brut: Mapping[str, list[str]]) -> QueryDict:
    donnees = QueryDict(mutable=True)
    for cle, valeurs in brut.items():
        donnees.setlist(cle, [str(v) for v in valeurs])
    return donnees


PREFIXE_COLLECTIFS = "collectifs"


def ajouter_collectif(brut: dict[str, list[str]]) -> dict[str, list[str]]:
    """Une ligne de collectif vide de plus, sans JavaScript (bouton « Ajouter »)."""
    cle = f"{PREFIXE_COLLECTIFS}-TOTAL_FORMS"
    total = _entier(brut.get(cle, ["0"])[0])
    nouveau = dict(brut)
    nouveau[cle] = [str(total + 1)]
    return nouveau


def retirer_collectif(brut: dict[str, list[str]], rang: int) -> dict[str, list[str]]:
    """Retire la ligne `rang` et renumérote les suivantes."""
    cle_total = f"{PREFIXE_COLLECTIFS}-TOTAL_FORMS"
    total = _entier(brut.get(cle_total, ["0"])[0])
    if not 0 <= rang < total:
        return brut
    nouveau: dict[str, list[str]] = {}
    for cle, valeurs in brut.items():
        morceaux = cle.split("-", 2)
        if len(morceaux) == 3 and morceaux[0] == PREFIXE_COLLECTIFS and morceaux[1].isdigit():
            indice = int(morceaux[1])
            if indice == rang:
                continue
            if indice > rang:
                cle = f"{PREFIXE_COLLECTIFS}-{indice - 1}-{morceaux[2]}"
        nouveau[cle] = valeurs
    nouveau[cle_total] = [str(total - 1)]
    return nouveau


def _entier(texte: str) -> int:
    try:
        return max(0, int(texte))
    except (TypeError, ValueError):
        return 0


# --- Verrou optimiste et écriture --------------------------------------------------------


def message_conflit(dossier: Dossier) -> str:
    dernier = (
        Evenement.objects.filter(dossier_id=dossier.pk, auteur__isnull=False)
        .select_related("auteur")
        .order_by("-created_at", "-id")
        .first()
    )
    if dernier is not None:
        qui = str(dernier.auteur)
        quand = timezone.localtime(dernier.created_at).strftime("%d/%m/%Y à %H:%M")
    else:
        qui = "un autre membre de la structure"
        quand = timezone.localtime(timezone.now()).strftime("%d/%m/%Y à %H:%M")
    return (
        f"Ce dossier a été modifié par {qui} le {quand} depuis que vous l'avez ouvert. "
        "Vos saisies sont conservées ci-dessous : rechargez l'étape pour voir la version "
        "enregistrée, puis reportez-y vos modifications. Rien n'a été enregistré."
    )


def prendre_version(
    dossier: Dossier,
    version: int,
    etape: str,
    brut: dict[str, list[str]] | None,
    auteur: Utilisateur,
    description: str,
) -> None:
    """Dans une transaction ouverte : passe le dossier de `version` à `version + 1` et range
    (ou efface) la saisie brute de l'étape. Lève `VersionPerimee` si la version a changé."""
    if dossier.version != version:
        raise VersionPerimee(message_conflit(dossier))
    saisies = dict(dossier.saisies_en_cours or {})
    if brut is None:
        saisies.pop(etape, None)
    else:
        saisies[etape] = brut
    maintenant = timezone.now()
    mis_a_jour = Dossier.objects.filter(pk=dossier.pk, version=version).update(
        version=version + 1, saisies_en_cours=saisies, updated_at=maintenant
    )
    if mis_a_jour == 0:
        raise VersionPerimee(message_conflit(dossier))
    dossier.version = version + 1
    dossier.saisies_en_cours = saisies
    dossier.updated_at = maintenant
    Evenement.noter(dossier, TypeEvenement.MODIFICATION, description, auteur=auteur)
    if brut is None and etape in ETAPES_DU_CONTENU:
        _annuler_attestation(dossier, auteur)


# Modifier le contenu d'un brouillon après l'attestation l'annule : le signataire atteste
# de ce qui est déposé, pas d'une version antérieure.
ETAPES_DU_CONTENU = ("projet", "collectifs", "budget", "documents")


def _annuler_attestation(dossier: Dossier, auteur: Utilisateur) -> None:
    if dossier.etat != EtatDossier.BROUILLON or dossier.attestation_le is None:
        return
    Dossier.objects.filter(pk=dossier.pk).update(attestation_par=None, attestation_le=None)
    dossier.attestation_par = None
    dossier.attestation_le = None
    Evenement.noter(
        dossier,
        TypeEvenement.ATTESTATION_ANNULEE,
        "Attestation sur l'honneur annulée : le dossier a été modifié après sa signature. Un "
        "signataire doit la signer à nouveau avant le dépôt.",
        auteur=auteur,
    )


@transaction.atomic
def garder_saisie_invalide(
    dossier: Dossier, version: int, etape: str, brut: dict[str, list[str]], auteur: Utilisateur
) -> None:
    prendre_version(
        dossier,
        version,
        etape,
        brut,
        auteur,
        f"Saisie de l'étape « {TITRES_ETAPES[etape]} » conservée, à corriger.",
    )


def _description(etape: str) -> str:
    return f"Étape « {TITRES_ETAPES[etape]} » enregistrée."


@transaction.atomic
def enregistrer_projet(
    dossier: Dossier, version: int, donnees: dict[str, Any], auteur: Utilisateur
) -> None:
    prendre_version(dossier, version, "projet", None, auteur, _description("projet"))
    Dossier.objects.filter(pk=dossier.pk).update(**donnees)
    for nom, valeur in donnees.items():
        setattr(dossier, nom, valeur)


@transaction.atomic
def enregistrer_collectifs(
    dossier: Dossier, version: int, formulaires: list[Any], auteur: Utilisateur
) -> None:
    """Met à jour les collectifs gardés (par leur id), crée les nouveaux, supprime les
    retirés ; les intervenants sont réécrits."""
    prendre_version(dossier, version, "collectifs", None, auteur, _description("collectifs"))
    existants = {c.pk: c for c in Collectif.objects.filter(dossier_id=dossier.pk)}
    a_modifier: list[Collectif] = []
    a_creer: list[Collectif] = []
    intervenants: list[tuple[Collectif, list[dict[str, str]]]] = []
    champs = [
        "ordre",
        "nom",
        "lieu",
        "niveaux",
        "nb_enfants",
        "milieu_rural",
        "enfant_en_situation_de_handicap",
        "premiere_semaine",
        "semaines_de_fonctionnement",
        "horaires",
        "bonus_projets_culturels",
        "description_projets_culturels",
        "bonus_accompagnement_parents",
        "description_accompagnement_parents",
    ]
    for ordre, formulaire in enumerate(formulaires):
        d = formulaire.cleaned_data
        collectif = existants.pop(d.get("id"), None)
        if collectif is None:
            collectif = Collectif(dossier_id=dossier.pk)
            a_creer.append(collectif)
        else:
            a_modifier.append(collectif)
        collectif.ordre = ordre
        collectif.nom = d["nom"].strip()
        collectif.lieu = d["lieu"].strip()
        collectif.niveaux = list(d["niveaux"])
        collectif.nb_enfants = d["nb_enfants"]
        collectif.milieu_rural = d["milieu_rural"]
        collectif.enfant_en_situation_de_handicap = d["enfant_en_situation_de_handicap"]
        collectif.premiere_semaine = d["premiere_semaine"]
        collectif.semaines_de_fonctionnement = d["semaines_de_fonctionnement"]
        collectif.horaires = formulaire.horaires()
        collectif.bonus_projets_culturels = d["bonus_projets_culturels"]
        collectif.description_projets_culturels = (
            d["description_projets_culturels"].strip() if d["bonus_projets_culturels"] else ""
        )
        collectif.bonus_accompagnement_parents = d["bonus_accompagnement_parents"]
        collectif.description_accompagnement_parents = (
            d["description_accompagnement_parents"].strip()
            if d["bonus_accompagnement_parents"]
            else ""
        )
        intervenants.append((collectif, formulaire.intervenants()))
    Intervenant.objects.filter(collectif__dossier_id=dossier.pk).delete()
    if existants:
        Collectif.objects.filter(pk__in=list(existants)).delete()
    if a_modifier:
        Collectif.objects.bulk_update(a_modifier, champs)
    Collectif.objects.bulk_create(a_creer)
    Intervenant.objects.bulk_create(
        Intervenant(collectif=collectif, **valeurs)
        for collectif, liste in intervenants
        for valeurs in liste
    )


@transaction.atomic
def enregistrer_budget(
    dossier: Dossier,
    version: int,
    lignes: list[LigneBudget],
    ps_demandee: Decimal | None,
    auteur: Utilisateur,
) -> None:
    prendre_version(dossier, version, "budget", None, auteur, _description("budget"))
    LigneBudget.objects.filter(dossier_id=dossier.pk).delete()
    LigneBudget.objects.bulk_create(lignes)
    Dossier.objects.filter(pk=dossier.pk).update(ps_demandee=ps_demandee)
    dossier.ps_demandee = ps_demandee


@transaction.atomic
def enregistrer_documents(
    dossier: Dossier,
    version: int,
    pieces: list[PieceJustificative],
    nouvelle: dict[str, Any] | None,
    auteur: Utilisateur,
) -> PieceJustificative | None:
    """Joint les pièces cochées, retire les autres ; une pièce déposée va d'abord dans le
    coffre-fort de la structure, puis est jointe."""
    prendre_version(dossier, version, "documents", None, auteur, _description("documents"))
    choisies = {p.pk for p in pieces}
    piece_creee = None
    if nouvelle is not None:
        verifie = nouvelle["verifie"]
        piece_creee = PieceJustificative(
            structure_id=dossier.structure_id,
            type_piece=nouvelle["type_piece"],
            nom_fichier=verifie.nom,
            taille=verifie.taille,
            type_mime=verifie.type_mime,
            date_validite=nouvelle["date_validite"],
            deposee_par=auteur,
        )
        piece_creee.fichier.save(verifie.nom, nouvelle["fichier"], save=False)
        piece_creee.save()
        choisies.add(piece_creee.pk)
    deja = set(
        PieceDossier.objects.filter(dossier_id=dossier.pk).values_list("piece_id", flat=True)
    )
    PieceDossier.objects.filter(dossier_id=dossier.pk).exclude(piece_id__in=choisies).delete()
    PieceDossier.objects.bulk_create(
        PieceDossier(dossier_id=dossier.pk, piece_id=pk) for pk in sorted(choisies - deja)
    )
    return piece_creee


@transaction.atomic
def signer_attestation(dossier: Dossier, version: int, auteur: Utilisateur) -> None:
    prendre_version(
        dossier, version, "attestation", None, auteur, "Attestation sur l'honneur signée."
    )
    maintenant = timezone.now()
    Dossier.objects.filter(pk=dossier.pk).update(attestation_par=auteur, attestation_le=maintenant)
    dossier.attestation_par = auteur
    dossier.attestation_le = maintenant
    Evenement.noter(
        dossier,
        TypeEvenement.ATTESTATION,
        f"Attestation sur l'honneur signée par {auteur}.",
        auteur=auteur,
    )


# --- Lecture en un nombre constant de requêtes -------------------------------------------


def collectifs_du_dossier(dossier: Dossier) -> list[Collectif]:
    """Les collectifs avec leurs intervenants : deux requêtes, quel que soit leur nombre."""
    return list(
        Collectif.objects.filter(dossier_id=dossier.pk).prefetch_related(
            Prefetch("intervenants", queryset=Intervenant.objects.order_by("id"))
        )
    )


def lignes_du_dossier(dossier: Dossier) -> list[LigneBudget]:
    return list(LigneBudget.objects.filter(dossier_id=dossier.pk))


# --- Le panneau du barème ----------------------------------------------------------------


@dataclass(frozen=True)
class Panneau:
    """Ce que montre le panneau latéral : l'estimation et les alertes sur le budget."""

    resultat: Resultat | None
    total_charges: Decimal
    total_produits: Decimal  # PS Clas demandée comprise
    ps_demandee: Decimal | None
    budget_saisi: bool

    @property
    def ecart(self) -> Decimal:
        return self.total_produits - self.total_charges

    @property
    def equilibre(self) -> bool:
        return self.total_charges == self.total_produits

    @property
    def ecart_absolu(self) -> Decimal:
        return abs(self.ecart)

    @property
    def desequilibre(self) -> str:
        """Le sens et le montant de l'écart, tels que le dépôt les refuse ; vide si équilibré."""
        if not self.budget_saisi:
            return ""
        return message_desequilibre(self.total_charges, self.total_produits)

    @property
    def ps_depasse_estimation(self) -> bool:
        return (
            self.resultat is not None
            and self.ps_demandee is not None
            and self.ps_demandee > self.resultat.montant_total
        )


def panneau_du_dossier(
    dossier: Dossier, collectifs: list[Collectif], lignes: list[LigneBudget]
) -> Panneau:
    """Les collectifs doivent avoir leurs intervenants préchargés ; le dossier sa campagne."""
    charges = sum(
        (
            lg.montant
            for lg in lignes
            if lg.nature == NatureLigne.CHARGE and lg.compte in COMPTES_CHARGES
        ),
        Decimal("0"),
    )
    produits = sum(
        (lg.montant for lg in lignes if lg.nature == NatureLigne.PRODUIT), Decimal("0")
    ) + (dossier.ps_demandee or Decimal("0"))
    return Panneau(
        resultat=estimer(dossier, collectifs, lignes),
        total_charges=charges,
        total_produits=produits,
        ps_demandee=dossier.ps_demandee,
        budget_saisi=bool(lignes) or dossier.ps_demandee is not None,
    )
