"""Les versements, de leur validation à leur paiement (CLAS.md §2.3) : valider, mettre en
paiement dans un lot (fichier de virement SEPA), marquer payé, rejeter, réémettre ; et le
compte bancaire d'où la Caf paie.

Qui fait quoi, vérifié ici côté serveur quelle que soit la page :
- le **valideur** de la Caf du dossier valide les versements et propose le compte de la
  Caf, qu'un autre valideur ou un comptable approuve (`compte_caf`) ;
- le **comptable** de cette Caf crée les lots, les marque payés, enregistre les rejets : il
  paie mais ne décide pas (il ne valide pas) ;
- l'**instructeur** ne valide pas et ne paie pas.

L'argent est sûr face à la répétition et à la concurrence : chaque action relit ses
versements sous verrou (`select_for_update`) et ne fait que les transitions permises
(à valider → validé → mis en paiement → payé | rejeté) ; refaire une action déjà faite ne
change rien. Un versement n'entre que dans un seul lot (la Caf est verrouillée pendant la
création d'un lot, et seuls les versements validés sans lot y entrent) ; un paiement n'est
inscrit qu'une fois au grand livre (`Mouvement.versement` est unique).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from clas.bareme import formater_euros
from clas.comptes.models import AgentCaf, Utilisateur
from clas.comptes.roles import agent_de
from clas.conventions.actions import montant_acompte
from clas.conventions.models import Convention
from clas.core.exceptions import ActionImpossible
from clas.core.templatetags.clas_format import pourcentage
from clas.core.validators import masquer_iban, normaliser_iban, valider_bic, valider_iban
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Evenement
from clas.journal import chaine as journal
from clas.referentiel.models import Caf
from clas.structures.models import Structure

from . import grand_livre
from .etats import EN_BANQUE, VERSEMENT
from .models import EtatVersement, LotPaiement, NatureVersement, TypeMouvement, Versement
from .sepa import generer_pain001
from .signaux import versements_payes

__all__ = [
    "ActionImpossible",
    "Ecarte",
    "ResultatLot",
    "creer_lot",
    "marquer_lot_paye",
    "raison_ecart",
    "reemettre",
    "reference_de",
    "rejeter_versement",
    "revalider_apres_changement_de_compte",
    "valider_versements",
]

logger = logging.getLogger("clas.paiements")

E = EtatVersement
LONGUEUR_REFERENCE = 35
# Un lot s'exécute au plus tard dans trois mois : une date lointaine est une faute de
# frappe (2062 pour 2026) qui bloquerait l'argent sans que personne ne le voie.
HORIZON_EXECUTION = dt.timedelta(days=92)


def erreur_date_execution(date_execution: dt.date, aujourd_hui: dt.date) -> str | None:
    """Pourquoi cette date d'exécution est refusée, ou None si elle convient."""
    if date_execution < aujourd_hui:
        return (
            f"La date d'exécution ({date_execution:%d/%m/%Y}) est passée : choisissez "
            "aujourd'hui ou une date à venir."
        )
    limite = aujourd_hui + HORIZON_EXECUTION
    if date_execution > limite:
        return (
            f"La date d'exécution ({date_execution:%d/%m/%Y}) est trop lointaine : choisissez "
            f"une date d'ici le {limite:%d/%m/%Y} ({HORIZON_EXECUTION.days} jours au plus)."
        )
    return None


# --- Qui voit, qui fait -------------------------------------------------------------------


ROLES = {
    "valideur": (
        "est_valideur",
        "Seul un valideur de la Caf du dossier valide un versement (ni l'instructeur, ni le "
        "comptable).",
    ),
    "comptable": (
        "est_comptable",
        "Seul un comptable de la Caf met en paiement, marque payé ou enregistre un rejet.",
    ),
}


def creer_acompte(convention: Convention, auteur: Utilisateur | None) -> tuple[Versement, bool]:
    """L'acompte de la convention (à valider), créé une seule fois : renvoie le versement et
    True s'il vient d'être créé. À appeler dans une transaction, convention verrouillée."""
    existant = Versement.objects.filter(
        convention=convention, nature=NatureVersement.ACOMPTE
    ).first()
    if existant is not None:
        return existant, False
    montant = montant_acompte(convention)
    try:
        with transaction.atomic():
            versement = Versement.objects.create(
                convention=convention,
                nature=NatureVersement.ACOMPTE,
                montant=montant,
            )
    except IntegrityError:  # filet : la contrainte « un seul acompte par convention »
        return Versement.objects.get(convention=convention, nature=NatureVersement.ACOMPTE), False
    dossier = convention.dossier
    Evenement.noter(
        dossier,
        TypeEvenement.ACOMPTE_CREE,
        (
            f"Acompte de {formater_euros(montant)} créé "
            f"({pourcentage(convention.taux_acompte)} de "
            f"{formater_euros(convention.montant_maximal)}) : à valider par la Caf."
        ),
        auteur=auteur,
        objet=versement,
        apres=versement.etat,
    )
    return versement, True


def creer_acompte_a_la_signature(
    sender: object, convention: Convention, auteur: Utilisateur | None, **kwargs: object
) -> None:
    """Reçoit `convention_signee` (dans la transaction de la signature)."""
    creer_acompte(convention, auteur)


def _agent(utilisateur: Utilisateur, caf_id: int, role: str) -> AgentCaf:
    """L'agent de cette Caf avec ce rôle, sinon PermissionDenied (message en français)."""
    agent = agent_de(utilisateur)
    if agent is None or agent.caf_id != caf_id:
        raise PermissionDenied("Seuls les agents de la Caf du dossier agissent sur ses versements.")
    attribut, refus = ROLES[role]
    if not getattr(agent, attribut):
        raise PermissionDenied(refus)
    return agent


# --- Séparation des tâches --------------------------------------------------------------
# Qui a validé un versement ne le met pas en paiement et ne marque pas son lot payé : un
# agent qui cumule les rôles de valideur et de comptable ne peut pas payer seul.

SEPARATION_LOT = (
    "Vous avez validé ce versement : un autre comptable doit le mettre en paiement "
    "(séparation des tâches)."
)


def verifier_separation(versements: Iterable[Versement], comptable: Utilisateur) -> None:
    """Refuse (en français) de payer des versements que ce comptable a lui-même validés."""
    siens = [v for v in versements if v.valide_par_id == comptable.pk]
    if siens:
        raise ActionImpossible(
            f"Vous avez validé {len(siens)} versement{'s' if len(siens) > 1 else ''} de ce "
            "lot : un autre comptable doit le marquer payé (séparation des tâches : qui "
            "valide ne paie pas).",
            [f"{v.convention.dossier.numero} ({_quoi(v)})" for v in siens],
        )


# --- Historique ---------------------------------------------------------------------------


def _quoi(versement: Versement) -> str:
    """« Acompte de 3 150,00 € »."""
    return f"{versement.get_nature_display()} de {formater_euros(versement.montant)}"


def _verrouiller(pks: Iterable[int]) -> list[Versement]:
    """Les versements relus sous verrou, toujours dans le même ordre (pas d'interblocage)."""
    return list(
        Versement.objects.select_for_update(of=("self",))
        .filter(pk__in=list(pks))
        .select_related("convention__dossier__campagne", "convention__dossier__structure", "lot")
        .order_by("pk")
    )


# --- Valider ------------------------------------------------------------------------------


def valider_versements(versements: Iterable[Versement], valideur: Utilisateur) -> list[Versement]:
    """Le valideur valide des versements « à valider » de sa Caf ; renvoie ceux qui viennent
    de l'être. Un versement déjà validé (second clic, autre valideur) est laissé tel quel."""
    agent = agent_de(valideur)
    if agent is None or not agent.est_valideur:
        raise PermissionDenied(ROLES["valideur"][1])
    valides: list[Versement] = []
    with transaction.atomic():
        verrouilles = _verrouiller(v.pk for v in versements)
        for versement in verrouilles:
            _agent(valideur, versement.convention.dossier.campagne.caf_id, "valideur")
        maintenant = timezone.now()
        for versement in verrouilles:
            if versement.etat != E.A_VALIDER:
                continue
            # Le compte accepté à cet instant est celui que le lot paiera, et lui seul.
            compte = compte_accepte(versement.convention.dossier.structure)
            VERSEMENT.appliquer(
                versement,
                "valider",
                valideur,
                f"{_quoi(versement)} validé par {valideur} sur le compte "
                f"{masquer_iban(compte[0]) or '(aucun compte accepté)'} : il partira dans le "
                "prochain lot de paiement de la Caf.",
                champs={
                    "valide_par": valideur,
                    "valide_le": maintenant,
                    "iban_beneficiaire": compte[0],
                    "bic_beneficiaire": compte[1],
                },
                verrouille=True,
            )
            valides.append(versement)
    return valides


def compte_accepte(structure: Structure) -> tuple[str, str]:
    """L'IBAN et le BIC acceptés par la Caf (ceux de la structure), normalisés."""
    return normaliser_iban(structure.iban), (structure.bic or "").strip().upper()


def revalider_apres_changement_de_compte(
    sender: object,
    structure: Structure,
    changement: object,
    auteur: Utilisateur,
    **kwargs: object,
) -> list[Versement]:
    """Reçoit `coordonnees_acceptees` (dans la transaction de l'acceptation) : les
    versements de la structure validés sur l'ancien compte et pas encore dans un lot sont à
    valider de nouveau ; ceux déjà dans un lot sont partis à la banque tels quels."""
    pks = Versement.objects.filter(
        convention__dossier__structure_id=structure.pk, etat=E.VALIDE, lot__isnull=True
    ).values_list("pk", flat=True)
    revalides = []
    for versement in _verrouiller(pks):
        if versement.etat != E.VALIDE or versement.lot_id is not None:
            continue
        VERSEMENT.appliquer(
            versement,
            "revalider",
            auteur,
            f"{_quoi(versement)} validé sur l'ancien compte "
            f"({masquer_iban(versement.iban_beneficiaire) or 'aucun'}) : le nouveau compte "
            f"de la structure ({masquer_iban(structure.iban)}) vient d'être accepté par "
            f"{auteur}. Il est à valider de nouveau avant de partir dans un lot.",
            champs={
                "valide_par": None,
                "valide_le": None,
                "iban_beneficiaire": "",
                "bic_beneficiaire": "",
            },
            verrouille=True,
        )
        revalides.append(versement)
    return revalides


# --- Mettre en paiement : le lot ----------------------------------------------------------


@dataclass(frozen=True)
class Ecarte:
    """Un versement validé laissé hors du lot, et pourquoi (il partira dans un lot suivant)."""

    versement: Versement
    raison: str


@dataclass
class ResultatLot:
    lot: LotPaiement
    versements: list[Versement]
    ecartes: list[Ecarte] = field(default_factory=list)


def reference_de(versement: Versement) -> str:
    """La référence de bout en bout (EndToEndId, 35 caractères au plus), unique : le numéro
    du dossier, la nature (A acompte, S solde) et le rang d'émission (2 pour une réémission) :
    CLAS-069-2026-00001 → « CLAS069-2026-00001-A1 »."""
    rang = Versement.objects.filter(
        convention_id=versement.convention_id, nature=versement.nature, pk__lte=versement.pk
    ).count()
    return _reference(versement, rang)


def references_de(versements: Sequence[Versement]) -> dict[int, str]:
    """`reference_de` de chaque versement, en une requête pour tous : le rang d'émission
    compte les versements de même convention et nature jusqu'à celui-ci."""
    emis: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, convention_id, nature in Versement.objects.filter(
        convention_id__in={v.convention_id for v in versements}
    ).values_list("pk", "convention_id", "nature"):
        emis[convention_id, nature].append(pk)
    references = {}
    for versement in versements:
        rang = sum(
            1 for pk in emis[versement.convention_id, versement.nature] if pk <= versement.pk
        )
        references[versement.pk] = _reference(versement, rang)
    return references


def _reference(versement: Versement, rang: int) -> str:
    dossier = versement.convention.dossier
    lettre = "A" if versement.nature == NatureVersement.ACOMPTE else "S"
    numero = (dossier.numero or f"CLAS-D{dossier.pk}").replace("-", "", 1)
    reference = f"{numero}-{lettre}{rang}"
    if len(reference) > LONGUEUR_REFERENCE:  # numéro hors norme : l'identifiant suffit
        reference = f"CLAS-V{versement.pk}-{lettre}{rang}"
    return reference


def raison_compte_invalide(structure: Structure) -> str | None:
    """Pourquoi on ne peut pas virer à cette structure, ou None si son compte est bon."""
    iban = normaliser_iban(structure.iban)
    bic = (structure.bic or "").strip().upper()
    if not iban:
        return f"{structure.nom} n'a pas encore d'IBAN accepté par la Caf (fiche de la structure)."
    if not bic:
        return f"{structure.nom} n'a pas encore de BIC accepté par la Caf (fiche de la structure)."
    for valeur, valider, quoi in ((iban, valider_iban, "IBAN"), (bic, valider_bic, "BIC")):
        try:
            valider(valeur)
        except ValidationError as erreur:
            return f"{quoi} de {structure.nom} invalide : {erreur.messages[0]}"
    return None


COMPTE_CHANGE = (
    "Coordonnées bancaires changées depuis la validation : à valider de nouveau sur le "
    "compte accepté de la structure."
)


def raison_ecart(versement: Versement) -> str | None:
    """Pourquoi ce versement validé ne peut pas partir, ou None : le lot paie exactement le
    compte enregistré à la validation, à condition qu'il soit encore le compte accepté de
    la structure."""
    structure = versement.convention.dossier.structure
    raison = raison_compte_invalide(structure)
    if raison is not None:
        return raison
    valide_sur = (versement.iban_beneficiaire, versement.bic_beneficiaire)
    if valide_sur != compte_accepte(structure):
        return COMPTE_CHANGE
    return None


def _numero_lot(caf: Caf, jour: dt.date) -> str:
    """LOT-069-20261128-01, puis -02… le même jour (Caf verrouillée : pas de doublon)."""
    prefixe = f"LOT-{caf.code}-{jour:%Y%m%d}-"
    rang = LotPaiement.objects.filter(numero__startswith=prefixe).count() + 1
    return f"{prefixe}{rang:02d}"


def _journaliser_lot(lot: LotPaiement, versements: Sequence[Versement], fichier: bytes) -> None:
    """Le lot au journal, après ses versements : ses champs, ce qu'il paie et l'empreinte
    du fichier remis à la banque (un fichier changé depuis se voit)."""
    journal.ajouter(
        "versements.lotpaiement",
        "lot_cree",
        {
            **journal.champs_de(lot),
            "versements": [versement.pk for versement in versements],
            "empreinte_sepa": hashlib.sha256(fichier).hexdigest(),
        },
        source_id=lot.pk,
        acteur_id=lot.cree_par_id,
    )


def creer_lot(caf: Caf, comptable: Utilisateur, date_execution: dt.date) -> ResultatLot:
    """Le comptable met en paiement tous les versements validés de sa Caf qui ne sont dans
    aucun lot : ils passent « mis en paiement », avec leur référence, sur le compte
    enregistré à leur validation ; le fichier SEPA est enregistré avec le lot.

    Un versement dont la structure n'a pas de compte accepté valide, ou dont le compte
    accepté a changé depuis la validation, est laissé de côté (avec la raison) ; les
    autres partent. Un compte proposé mais pas encore accepté ne change rien : le lot paie
    le compte accepté. Lève ActionImpossible s'il n'y a rien à payer ou si le
    compte de la Caf n'est pas complet."""
    _agent(comptable, caf.pk, "comptable")
    aujourd_hui = timezone.localdate()
    erreur = erreur_date_execution(date_execution, aujourd_hui)
    if erreur:
        raise ActionImpossible(erreur)
    with transaction.atomic():
        # Un seul lot à la fois par Caf : le second comptable attend, puis ne trouve plus rien.
        caf = Caf.objects.select_for_update().get(pk=caf.pk)
        if not caf.a_un_compte:
            raise ActionImpossible(
                "Le compte bancaire de la Caf n'est pas complet (titulaire, IBAN et BIC) : un "
                "valideur doit le renseigner sur la page « Compte bancaire de la Caf » avant "
                "de créer un lot."
            )
        candidats = list(
            Versement.objects.select_for_update(of=("self",), skip_locked=False)
            .filter(etat=E.VALIDE, lot__isnull=True, caf_id=caf.pk)
            .select_related("convention__dossier__structure")
            .order_by("pk")
        )
        retenus: list[Versement] = []
        ecartes: list[Ecarte] = []
        for versement in candidats:
            raison = (
                SEPARATION_LOT
                if versement.valide_par_id == comptable.pk
                else raison_ecart(versement)
            )
            if raison is None:
                retenus.append(versement)
            else:
                ecartes.append(Ecarte(versement, raison))
        if not retenus:
            details = [
                f"{e.versement.convention.dossier.numero} ({_quoi(e.versement)}) : {e.raison}"
                for e in ecartes
            ]
            if ecartes and all(e.raison == SEPARATION_LOT for e in ecartes):
                raise ActionImpossible(
                    "Aucun lot créé : vous avez validé vous-même chacun des versements qui "
                    "attendent ; un autre comptable doit les mettre en paiement (séparation "
                    "des tâches : qui valide ne paie pas).",
                    details,
                )
            if ecartes:
                raise ActionImpossible(
                    "Aucun lot créé : aucun versement validé ne peut partir (compte bancaire "
                    "de la structure absent ou changé depuis la validation, ou versement que "
                    "vous avez validé vous-même).",
                    details,
                )
            raise ActionImpossible(
                "Rien à payer : aucun versement validé n'attend d'être mis en paiement."
            )
        total = sum((v.montant for v in retenus), start=Decimal("0.00"))
        lot = LotPaiement.objects.create(
            caf=caf,
            numero=_numero_lot(caf, aujourd_hui),
            date_execution=date_execution,
            nb_versements=len(retenus),
            montant_total=total,
            iban_emetteur=caf.iban,
            bic_emetteur=caf.bic.upper(),
            titulaire_emetteur=caf.titulaire_compte,
            cree_par=comptable,
        )
        # Le compte payé est celui enregistré à la validation (`raison_ecart` a vérifié
        # qu'il est toujours le compte accepté), jamais celui tapé depuis. En masse : un
        # nombre de requêtes qui ne dépend pas du nombre de versements (Caf verrouillée).
        references = references_de(retenus)
        VERSEMENT.appliquer_en_masse(
            retenus,
            "mettre_en_paiement",
            comptable,
            [
                f"{_quoi(versement)} mis en paiement par {comptable} (lot {lot.numero}, "
                f"virement demandé pour le {date_execution:%d/%m/%Y}, compte "
                f"{masquer_iban(versement.iban_beneficiaire)})."
                for versement in retenus
            ],
            [{"lot": lot, "reference": references[versement.pk]} for versement in retenus],
        )
        fichier = generer_pain001(lot, retenus)
        lot.fichier_sepa.save(f"{lot.numero}.xml", ContentFile(fichier), save=True)
        _journaliser_lot(lot, retenus, fichier)
    return ResultatLot(lot=lot, versements=retenus, ecartes=ecartes)


# --- Payé, rejeté, réémis -----------------------------------------------------------------


def payer(
    versement: Versement,
    auteur: Utilisateur,
    date_paiement: dt.date,
    reference_bancaire: str,
    lot: LotPaiement,
    code_banque: str = "",
) -> None:
    """Un versement chez la banque (verrouillé par l'appelant) devient payé et s'inscrit au
    grand livre, une seule fois."""
    motif = (
        f"{versement.get_nature_display()} payé le {date_paiement:%d/%m/%Y} (lot "
        f"{lot.numero}, référence bancaire {reference_bancaire})."
    )
    VERSEMENT.appliquer(
        versement,
        "payer",
        auteur,
        f"{TypeMouvement.VERSEMENT_PAYE.label} : {formater_euros(versement.montant)} — {motif}",
        champs={
            "paye_le": date_paiement,
            "reference_bancaire": reference_bancaire[:100],
            **({"code_banque": code_banque} if code_banque else {}),
        },
        verrouille=True,
    )
    if versement.montant > 0:
        grand_livre.inscrire(
            versement.convention,
            TypeMouvement.VERSEMENT_PAYE,
            versement.montant,
            motif,
            auteur,
            versement=versement,
        )


def rejeter(versement: Versement, auteur: Utilisateur, motif: str, code_banque: str = "") -> None:
    """Un versement chez la banque (verrouillé par l'appelant) devient rejeté."""
    champs: dict[str, object] = {"motif_rejet": motif, "rejete_le": timezone.now()}
    if code_banque:
        champs["code_banque"] = code_banque
    VERSEMENT.appliquer(
        versement,
        "rejeter",
        auteur,
        f"{_quoi(versement)} rejeté par la banque (lot {versement.lot}) : {motif} "
        "La Caf le réémettra une fois le compte corrigé.",
        champs=champs,
        verrouille=True,
    )


def accepter_banque(
    versement: Versement, auteur: Utilisateur, code_banque: str, date_acceptation: dt.date
) -> None:
    """Un versement mis en paiement (verrouillé par l'appelant) est accepté par la banque
    (ACTC, ACCP, ACSP) : pris en charge, pas encore réglé ; seul un ACSC le dira payé."""
    VERSEMENT.appliquer(
        versement,
        "accepter_banque",
        auteur,
        f"{_quoi(versement)} accepté par la banque le {date_acceptation:%d/%m/%Y} (lot "
        f"{versement.lot}{f', statut {code_banque}' if code_banque else ''}) : le virement "
        "n'est pas encore réglé.",
        champs={"accepte_banque_le": date_acceptation, "code_banque": code_banque},
        verrouille=True,
    )


def annoncer_les_paiements(conventions: Iterable[Convention], auteur: Utilisateur) -> None:
    """Dans la transaction du paiement : chaque convention payée une fois dans
    `versements_payes` (les bilans y clôturent le dossier terminé)."""
    vues: dict[int, Convention] = {}
    for convention in conventions:
        vues.setdefault(convention.pk, convention)
    if vues:
        versements_payes.send(Versement, conventions=list(vues.values()), auteur=auteur)


def _verifier_date_paiement(lot: LotPaiement, date_paiement: dt.date) -> None:
    if date_paiement > timezone.localdate():
        raise ActionImpossible(
            f"La date de paiement ({date_paiement:%d/%m/%Y}) est à venir : indiquez la date "
            "du relevé bancaire."
        )
    cree_le = timezone.localdate(lot.created_at)
    if date_paiement < cree_le:
        raise ActionImpossible(
            f"La date de paiement ({date_paiement:%d/%m/%Y}) précède la création du lot "
            f"({cree_le:%d/%m/%Y}) : vérifiez-la."
        )


def marquer_lot_paye(
    lot: LotPaiement,
    comptable: Utilisateur,
    date_paiement: dt.date,
    reference_bancaire: str,
) -> list[Versement]:
    """Tous les versements encore « mis en paiement » du lot deviennent payés (les rejetés
    restent rejetés) ; chacun est inscrit au grand livre ; les dossiers terminés sont
    clôturés. Renvoie les versements payés à l'instant (aucun si c'était déjà fait)."""
    _agent(comptable, lot.caf_id, "comptable")
    reference_bancaire = (reference_bancaire or "").strip()
    if not reference_bancaire:
        raise ActionImpossible(
            "Indiquez la référence bancaire du virement (celle du relevé de compte)."
        )
    _verifier_date_paiement(lot, date_paiement)
    with transaction.atomic():
        lot = LotPaiement.objects.select_for_update().get(pk=lot.pk)
        verrouilles = _verrouiller(
            lot.versements.filter(etat__in=EN_BANQUE).values_list("pk", flat=True)
        )
        # Relus sous verrou : un versement rejeté entre-temps n'est pas payé.
        a_payer = [v for v in verrouilles if v.etat in EN_BANQUE]
        verifier_separation(a_payer, comptable)
        for versement in a_payer:
            payer(versement, comptable, date_paiement, reference_bancaire, lot)
        if a_payer:
            lot.traite_le = timezone.now()
            lot.traite_par = comptable
            lot.save(update_fields=["traite_le", "traite_par"])
            annoncer_les_paiements((v.convention for v in a_payer), comptable)
    return a_payer


def rejeter_versement(
    versement: Versement, comptable: Utilisateur, motif: str
) -> tuple[Versement, bool]:
    """La banque a rejeté ce virement : le comptable l'enregistre avec le motif (montré à la
    structure). Renvoie le versement et True s'il vient d'être rejeté."""
    motif = (motif or "").strip()
    with transaction.atomic():
        (versement,) = _verrouiller([versement.pk])
        _agent(comptable, versement.convention.dossier.campagne.caf_id, "comptable")
        if versement.etat == E.REJETE:
            return versement, False
        if not motif:
            raise ActionImpossible(
                "Indiquez le motif du rejet (par exemple « compte clos » ou « IBAN "
                "inconnu ») : il est montré à la structure."
            )
        if versement.etat not in EN_BANQUE:
            raise ActionImpossible(
                f"Ce versement est « {versement.get_etat_display()} » : seul un versement mis "
                "en paiement (ou accepté par la banque) peut être rejeté."
            )
        rejeter(versement, comptable, motif)
    return versement, True


def reemettre(versement: Versement, agent_utilisateur: Utilisateur) -> tuple[Versement, bool]:
    """Un versement rejeté est réémis une fois : un nouveau versement « à valider », de même
    nature et de même montant, qui partira dans un lot suivant (avec le compte de la structure
    tel qu'il sera alors). Renvoie le nouveau versement et True s'il vient d'être créé."""
    with transaction.atomic():
        (versement,) = _verrouiller([versement.pk])
        agent = agent_de(agent_utilisateur)
        if (
            agent is None
            or agent.caf_id != versement.convention.dossier.campagne.caf_id
            or not (agent.est_comptable or agent.est_valideur)
        ):
            raise PermissionDenied(
                "Seul un comptable ou un valideur de la Caf du dossier réémet un versement."
            )
        existant = Versement.objects.filter(reemission_de=versement).first()
        if existant is not None:
            return existant, False
        if versement.etat != E.REJETE:
            raise ActionImpossible(
                f"Ce versement est « {versement.get_etat_display()} » : seul un versement "
                "rejeté peut être réémis."
            )
        if (
            versement.nature == NatureVersement.ACOMPTE
            and versement.convention.montant_definitif is not None  # bilan accepté
        ):
            # La régularisation a compté sans cet acompte rejeté : le solde (ou l'indu) en
            # tient déjà compte ; le réémettre paierait deux fois.
            raise ActionImpossible(
                "Le bilan est accepté : le solde a été calculé sans cet acompte rejeté et le "
                "couvre déjà. Il n'y a rien à réémettre."
            )
        try:
            with transaction.atomic():
                nouveau = Versement.objects.create(
                    convention=versement.convention,
                    nature=versement.nature,
                    montant=versement.montant,
                    reemission_de=versement,
                    caf_id=versement.caf_id,
                )
        except IntegrityError as erreur:
            raise ActionImpossible(
                f"Cette convention a déjà un versement « {versement.get_nature_display()} » en "
                "cours : il n'y a rien à réémettre."
            ) from erreur
        Evenement.noter(
            versement.convention.dossier,
            TypeEvenement.VERSEMENT_REEMIS,
            f"{_quoi(versement)} réémis par {agent_utilisateur} après le rejet : à valider par "
            "la Caf, il partira dans un prochain lot de paiement.",
            auteur=agent_utilisateur,
            objet=nouveau,
            apres=nouveau.etat,
        )
    return nouveau, True
