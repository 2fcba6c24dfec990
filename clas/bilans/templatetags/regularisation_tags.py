"""La régularisation (solde ou indu, remboursements, clôture) et les avenants sur les pages
du dossier. Aucune requête tant que le dossier n'est pas accepté ; ensuite un nombre de
requêtes constant, quel que soit le nombre de remboursements ou d'avenants."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from clas.bilans.forms import FormulaireRemboursement
from clas.bilans.models import Bilan, EtatBilan, Indu
from clas.bilans.regularisation import capacites_indu
from clas.conventions.avenants import capacites_avenant, collectifs_du_resultat, obstacle_avenant
from clas.conventions.models import Avenant, Convention, ProjetAvenant
from clas.dossiers.models import Dossier, EtatDossier, Evenement
from clas.instruction.models import ObjetProposition, Proposition, StatutProposition
from clas.versements.models import EtatVersement, NatureVersement, Versement

register = template.Library()

ZERO = Decimal("0.00")
ETATS_APRES_ACCORD = (EtatDossier.ACCEPTE, EtatDossier.CLOTURE)


def _utilisateur(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


def _cloture_le(dossier: Dossier) -> Any:
    if dossier.etat != EtatDossier.CLOTURE:
        return None
    evenement = (
        Evenement.objects.filter(dossier_id=dossier.pk, type="cloturer")
        .order_by("-created_at", "-id")
        .first()
    )
    return timezone.localtime(evenement.created_at).date() if evenement else None


def _convention(dossier: Dossier) -> Convention | None:
    return Convention.objects.select_related("decision").filter(dossier_id=dossier.pk).first()


@register.simple_tag(takes_context=True)
def regularisation_du_dossier(context: template.Context, dossier: Dossier) -> dict[str, Any] | None:
    """Le montant définitif, le solde ou l'indu (remboursements, reste dû), les avenants
    et la clôture. None (aucune requête) avant l'accord."""
    if dossier.etat not in ETATS_APRES_ACCORD:
        return None
    convention = _convention(dossier)
    if convention is None:
        return None
    utilisateur = _utilisateur(context)
    bilan = Bilan.objects.filter(convention=convention).first()
    indu = Indu.objects.filter(convention=convention).first()
    remboursements = (
        list(indu.remboursements.select_related("enregistre_par").order_by("recu_le", "id"))
        if indu
        else []
    )
    rembourse = sum((r.montant for r in remboursements), start=ZERO)
    solde = (
        Versement.objects.filter(convention=convention, nature=NatureVersement.SOLDE)
        .exclude(etat=EtatVersement.REJETE)
        .order_by("-id")
        .first()
    )
    avenants = list(
        Avenant.objects.filter(convention=convention)
        .select_related("valide_par")
        .order_by("numero")
    )
    capacites = (
        capacites_indu(dossier, utilisateur)
        if utilisateur is not None and indu is not None
        else {"enregistrer_remboursement": False}
    )
    formulaire = context.get("formulaire_remboursement")
    if formulaire is None and capacites["enregistrer_remboursement"] and indu is not None:
        formulaire = FormulaireRemboursement()
    bilan_accepte = bilan is not None and bilan.etat == EtatBilan.ACCEPTE
    return {
        "convention": convention,
        "decision": convention.decision,
        "bilan": bilan if bilan_accepte else None,
        "indu": indu,
        "remboursements": remboursements,
        "rembourse": rembourse,
        "reste": (indu.montant - rembourse) if indu else ZERO,
        "solde": solde if bilan_accepte else None,
        "rien_a_payer": bilan_accepte and indu is None and solde is None,
        "avenants": avenants,
        "cloture_le": _cloture_le(dossier),
        "capacites": capacites,
        "formulaire": formulaire if capacites["enregistrer_remboursement"] else None,
    }


@register.simple_tag(takes_context=True)
def avenants_du_dossier(context: template.Context, dossier: Dossier) -> dict[str, Any] | None:
    """Côté Caf : la décision d'origine, les avenants, l'avenant en attente et ce que
    l'agent peut faire (proposer, valider ou renvoyer)."""
    if dossier.etat not in ETATS_APRES_ACCORD:
        return None
    convention = _convention(dossier)
    if convention is None:
        return None
    utilisateur = _utilisateur(context)
    bilan = Bilan.objects.filter(convention=convention).first()
    en_attente = (
        Proposition.objects.filter(dossier_id=dossier.pk, statut=StatutProposition.EN_ATTENTE)
        .select_related("auteur")
        .first()
    )
    avenants = list(
        Avenant.objects.filter(convention=convention)
        .select_related("valide_par", "proposition__auteur")
        .order_by("numero")
    )
    projet = None
    collectifs_projet: list[dict[str, Any]] = []
    if en_attente is not None and en_attente.objet == ObjetProposition.AVENANT:
        projet = ProjetAvenant.objects.filter(proposition=en_attente).first()
        if projet is not None:
            collectifs_projet = collectifs_du_resultat(projet.resultat)
    capacites = (
        capacites_avenant(dossier, utilisateur, convention, bilan, en_attente)
        if utilisateur is not None and utilisateur.is_authenticated
        else {"proposer": False, "valider": False}
    )
    montant_total = (convention.decision.resultat or {}).get("montant_total")
    return {
        "convention": convention,
        "decision": convention.decision,
        "bareme_decision": Decimal(str(montant_total)) if montant_total is not None else None,
        "avenants": avenants,
        "en_attente": en_attente if projet is not None else None,
        "projet": projet,
        "collectifs_projet": collectifs_projet,
        "obstacle": obstacle_avenant(dossier, convention, bilan),
        "capacites": capacites,
    }
