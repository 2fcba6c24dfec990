"""La lettre de décision en PDF : produite une fois, après la validation, à partir de ce
que la décision a gardé (montant, résultat du barème) — jamais d'un nouveau calcul."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from clas.bareme import formater_euros
from clas.core.pdf import enregistrer_une_fois
from clas.dossiers.models import Dossier

from .calcul import convertir
from .models import Correction, Decision, NatureDecision

DELAI_RECOURS = "deux mois"


def nom_lettre(decision: Decision) -> str:
    return f"decision-{decision.dossier.numero or decision.dossier_id}.pdf"


def detail_collectifs(decision: Decision) -> list[dict[str, Any]]:
    """Les collectifs du résultat gardé, montants en Decimal pour le filtre `euros`."""
    return [
        {
            "nom": collectif.get("nom", ""),
            "eligible": collectif.get("eligible", False),
            "montant": Decimal(str(collectif.get("montant", "0"))),
            "motifs": [
                motif.get("message", "") for motif in collectif.get("motifs_ineligibilite", [])
            ],
        }
        for collectif in (decision.resultat or {}).get("collectifs", [])
    ]


def contexte_decision(decision: Decision) -> dict[str, Any]:
    """Ce que montrent la lettre et la page de la structure : tout vient de la décision."""
    dossier = decision.dossier
    proposition = decision.proposition
    resultat = decision.resultat or {}
    montant_bareme = resultat.get("montant_total")
    accord = decision.nature == NatureDecision.ACCORD
    return {
        "decision": decision,
        "proposition": proposition,
        "dossier": dossier,
        "structure": dossier.structure,
        "campagne": dossier.campagne,
        "caf": dossier.campagne.caf,
        "date_decision": timezone.localtime(decision.decidee_le).date(),
        "accord": accord,
        "collectifs": detail_collectifs(decision) if accord else [],
        "montant_bareme": Decimal(montant_bareme) if montant_bareme is not None else None,
        "inferieur_au_bareme": accord
        and montant_bareme is not None
        and decision.montant is not None
        and decision.montant < Decimal(montant_bareme),
        "plafonnement": accord and resultat.get("plafonnement_reste_a_charge", False),
        "reduction_plafonnement": Decimal(str(resultat.get("reduction_plafonnement", "0"))),
        "delai_recours": DELAI_RECOURS,
        "corrections": corrections_retenues(dossier),
    }


def charger(decision: Decision) -> Decision:
    return Decision.objects.select_related(
        "dossier__structure", "dossier__campagne__caf", "proposition"
    ).get(pk=decision.pk)


def generer_lettre(decision: Decision, *, remplacer: bool = False) -> bool:
    """Produit et enregistre la lettre si elle n'existe pas encore (idempotent). Renvoie
    True si un PDF a été écrit."""
    decision = charger(decision)
    return enregistrer_une_fois(
        decision,
        "lettre",
        nom_lettre(decision),
        "instruction/lettre.html",
        lambda: contexte_decision(decision),
        remplacer=remplacer,
    )


def _affichee(correction: Correction) -> str:
    valeur = convertir(correction.champ, correction.valeur)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, Decimal):
        return formater_euros(valeur)
    return str(valeur)


def corrections_retenues(dossier: Dossier) -> list[dict[str, str]]:
    """Les corrections de la Caf qui s'appliquent (la dernière par collectif et par champ),
    pour expliquer la décision à la structure. Une requête."""
    dernieres: dict[tuple[int | None, str], Correction] = {}
    for correction in (
        Correction.objects.filter(dossier=dossier)
        .select_related("collectif")
        .order_by("created_at", "id")
    ):
        dernieres[(correction.collectif_id, correction.champ)] = correction
    return [
        {
            "objet": str(c.collectif) if c.collectif else "Budget du projet",
            "champ": c.get_champ_display(),
            "valeur": _affichee(c),
            "motif": c.motif,
        }
        for c in dernieres.values()
    ]
