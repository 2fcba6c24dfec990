"""Ce qui manque avant de déposer : tout est vérifié d'un coup, chaque manque renvoie à
l'étape du formulaire où le corriger.

Un manque « bloquant » empêche le dépôt (une donnée absente ou invalide) ; un manque non
bloquant est un avertissement montré à la structure (collectif non éligible au barème,
prestation demandée au-dessus de l'estimation…) : la Caf en décide à l'instruction. Un
budget déséquilibré est bloquant : l'écart est donné pour le corriger.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from clas.structures.models import MembreStructure, TypePiece

from .bareme import estimer
from .models import Collectif, Dossier, LigneBudget, NatureLigne, PieceDossier
from .permissions import ROLES_SIGNATAIRES

ETAPES = ("projet", "collectifs", "budget", "documents", "attestation")
LIBELLES_ETAPES = {
    "projet": "Le projet",
    "collectifs": "Les collectifs",
    "budget": "Le budget",
    "documents": "Les documents",
    "attestation": "L'attestation sur l'honneur",
}
PIECES_OBLIGATOIRES = (
    TypePiece.STATUTS,
    TypePiece.RIB,
    TypePiece.ASSURANCE,
    TypePiece.DIRIGEANTS,
)
TEXTES_DU_PROJET = (
    ("titre", "le titre du projet"),
    ("resume", "le résumé du projet"),
    ("axe_enfants", "l'axe « enfants »"),
    ("axe_parents", "l'axe « parents »"),
    ("axe_ecole", "l'axe « école »"),
    ("axe_partenaires", "l'axe « partenaires locaux »"),
    ("orientation_enfants", "l'orientation des enfants"),
    ("liens_ecoles_pedt", "les liens avec les écoles et le PEDT"),
    ("lieux", "les lieux d'accueil"),
)


@dataclass(frozen=True)
class Manque:
    etape: str
    message: str
    url: str
    bloquant: bool = True

    @property
    def libelle_etape(self) -> str:
        return LIBELLES_ETAPES.get(self.etape, "La campagne")


def url_etape(dossier_id: int, etape: str) -> str:
    """L'adresse d'une étape du formulaire de saisie."""
    return reverse("dossier_etape", args=[dossier_id, etape])


def charger_pour_verification(dossier: Dossier) -> Dossier:
    """Le dossier avec tout ce que la vérification et l'accusé de dépôt lisent."""
    return (
        Dossier.objects.select_related(
            "campagne__caf", "structure__caf", "attestation_par", "repris_de"
        )
        .prefetch_related(
            Prefetch(
                "collectifs",
                queryset=Collectif.objects.prefetch_related("intervenants").order_by("ordre", "id"),
            ),
            Prefetch(
                "lignes_budget", queryset=LigneBudget.objects.order_by("nature", "compte", "id")
            ),
            Prefetch("pieces", queryset=PieceDossier.objects.select_related("piece")),
        )
        .get(pk=dossier.pk)
    )


def verifier_dossier(
    dossier: Dossier, *, verifier_campagne: bool = True, charger: bool = True
) -> list[Manque]:
    """Tous les manques du dossier, dans l'ordre des étapes. `charger=False` quand le
    dossier vient de `charger_pour_verification` (évite de relire la base)."""
    if charger:
        dossier = charger_pour_verification(dossier)
    collectifs = list(dossier.collectifs.all())
    lignes = list(dossier.lignes_budget.all())
    manques: list[Manque] = []

    def ajouter(etape: str, message: str, bloquant: bool = True) -> None:
        manques.append(Manque(etape, message, url_etape(dossier.pk, etape), bloquant))

    if verifier_campagne:
        fermeture = dossier.campagne.message_fermeture()
        if fermeture:
            manques.append(Manque("campagne", fermeture, "", True))

    # Le projet
    for champ, libelle in TEXTES_DU_PROJET:
        if not (getattr(dossier, champ) or "").strip():
            ajouter("projet", f"Renseignez {libelle}.")

    # Les collectifs
    if not collectifs:
        ajouter("collectifs", "Déclarez au moins un collectif d'enfants.")
    for rang, collectif in enumerate(collectifs, start=1):
        for message in _manques_collectif(collectif):
            ajouter("collectifs", f"{_nom_collectif(collectif, rang)} : {message}")

    # Le budget
    charges = [ligne for ligne in lignes if ligne.nature == NatureLigne.CHARGE]
    produits = [ligne for ligne in lignes if ligne.nature == NatureLigne.PRODUIT]
    if not charges:
        ajouter("budget", "Le budget n'a aucune charge : saisissez les dépenses prévues.")
    if not produits:
        ajouter("budget", "Le budget n'a aucun produit : saisissez les recettes prévues.")
    if dossier.ps_demandee is None:
        ajouter("budget", "Indiquez le montant de prestation de service Clas demandé.")
    if charges and dossier.ps_demandee is not None:
        total_charges = sum((ligne.montant for ligne in charges), Decimal("0"))
        total_produits = sum((ligne.montant for ligne in produits), Decimal("0"))
        message = message_desequilibre(total_charges, total_produits + dossier.ps_demandee)
        if message:
            # Bloquant : la Caf instruit un budget dont les charges égalent les produits.
            ajouter("budget", message)

    # L'éligibilité au barème : montrée, jamais bloquante (la Caf décide).
    if collectifs:
        try:
            resultat = estimer(dossier, collectifs, lignes)
        except ValueError:
            resultat = None
        if resultat is not None:
            for rang, (collectif, calcul) in enumerate(
                zip(collectifs, resultat.collectifs, strict=True), start=1
            ):
                for motif in calcul.motifs_ineligibilite:
                    ajouter(
                        "collectifs",
                        f"{_nom_collectif(collectif, rang)} n'est pas éligible au barème : "
                        f"{motif.message}",
                        bloquant=False,
                    )
            if dossier.ps_demandee is not None and dossier.ps_demandee > resultat.montant_total:
                ajouter(
                    "budget",
                    f"La prestation demandée ({_euros(dossier.ps_demandee)}) dépasse "
                    f"l'estimation du barème ({_euros(resultat.montant_total)}).",
                    bloquant=False,
                )

    # Les documents
    aujourd_hui = timezone.localdate()
    jointes = [piece_dossier.piece for piece_dossier in dossier.pieces.all()]
    for type_piece in PIECES_OBLIGATOIRES:
        valides = [
            p for p in jointes if p.type_piece == type_piece and not p.est_expiree(aujourd_hui)
        ]
        if not valides:
            ajouter("documents", f"Joignez la pièce « {TypePiece(type_piece).label} ».")
    for piece in jointes:
        if piece.est_expiree(aujourd_hui):
            ajouter(
                "documents",
                f"La pièce « {piece.get_type_piece_display()} » ({piece.nom_fichier}) a expiré "
                f"le {piece.date_validite:%d/%m/%Y} : joignez une version à jour.",
            )

    # L'attestation
    if dossier.attestation_par_id is None:
        ajouter(
            "attestation",
            "L'attestation sur l'honneur n'est pas signée : un signataire ou un "
            "administrateur de la structure doit la signer.",
        )
    elif not MembreStructure.objects.filter(
        structure_id=dossier.structure_id,
        utilisateur_id=dossier.attestation_par_id,
        role__in=ROLES_SIGNATAIRES,
    ).exists():
        ajouter(
            "attestation",
            "L'attestation a été signée par une personne qui n'est pas (ou plus) signataire "
            "de la structure : faites-la signer à nouveau.",
        )
    return manques


def message_desequilibre(charges: Decimal, produits: Decimal) -> str:
    """Ce qui est dit d'un budget déséquilibré (produits : prestation demandée comprise),
    le sens et l'écart compris ; vide s'il est équilibré."""
    if charges == produits:
        return ""
    if charges > produits:
        sens = f"les charges dépassent les produits de {_euros(charges - produits)}"
    else:
        sens = f"les produits dépassent les charges de {_euros(produits - charges)}"
    return (
        f"Le budget n'est pas équilibré : {sens} (prestation Clas demandée comprise dans les "
        "produits). Ajustez les montants pour que les charges égalent les produits."
    )


def bloquants(manques: list[Manque]) -> list[Manque]:
    return [manque for manque in manques if manque.bloquant]


def _nom_collectif(collectif: Collectif, rang: int) -> str:
    return f"Le collectif « {collectif.nom} »" if collectif.nom else f"Le collectif n° {rang}"


def _manques_collectif(collectif: Collectif) -> list[str]:
    messages = []
    if not collectif.nom.strip():
        messages.append("donnez-lui un nom.")
    if not collectif.lieu.strip():
        messages.append("indiquez le lieu d'accueil.")
    if not collectif.niveaux:
        messages.append("cochez au moins un niveau scolaire.")
    if not collectif.nb_enfants:
        messages.append("indiquez le nombre d'enfants.")
    if not collectif.horaires:
        messages.append("indiquez au moins un horaire hebdomadaire.")
    if collectif.premiere_semaine is None:
        messages.append("indiquez la première semaine de fonctionnement.")
    if not collectif.semaines_de_fonctionnement:
        messages.append("indiquez le nombre de semaines de fonctionnement (au moins 1).")
    if collectif.bonus_projets_culturels and not collectif.description_projets_culturels.strip():
        messages.append("décrivez les actions culturelles ou éducatives prévues.")
    if (
        collectif.bonus_accompagnement_parents
        and not collectif.description_accompagnement_parents.strip()
    ):
        messages.append("décrivez les actions d'accompagnement des parents prévues.")
    if not collectif.intervenants.all():
        messages.append("listez ses intervenants.")
    return messages


def _euros(montant: Decimal) -> str:
    from clas.bareme import formater_euros

    return formater_euros(montant)


def pieces_obligatoires(dossier: Dossier) -> list[dict[str, str]]:
    """Chaque pièce exigée au dépôt, avec son état dans le dossier (une requête)."""
    jointes = [lien.piece for lien in dossier.pieces.select_related("piece")]
    etats = []
    for type_piece in PIECES_OBLIGATOIRES:
        du_type = [piece for piece in jointes if piece.type_piece == type_piece]
        if not du_type:
            statut = "manquante"
        elif all(piece.est_expiree() for piece in du_type):
            statut = "expiree"
        else:
            statut = "jointe"
        etats.append({"libelle": TypePiece(type_piece).label, "statut": statut})
    return etats
