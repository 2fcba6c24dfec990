"""Fabriquer des dossiers côté Caf pour les tests de l'instruction : dossiers dans un état
donné, collectifs, propositions et décisions créés directement (sans passer par les vues)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.dossiers.models import Collectif, Dossier, EtatDossier
from clas.instruction.models import Decision, NatureDecision, Proposition, StatutProposition
from clas.structures.models import Structure
from tests.factories import StructureFactory

_rangs = itertools.count(1)


def creer_campagne(
    caf: Any,
    annee: str = "2025-2026",
    *,
    enveloppe: str = "100000.00",
    ouverte: bool = False,
    cree_par: Utilisateur,
) -> Campagne:
    """Une campagne de la Caf ; `ouverte` : dépôts ouverts aujourd'hui, sinon clos."""
    maintenant = timezone.now()
    if ouverte:
        ouverture, cloture = maintenant - dt.timedelta(days=5), maintenant + dt.timedelta(days=30)
    else:
        debut = int(annee[:4])
        ouverture = dt.datetime(debut, 5, 1, tzinfo=dt.UTC)
        cloture = dt.datetime(debut, 6, 30, tzinfo=dt.UTC)
    return Campagne.objects.create(
        caf=caf,
        annee_scolaire=annee,
        titre=f"Appel à projets Clas {annee}",
        ouverture=ouverture,
        cloture=cloture,
        enveloppe=Decimal(enveloppe),
        cree_par=cree_par,
    )


def creer_dossier(
    campagne: Campagne,
    *,
    etat: str = EtatDossier.DEPOSE,
    structure: Structure | None = None,
    ps_demandee: str | Decimal | None = "1000.00",
    instructeur: Utilisateur | None = None,
    depose_le: dt.datetime | None = None,
    numero: str | None = None,
    collectifs: list[dict[str, Any]] | None = None,
    **champs_structure: Any,
) -> Dossier:
    """Un dossier déposé (numéroté) de la campagne ; une structure neuve de la Caf si
    `structure` n'est pas donnée (`champs_structure` : nom, commune, type_structure, siret…).
    `collectifs` : les champs de chaque collectif (un collectif simple par défaut)."""
    rang = next(_rangs)
    if structure is None:
        structure = StructureFactory(caf=campagne.caf, **champs_structure)
    dossier = Dossier.objects.create(
        structure=structure,
        campagne=campagne,
        etat=etat,
        numero=numero or f"CLAS-{campagne.caf.code}-{campagne.annee_scolaire}-{rang:05d}",
        ps_demandee=None if ps_demandee is None else Decimal(str(ps_demandee)),
        instructeur=instructeur,
        depose_le=depose_le or timezone.now(),
        cree_par=campagne.cree_par,
        titre=f"Projet {rang}",
    )
    for ordre, champs in enumerate(collectifs if collectifs is not None else [{}]):
        Collectif.objects.create(
            dossier=dossier,
            ordre=ordre,
            nom=champs.pop("nom", f"Collectif {ordre + 1}"),
            nb_enfants=champs.pop("nb_enfants", 10),
            semaines_de_fonctionnement=champs.pop("semaines_de_fonctionnement", 30),
            **champs,
        )
    return dossier


def creer_proposition(
    dossier: Dossier,
    auteur: Utilisateur,
    montant: str | Decimal | None = "1000.00",
    *,
    nature: str = NatureDecision.ACCORD,
    statut: str = StatutProposition.EN_ATTENTE,
) -> Proposition:
    return Proposition.objects.create(
        dossier=dossier,
        nature=nature,
        montant=None if montant is None else Decimal(str(montant)),
        auteur=auteur,
        statut=statut,
        motif_refus="autre" if nature == NatureDecision.REFUS else "",
    )


ETAT_APRES_DECISION = {
    NatureDecision.ACCORD: EtatDossier.ACCEPTE,
    NatureDecision.REFUS: EtatDossier.REFUSE,
    NatureDecision.SANS_SUITE: EtatDossier.SANS_SUITE,
}


def creer_decision(
    dossier: Dossier,
    instructeur: Utilisateur,
    valideur: Utilisateur,
    montant: str | Decimal | None = "1000.00",
    *,
    nature: str = NatureDecision.ACCORD,
) -> Decision:
    """Une décision prise (et sa proposition validée) ; le dossier passe dans l'état final."""
    proposition = creer_proposition(
        dossier, instructeur, montant, nature=nature, statut=StatutProposition.VALIDEE
    )
    Dossier.objects.filter(pk=dossier.pk).update(etat=ETAT_APRES_DECISION[nature])
    return Decision.objects.create(
        dossier=dossier,
        proposition=proposition,
        nature=nature,
        montant=proposition.montant,
        instructeur=instructeur,
        valideur=valideur,
    )
