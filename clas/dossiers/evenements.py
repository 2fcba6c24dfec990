"""Le catalogue des événements de l'historique : chaque type a son libellé français, ce
qu'il concerne (le dossier, un versement, le bilan…) et qui le voit (la structure et la
Caf, ou les seuls agents). Un événement d'un type absent du catalogue ne peut pas être
écrit (`Evenement.save`) ; un test vérifie que chaque type a son libellé et sa fiche.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from clas.referentiel.models import TypeEvenementApprobation as TA
from clas.structures.models import TypeEvenementCoordonnees as TC
from clas.structures.models import TypeEvenementTransfert as TT


class ObjetEvenement(models.TextChoices):
    DOSSIER = "dossier", "Dossier"
    PROPOSITION = "proposition", "Proposition de décision"
    CONVENTION = "convention", "Convention"
    AVENANT = "avenant", "Avenant"
    VERSEMENT = "versement", "Versement"
    BILAN = "bilan", "Bilan"
    INDU = "indu", "Indu"
    COORDONNEES = "coordonnees", "Coordonnées bancaires"
    COMPTE_CAF = "compte_caf", "Compte bancaire de la Caf"
    PARAMETRES_BAREME = "parametres_bareme", "Paramètres du barème"
    TRANSFERT = "transfert", "Transfert entre Caf"


class TypeEvenement(models.TextChoices):
    # Le dossier
    CREATION = "creation", "Création du dossier"
    REPRISE = "reprise", "Reprise d'un dossier précédent"
    MODIFICATION = "modification", "Modification du dossier"
    ATTESTATION = "attestation", "Attestation sur l'honneur"
    ATTESTATION_ANNULEE = "attestation_annulee", "Attestation annulée"
    DEPOSER = "deposer", "Dépôt"
    PRENDRE_EN_INSTRUCTION = "prendre_en_instruction", "Prise en instruction"
    ATTRIBUTION = "attribution", "Attribution"
    REATTRIBUTION = "reattribution", "Réattribution"
    CORRECTION = "correction", "Correction de l'instructeur"
    DEMANDER_COMPLEMENTS = "demander_complements", "Demande de compléments"
    RELANCE_COMPLEMENTS = "relance_complements", "Rappel de compléments"
    DEPOSER_COMPLEMENTS = "deposer_complements", "Compléments déposés"
    ACCEPTER = "accepter", "Décision : accord"
    REFUSER = "refuser", "Décision : refus"
    CLASSER_SANS_SUITE = "classer_sans_suite", "Classement sans suite"
    CLOTURER = "cloturer", "Clôture du dossier"
    # La proposition de décision
    PROPOSITION = "proposition", "Proposition de décision"
    PROPOSITION_VALIDEE = "proposition_validee", "Proposition validée"
    RENVOI = "renvoi", "Proposition renvoyée"
    # La convention et ses avenants
    CONVENTION_SIGNEE = "convention_signee", "Convention signée"
    SIGNATURE_REFUSEE = "signature_refusee", "Signature refusée"
    PROPOSITION_AVENANT = "proposition_avenant", "Proposition d'avenant"
    AVENANT = "avenant", "Avenant à la convention"
    AVENANT_RENVOYE = "avenant_renvoye", "Proposition d'avenant renvoyée"
    # Les versements
    ACOMPTE_CREE = "acompte_cree", "Acompte créé"
    SOLDE_CREE = "solde_cree", "Solde créé"
    VERSEMENT_VALIDE = "versement_valide", "Versement validé"
    VERSEMENT_MIS_EN_PAIEMENT = "versement_mis_en_paiement", "Versement mis en paiement"
    VERSEMENT_ACCEPTE_BANQUE = "versement_accepte_banque", "Versement accepté par la banque"
    VERSEMENT_PAYE = "versement_paye", "Versement payé"
    VERSEMENT_REJETE = "versement_rejete", "Versement rejeté par la banque"
    VERSEMENT_REEMIS = "versement_reemis", "Versement réémis"
    # Le bilan et la régularisation
    BILAN_MODIFICATION = "bilan_modification", "Bilan modifié"
    BILAN_DEPOSE = "bilan_depose", "Bilan déposé"
    BILAN_A_CORRIGER = "bilan_a_corriger", "Corrections du bilan demandées"
    BILAN_ACCEPTE = "bilan_accepte", "Bilan accepté"
    RELANCE_BILAN = "relance_bilan", "Rappel du bilan"
    RIEN_A_PAYER = "rien_a_payer", "Régularisation : rien à payer"
    INDU_NOTIFIE = "indu_notifie", "Indu notifié"
    REMBOURSEMENT = "remboursement", "Remboursement reçu"
    INDU_REMBOURSE = "indu_rembourse", "Indu remboursé"
    VERSEMENT_A_REVALIDER = (
        "versement_a_revalider",
        "Versement à valider de nouveau (coordonnées bancaires changées)",
    )
    # Les coordonnées bancaires de la structure (historique de la structure,
    # `structures.EvenementCoordonnees`, hors de tout dossier)
    COORDONNEES_PROPOSEES = TC.PROPOSEES.value, TC.PROPOSEES.label
    COORDONNEES_ACCEPTEES = TC.ACCEPTEES.value, TC.ACCEPTEES.label
    COORDONNEES_REFUSEES = TC.REFUSEES.value, TC.REFUSEES.label
    COORDONNEES_REMPLACEES = TC.REMPLACEES.value, TC.REMPLACEES.label
    # Le compte bancaire de la Caf et les paramètres du barème, à quatre yeux (historiques
    # du référentiel, `referentiel.EvenementCompteCaf` et `EvenementParametres`)
    COMPTE_CAF_PROPOSE = TA.COMPTE_CAF_PROPOSE.value, TA.COMPTE_CAF_PROPOSE.label
    COMPTE_CAF_APPROUVE = TA.COMPTE_CAF_APPROUVE.value, TA.COMPTE_CAF_APPROUVE.label
    COMPTE_CAF_REFUSE = TA.COMPTE_CAF_REFUSE.value, TA.COMPTE_CAF_REFUSE.label
    COMPTE_CAF_REMPLACE = TA.COMPTE_CAF_REMPLACE.value, TA.COMPTE_CAF_REMPLACE.label
    PARAMETRES_PROPOSES = TA.PARAMETRES_PROPOSES.value, TA.PARAMETRES_PROPOSES.label
    PARAMETRES_APPROUVES = TA.PARAMETRES_APPROUVES.value, TA.PARAMETRES_APPROUVES.label
    PARAMETRES_REFUSES = TA.PARAMETRES_REFUSES.value, TA.PARAMETRES_REFUSES.label
    PARAMETRES_REMPLACES = TA.PARAMETRES_REMPLACES.value, TA.PARAMETRES_REMPLACES.label
    # Le transfert d'une structure vers une autre Caf (`structures.EvenementTransfert`)
    TRANSFERT_DEMANDE = TT.DEMANDE.value, TT.DEMANDE.label
    TRANSFERT_CONFIRME = TT.CONFIRME.value, TT.CONFIRME.label
    TRANSFERT_REFUSE = TT.REFUSE.value, TT.REFUSE.label
    TRANSFERT_ANNULE = TT.ANNULE.value, TT.ANNULE.label
    # Une note libre (historique repris, essais)
    NOTE = "note", "Note"


@dataclass(frozen=True)
class Fiche:
    objet: ObjetEvenement
    public: bool  # vu par la structure ; sinon par les seuls agents de la Caf


T, Ob = TypeEvenement, ObjetEvenement
_AGENTS = {
    T.MODIFICATION,
    T.ATTRIBUTION,
    T.REATTRIBUTION,
    T.CORRECTION,
    T.PROPOSITION,
    T.PROPOSITION_VALIDEE,
    T.RENVOI,
    T.SIGNATURE_REFUSEE,
    T.PROPOSITION_AVENANT,
    T.AVENANT_RENVOYE,
    T.BILAN_MODIFICATION,
    T.NOTE,
}
_OBJETS = {
    Ob.PROPOSITION: {T.PROPOSITION, T.PROPOSITION_VALIDEE, T.RENVOI},
    Ob.CONVENTION: {T.CONVENTION_SIGNEE, T.SIGNATURE_REFUSEE},
    Ob.AVENANT: {T.PROPOSITION_AVENANT, T.AVENANT, T.AVENANT_RENVOYE},
    Ob.VERSEMENT: {
        T.ACOMPTE_CREE,
        T.SOLDE_CREE,
        T.VERSEMENT_VALIDE,
        T.VERSEMENT_MIS_EN_PAIEMENT,
        T.VERSEMENT_ACCEPTE_BANQUE,
        T.VERSEMENT_PAYE,
        T.VERSEMENT_REJETE,
        T.VERSEMENT_REEMIS,
        T.VERSEMENT_A_REVALIDER,
    },
    Ob.BILAN: {
        T.BILAN_MODIFICATION,
        T.BILAN_DEPOSE,
        T.BILAN_A_CORRIGER,
        T.BILAN_ACCEPTE,
        T.RELANCE_BILAN,
        T.RIEN_A_PAYER,
    },
    Ob.INDU: {T.INDU_NOTIFIE, T.REMBOURSEMENT, T.INDU_REMBOURSE},
    Ob.COORDONNEES: {
        T.COORDONNEES_PROPOSEES,
        T.COORDONNEES_ACCEPTEES,
        T.COORDONNEES_REFUSEES,
        T.COORDONNEES_REMPLACEES,
    },
    Ob.COMPTE_CAF: {
        T.COMPTE_CAF_PROPOSE,
        T.COMPTE_CAF_APPROUVE,
        T.COMPTE_CAF_REFUSE,
        T.COMPTE_CAF_REMPLACE,
    },
    Ob.PARAMETRES_BAREME: {
        T.PARAMETRES_PROPOSES,
        T.PARAMETRES_APPROUVES,
        T.PARAMETRES_REFUSES,
        T.PARAMETRES_REMPLACES,
    },
    Ob.TRANSFERT: {
        T.TRANSFERT_DEMANDE,
        T.TRANSFERT_CONFIRME,
        T.TRANSFERT_REFUSE,
        T.TRANSFERT_ANNULE,
    },
}


def _objet(type_: TypeEvenement) -> ObjetEvenement:
    for objet, types in _OBJETS.items():
        if type_ in types:
            return objet
    return Ob.DOSSIER


CATALOGUE: dict[str, Fiche] = {
    str(t): Fiche(objet=_objet(t), public=t not in _AGENTS) for t in TypeEvenement
}


def fiche(type_: str) -> Fiche:
    """La fiche d'un type d'événement ; `ValueError` (en français) s'il n'est pas au
    catalogue."""
    try:
        return CATALOGUE[type_]
    except KeyError:
        raise ValueError(
            f"Type d'événement inconnu : « {type_} ». Ajoutez-le au catalogue "
            "(clas/dossiers/evenements.py) avec son libellé."
        ) from None
