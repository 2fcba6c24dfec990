"""Le bilan et la régularisation (solde ou indu, remboursements, avenants, clôture) sur les
pages du dossier, structure et Caf (inscrits par `BilansConfig.ready`, voir
`clas.core.sections`). Aucune requête tant que le dossier n'est pas accepté ; ensuite un
nombre de requêtes constant, quel que soit le nombre de remboursements ou d'avenants."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone

from clas.conventions.models import Convention
from clas.conventions.sections import avenants_de, convention_du_dossier
from clas.core.sections import lu_une_fois
from clas.dossiers.models import Dossier, EtatDossier, Evenement
from clas.versements.models import EtatVersement, NatureVersement
from clas.versements.sections import versements_de

from .forms import FormulaireRemboursement
from .models import Bilan, EtatBilan, Indu
from .permissions import capacites_indu

ZERO = Decimal("0.00")
ETATS_APRES_ACCORD = (EtatDossier.ACCEPTE, EtatDossier.CLOTURE)


def bilan_de(convention: Convention) -> Bilan | None:
    """Le bilan de la convention (None s'il n'est pas commencé), lu une fois par page sans
    ses chiffres détaillés : les sections du bilan et de la régularisation le partagent."""
    return cast(
        Bilan | None,
        lu_une_fois(
            convention,
            Convention.bilan,
            lambda: (
                Bilan.objects.filter(convention=convention)
                .only(
                    "id",
                    "convention_id",
                    "etat",
                    "depose_le",
                    "accepte_le",
                    "commentaire_caf",
                    "montant_recalcule",
                    "montant_definitif",
                )
                .first()
            ),
        ),
    )


def bilan_du_dossier(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """La convention signée et son bilan (None s'il n'est pas commencé)."""
    convention = convention_du_dossier(dossier)
    if convention is None or not convention.est_signee:
        return None
    bilan = bilan_de(convention)
    etat = bilan.etat if bilan is not None else EtatBilan.BROUILLON
    return {
        "convention": convention,
        "bilan": bilan,
        "etat": etat,
        "libelle_etat": EtatBilan(etat).label if bilan is not None else "Non commencé",
        "modifiable": dossier.etat == EtatDossier.ACCEPTE
        and etat in (EtatBilan.BROUILLON, EtatBilan.A_CORRIGER),
    }


def _cloture_le(dossier: Dossier) -> Any:
    if dossier.etat != EtatDossier.CLOTURE:
        return None
    evenement = (
        Evenement.objects.filter(dossier_id=dossier.pk, type="cloturer")
        .order_by("-created_at", "-id")
        .first()
    )
    return timezone.localtime(evenement.created_at).date() if evenement else None


def regularisation_du_dossier(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Le montant définitif, le solde ou l'indu (remboursements, reste dû), les avenants
    et la clôture. None (aucune requête) avant l'accord."""
    if dossier.etat not in ETATS_APRES_ACCORD:
        return None
    convention = convention_du_dossier(dossier)
    if convention is None:
        return None
    bilan = bilan_de(convention)
    indu = Indu.objects.filter(convention=convention).first()
    remboursements = (
        list(indu.remboursements.select_related("enregistre_par").order_by("recu_le", "id"))
        if indu
        else []
    )
    rembourse = sum((r.montant for r in remboursements), start=ZERO)
    solde = max(
        (
            v
            for v in versements_de(convention)
            if v.nature == NatureVersement.SOLDE and v.etat != EtatVersement.REJETE
        ),
        key=lambda v: v.pk,
        default=None,
    )
    avenants = avenants_de(convention)
    capacites = (
        capacites_indu(dossier, utilisateur)
        if utilisateur is not None and indu is not None
        else {"enregistrer_remboursement": False}
    )
    formulaire = page.get("formulaire_remboursement")
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
