"""Après le bilan accepté : le solde ou l'indu, puis la clôture (CLAS.md §2.3).

Solde = montant définitif − versements engagés (non rejetés, payés ou en cours).
Positif : un versement de solde « à valider » ; négatif : un indu notifié avec son avis
PDF ; nul : rien à payer. Le dossier est clôturé quand le bilan est accepté, que tous les
versements sont payés et que l'indu éventuel est remboursé.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clas.bareme import formater_euros
from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.conventions.models import Convention
from clas.core.exceptions import ActionImpossible
from clas.dossiers.etats import TransitionImpossible, appliquer
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import EtatDossier, Evenement
from clas.versements import grand_livre
from clas.versements.models import EtatVersement, NatureVersement, TypeMouvement, Versement

from .etats import INDU
from .models import Bilan, EtatBilan, EtatIndu, Indu, Remboursement
from .permissions import capacites_indu

__all__ = [
    "DELAI_REMBOURSEMENT",
    "ActionImpossible",
    "EnregistrementRemboursement",
    "Regularisation",
    "cloturer_si_termine",
    "enregistrer_remboursement",
    "regulariser",
    "reste_a_rembourser",
]

DELAI_REMBOURSEMENT = dt.timedelta(days=60)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Regularisation:
    montant_definitif: Decimal
    engage: Decimal
    ecart: Decimal  # > 0 : solde à payer ; < 0 : indu ; 0 : rien
    solde: Versement | None = None
    indu: Indu | None = None


def _engage(convention: Convention) -> Decimal:
    total = (
        Versement.objects.filter(convention=convention)
        .exclude(etat=EtatVersement.REJETE)
        .aggregate(total=Sum("montant"))["total"]
    )
    return total or ZERO


def regulariser(bilan: Bilan, auteur: Utilisateur | None) -> Regularisation:
    """Le solde ou l'indu d'un bilan accepté, une seule fois (convention sous verrou ; la
    base refuse un second solde, un second indu). À appeler dans la transaction qui
    accepte le bilan, après avoir figé `montant_definitif`."""
    assert bilan.montant_definitif is not None, "Le bilan doit avoir son montant définitif."
    with transaction.atomic():
        convention = (
            Convention.objects.select_for_update(of=("self",))
            .select_related("dossier")
            .get(pk=bilan.convention_id)
        )
        existant = _regularisation_existante(convention, bilan.montant_definitif)
        if existant is not None:
            return existant
        engage = _engage(convention)
        ecart = bilan.montant_definitif - engage
        calcul = (
            f"montant définitif {formater_euros(bilan.montant_definitif)} − versements "
            f"{formater_euros(engage)}"
        )
        if ecart > 0:
            solde = Versement.objects.create(
                convention=convention, nature=NatureVersement.SOLDE, montant=ecart
            )
            Evenement.noter(
                convention.dossier,
                TypeEvenement.SOLDE_CREE,
                f"Solde de {formater_euros(ecart)} créé ({calcul}) : à valider par la Caf.",
                auteur=auteur,
                objet=solde,
                apres=solde.etat,
            )
            return Regularisation(bilan.montant_definitif, engage, ecart, solde=solde)
        if ecart < 0:
            indu = Indu.objects.create(
                convention=convention,
                montant=-ecart,
                motif=(
                    f"Les versements ({formater_euros(engage)}) dépassent le montant définitif "
                    f"calculé sur le bilan ({formater_euros(bilan.montant_definitif)})."
                ),
                echeance=timezone.localdate() + DELAI_REMBOURSEMENT,
                notifie_par=auteur,
            )
            motif = f"Indu notifié ({calcul})."
            indu.mouvement = grand_livre.inscrire(
                convention, TypeMouvement.INDU_NOTIFIE, -ecart, motif, auteur
            )
            indu.save(update_fields=["mouvement"])
            Evenement.noter(
                convention.dossier,
                TypeEvenement.INDU_NOTIFIE,
                f"{TypeMouvement.INDU_NOTIFIE.label} : {formater_euros(-ecart)} — {motif}",
                auteur=auteur,
                objet=indu,
                apres=indu.etat,
            )
            transaction.on_commit(lambda: _apres_indu(indu.pk), robust=True)
            return Regularisation(bilan.montant_definitif, engage, ecart, indu=indu)
        Evenement.noter(
            convention.dossier,
            TypeEvenement.RIEN_A_PAYER,
            f"Rien à payer ni à rembourser ({calcul} = 0,00 €).",
            auteur=auteur,
            objet=bilan,
        )
        cloturer_si_termine(convention, auteur)
        return Regularisation(bilan.montant_definitif, engage, ecart)


def _regularisation_existante(
    convention: Convention, montant_definitif: Decimal
) -> Regularisation | None:
    """Un second appel (clic répété, requête rejouée) renvoie ce qui a déjà été fait."""
    indu = Indu.objects.filter(convention=convention).first()
    solde = (
        Versement.objects.filter(convention=convention, nature=NatureVersement.SOLDE)
        .order_by("-id")
        .first()
    )
    if indu is None and solde is None:
        return None
    engage = _engage(convention)
    return Regularisation(
        montant_definitif, engage, montant_definitif - engage, solde=solde, indu=indu
    )


def _apres_indu(indu_id: int) -> None:
    """L'avis PDF et le courriel à la structure (module `avis_indu`)."""
    from .avis_indu import notifier_indu

    notifier_indu(Indu.objects.select_related("convention__dossier").get(pk=indu_id))


def est_termine(convention: Convention) -> bool:
    """Bilan accepté, tous les versements non rejetés payés, solde rejeté réémis, indu
    éventuel remboursé. (Un acompte rejeté avant le bilan est compris dans le solde.)"""
    bilan = Bilan.objects.filter(convention=convention).first()
    if bilan is None or bilan.etat != EtatBilan.ACCEPTE:
        return False
    if Versement.objects.filter(
        convention=convention,
        nature=NatureVersement.SOLDE,
        etat=EtatVersement.REJETE,
        reemission__isnull=True,
    ).exists():
        return False
    if (
        Versement.objects.filter(convention=convention)
        .exclude(etat__in=[EtatVersement.PAYE, EtatVersement.REJETE])
        .exists()
    ):
        return False
    return not Indu.objects.filter(convention=convention, etat=EtatIndu.OUVERT).exists()


def cloturer_si_termine(convention: Convention, auteur: Utilisateur | None) -> bool:
    """Clôture le dossier si tout est réglé (à appeler après chaque paiement, remboursement
    ou régularisation) ; True s'il vient d'être clôturé. Idempotent."""
    dossier = convention.dossier
    if dossier.etat != EtatDossier.ACCEPTE or not est_termine(convention):
        return False
    try:
        appliquer(
            dossier,
            "cloturer",
            auteur,
            "Dossier clôturé : bilan accepté et versements réglés. Il est désormais en "
            "lecture seule.",
        )
    except TransitionImpossible:  # clôturé entre-temps par une autre action
        return False
    return True


def cloturer_apres_paiement(
    sender: object, conventions: list[Convention], auteur: Utilisateur, **kwargs: object
) -> None:
    """Reçoit `versements_payes` (dans la transaction du paiement) : chaque dossier dont
    tout est réglé est clôturé."""
    for convention in conventions:
        cloturer_si_termine(convention, auteur)


# --- Les remboursements d'un indu -----------------------------------------------------------


def reste_a_rembourser(indu: Indu) -> Decimal:
    """Le montant de l'indu moins les remboursements enregistrés (une requête)."""
    rembourse = Remboursement.objects.filter(indu=indu).aggregate(total=Sum("montant"))["total"]
    return indu.montant - (rembourse or ZERO)


@dataclass(frozen=True)
class EnregistrementRemboursement:
    remboursement: Remboursement
    reste: Decimal
    deja_enregistre: bool = False  # requête rejouée : rien de nouveau
    indu_rembourse: bool = False
    cloture: bool = False


def enregistrer_remboursement(
    indu: Indu,
    auteur: Utilisateur,
    montant: Decimal,
    recu_le: dt.date,
    reference: str = "",
    jeton: uuid.UUID | None = None,
) -> EnregistrementRemboursement:
    """Un remboursement (éventuellement partiel) reçu par la Caf. Sous verrou de l'indu :
    deux enregistrements simultanés ne dépassent jamais le reste à rembourser. Le même
    jeton (formulaire envoyé deux fois) renvoie le remboursement déjà enregistré. Inscrit
    au grand livre ; à 0,00 € de reste, l'indu est remboursé et le dossier clôturé si tout
    est réglé. Lève PermissionDenied, ValidationError (par champ) ou
    ActionImpossible."""
    reference = (reference or "").strip()
    with transaction.atomic():
        indu = (
            Indu.objects.select_for_update(of=("self",))
            .select_related("convention__dossier__campagne")
            .get(pk=indu.pk)
        )
        convention = indu.convention
        dossier = convention.dossier
        if not capacites_indu(dossier, auteur)["enregistrer_remboursement"]:
            agent = agent_de(auteur)
            if (
                agent is None
                or agent.caf_id != dossier.campagne.caf_id
                or not (agent.est_comptable or agent.est_valideur)
            ):
                raise PermissionDenied(
                    "Seul un agent comptable ou un valideur de la Caf du dossier enregistre "
                    "un remboursement."
                )
        if jeton is not None:
            deja = Remboursement.objects.filter(jeton=jeton).first()
            if deja is not None:
                if deja.indu_id != indu.pk:
                    raise ActionImpossible(
                        "Ce formulaire a déjà servi pour un autre indu : rechargez la page."
                    )
                return EnregistrementRemboursement(
                    deja, reste_a_rembourser(indu), deja_enregistre=True
                )
        if dossier.etat == EtatDossier.CLOTURE:
            raise ActionImpossible(
                "Le dossier est clôturé : il est en lecture seule, rien n'a été enregistré."
            )
        if indu.etat != EtatIndu.OUVERT:
            raise ActionImpossible(
                "Cet indu est déjà entièrement remboursé : rien n'a été enregistré."
            )
        reste = reste_a_rembourser(indu)
        erreurs: dict[str, str] = {}
        if montant is None or montant <= 0:
            erreurs["montant"] = "Saisissez le montant reçu, supérieur à 0,00 €."
        elif montant != montant.quantize(Decimal("0.01")):
            erreurs["montant"] = "Au plus deux décimales (les centimes), par exemple 150,25."
        elif montant > reste:
            erreurs["montant"] = (
                f"Le montant saisi ({formater_euros(montant)}) dépasse le reste à rembourser "
                f"({formater_euros(reste)}) : saisissez au plus {formater_euros(reste)}."
            )
        if recu_le is None:
            erreurs["recu_le"] = "Saisissez la date de réception du remboursement."
        elif recu_le > timezone.localdate():
            erreurs["recu_le"] = "La date de réception ne peut pas être dans le futur."
        elif recu_le < timezone.localtime(indu.notifie_le).date():
            erreurs["recu_le"] = (
                "La date de réception est antérieure à la notification de l'indu "
                f"({timezone.localtime(indu.notifie_le):%d/%m/%Y})."
            )
        if erreurs:
            raise ValidationError(erreurs)
        remboursement = Remboursement.objects.create(
            indu=indu,
            montant=montant,
            recu_le=recu_le,
            reference=reference,
            enregistre_par=auteur,
            jeton=jeton,
        )
        reste = reste - montant
        motif = f"Remboursement de l'indu reçu le {recu_le:%d/%m/%Y}"
        if reference:
            motif += f" (référence {reference})"
        motif += f" ; reste à rembourser : {formater_euros(reste)}."
        remboursement.mouvement = grand_livre.inscrire(
            convention, TypeMouvement.REMBOURSEMENT, montant, motif, auteur
        )
        remboursement.save(update_fields=["mouvement"])
        Evenement.noter(
            dossier,
            TypeEvenement.REMBOURSEMENT,
            f"{TypeMouvement.REMBOURSEMENT.label} : {formater_euros(montant)} — {motif}",
            auteur=auteur,
            objet=indu,
        )
        if reste > 0:
            return EnregistrementRemboursement(remboursement, reste)
        INDU.appliquer(
            indu,
            "rembourser",
            auteur,
            f"Indu de {formater_euros(indu.montant)} entièrement remboursé.",
            champs={"rembourse_le": timezone.now()},
        )
        cloture = cloturer_si_termine(convention, auteur)
        return EnregistrementRemboursement(
            remboursement, ZERO, indu_rembourse=True, cloture=cloture
        )
