"""Un jeu de données pour les tableaux de bord : dans une campagne, un dossier de chaque
sorte (déposé, proposé, refusé, accepté et payé avec son bilan à temps, accepté avec un
bilan en retard et un indu en partie remboursé, brouillon), créés directement en base.
Les tests recalculent les chiffres attendus à partir de ces lignes."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from clas.bilans.models import Bilan, EtatBilan, Indu, Remboursement
from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.conventions.models import Convention
from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.models import Decision, NatureDecision
from clas.structures.models import TypeStructure
from clas.versements.models import (
    EtatVersement,
    LotPaiement,
    Mouvement,
    NatureVersement,
    TypeMouvement,
    Versement,
)
from tests.instruction.outils import creer_decision, creer_dossier, creer_proposition

_rangs = itertools.count(1)
E = EtatDossier


def _debut(campagne: Campagne) -> dt.datetime:
    return dt.datetime(int(campagne.annee_scolaire[:4]), 7, 1, 10, tzinfo=dt.UTC)


def _decider(dossier: Dossier, agents: dict[str, Utilisateur], montant, nature, jours: int):
    decision = creer_decision(
        dossier, agents["instructeur"], agents["valideur"], montant, nature=nature
    )
    # La date de la décision : `jours` après le dépôt (auto_now_add l'a mise à maintenant).
    Decision.objects.filter(pk=decision.pk).update(
        decidee_le=dossier.depose_le + dt.timedelta(days=jours)
    )
    decision.refresh_from_db()
    return decision


def _convention(decision: Decision, limite: dt.date) -> Convention:
    return Convention.objects.create(
        dossier=decision.dossier,
        decision=decision,
        montant_maximal=decision.montant,
        taux_acompte=Decimal("0.70"),
        date_limite_bilan=limite,
        signee_par=decision.dossier.cree_par,
        signee_le=decision.decidee_le + dt.timedelta(days=3),
    )


def _payer(convention: Convention, comptable: Utilisateur, paye_le: dt.date) -> Versement:
    montant = (convention.montant_maximal * Decimal("0.70")).quantize(Decimal("0.01"))
    rang = next(_rangs)
    lot = LotPaiement.objects.create(
        caf=convention.dossier.campagne.caf,
        numero=f"LOT-STAT-{rang}",
        date_execution=paye_le,
        nb_versements=1,
        montant_total=montant,
        iban_emetteur="FR7630006000011234567890189",
        bic_emetteur="AGRIFRPP",
        titulaire_emetteur="Caf",
        cree_par=comptable,
    )
    versement = Versement.objects.create(
        convention=convention,
        nature=NatureVersement.ACOMPTE,
        montant=montant,
        etat=EtatVersement.PAYE,
        lot=lot,
        paye_le=paye_le,
    )
    Mouvement.objects.create(
        convention=convention,
        type=TypeMouvement.VERSEMENT_PAYE,
        montant=montant,
        versement=versement,
        motif="Acompte",
        auteur=comptable,
    )
    return versement


def remplir(campagne: Campagne, agents: dict[str, Utilisateur], fois: int = 1) -> None:
    """`fois` fois un dossier de chaque sorte dans la campagne."""
    aujourd_hui = timezone.localdate()
    debut = _debut(campagne)
    for rang in range(fois):
        depot = debut + dt.timedelta(days=rang)
        creer_dossier(
            campagne,
            ps_demandee="2000.00",
            depose_le=depot,
            collectifs=[
                {"nb_enfants": 8, "milieu_rural": True, "bonus_projets_culturels": True},
                {"nb_enfants": 12, "bonus_accompagnement_parents": True},
            ],
        )
        propose = creer_dossier(
            campagne,
            etat=E.EN_INSTRUCTION,
            ps_demandee="1500.00",
            depose_le=depot,
            type_structure=TypeStructure.ASSOCIATION,
        )
        creer_proposition(propose, agents["instructeur"], "1500.00")
        refuse = creer_dossier(campagne, ps_demandee="900.00", depose_le=depot)
        _decider(refuse, agents, None, NatureDecision.REFUS, jours=20 + rang)

        paye = creer_dossier(
            campagne,
            ps_demandee="5000.00",
            depose_le=depot,
            collectifs=[{"nb_enfants": 10, "bonus_projets_culturels": True}, {"nb_enfants": 9}],
        )
        decision = _decider(paye, agents, "4500.00", NatureDecision.ACCORD, jours=30 + rang)
        convention = _convention(decision, limite=aujourd_hui + dt.timedelta(days=30))
        _payer(
            convention, agents["comptable"], (decision.decidee_le + dt.timedelta(days=12)).date()
        )
        Bilan.objects.create(convention=convention, etat=EtatBilan.DEPOSE, depose_le=timezone.now())

        en_retard = creer_dossier(
            campagne,
            ps_demandee="3000.00",
            depose_le=depot,
            type_structure=TypeStructure.COLLECTIVITE,
            collectifs=[{"nb_enfants": 6, "milieu_rural": True}],
        )
        decision = _decider(en_retard, agents, "3000.00", NatureDecision.ACCORD, jours=45)
        convention = _convention(decision, limite=aujourd_hui - dt.timedelta(days=1))
        _payer(
            convention, agents["comptable"], (decision.decidee_le + dt.timedelta(days=20)).date()
        )
        indu = Indu.objects.create(
            convention=convention,
            montant=Decimal("100.00"),
            motif="Trop versé",
            echeance=aujourd_hui - dt.timedelta(days=1),
            notifie_par=agents["valideur"],
        )
        mouvement = Mouvement.objects.create(
            convention=convention,
            type=TypeMouvement.REMBOURSEMENT,
            montant=Decimal("40.00"),
            motif="Remboursement partiel",
            auteur=agents["comptable"],
        )
        Remboursement.objects.create(
            indu=indu,
            montant=Decimal("40.00"),
            recu_le=aujourd_hui,
            enregistre_par=agents["comptable"],
            mouvement=mouvement,
        )

        brouillon = creer_dossier(campagne, etat=E.BROUILLON, ps_demandee="7777.00")
        Dossier.objects.filter(pk=brouillon.pk).update(numero=None, depose_le=None)
