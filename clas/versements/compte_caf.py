"""Le compte bancaire d'où une Caf paie (émetteur de ses fichiers SEPA), à quatre yeux : un
valideur de la Caf propose un compte ; il reste « à approuver » — les lots partent de
l'ancien — jusqu'à ce qu'un autre agent habilité de la même Caf (valideur ou comptable,
jamais l'auteur) l'approuve ou le refuse avec un motif. Chaque proposition, approbation,
refus et remplacement est inscrit à l'historique de la Caf (comptes masqués), avec son
auteur. Les transitions sont celles de la table `referentiel.etats.COMPTE_CAF`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.exceptions import ActionImpossible
from clas.core.validators import masquer_iban, normaliser_iban, valider_bic, valider_iban
from clas.journal.chaine import champs_de, noter_changements
from clas.referentiel.etats import COMPTE_CAF
from clas.referentiel.models import (
    Caf,
    ChangementCompteCaf,
    EtatApprobation,
    EvenementCompteCaf,
    TypeEvenementApprobation,
)

logger = logging.getLogger("clas.paiements")

REFUS_PROPOSITION = "Seul un valideur de la Caf propose un nouveau compte bancaire."
REFUS_EXAMEN = (
    "Seul un valideur ou un comptable de la Caf approuve ou refuse un changement de son "
    "compte bancaire."
)
REFUS_SEPARATION = (
    "Vous avez proposé ce compte : un autre valideur ou un comptable de la Caf doit "
    "l'approuver (séparation des tâches)."
)


@dataclass(frozen=True)
class Compte:
    titulaire: str
    iban: str
    bic: str

    @classmethod
    def saisi(cls, titulaire: str, iban: str, bic: str) -> Compte:
        return cls(" ".join((titulaire or "").split()), normaliser_iban(iban), _bic(bic))

    @classmethod
    def de(cls, caf: Caf) -> Compte:
        return cls(caf.titulaire_compte, caf.iban, caf.bic)

    @classmethod
    def propose(cls, changement: ChangementCompteCaf) -> Compte:
        return cls(changement.titulaire_compte, changement.iban, changement.bic)

    @classmethod
    def ancien(cls, changement: ChangementCompteCaf) -> Compte:
        return cls(changement.ancien_titulaire, changement.ancien_iban, changement.ancien_bic)

    def __str__(self) -> str:
        if not self.iban:
            return "aucun compte"
        return f"{masquer_iban(self.iban)} (BIC {self.bic or '—'}, {self.titulaire or '—'})"


def _bic(bic: str) -> str:
    return (bic or "").strip().upper()


def changement_en_attente(caf: Caf) -> ChangementCompteCaf | None:
    """Le compte proposé que personne n'a encore approuvé ni refusé."""
    return (
        ChangementCompteCaf.objects.filter(caf_id=caf.pk, etat=EtatApprobation.A_APPROUVER)
        .select_related("propose_par")
        .first()
    )


def peut_proposer(utilisateur: Utilisateur, caf: Caf) -> bool:
    agent = agent_de(utilisateur)
    return agent is not None and agent.caf_id == caf.pk and agent.est_valideur


def peut_examiner(utilisateur: Utilisateur, changement: ChangementCompteCaf) -> bool:
    """Un valideur ou un comptable de la Caf, qui n'a pas proposé ce compte."""
    agent = agent_de(utilisateur)
    return (
        agent is not None
        and agent.caf_id == changement.caf_id
        and (agent.est_valideur or agent.est_comptable)
        and changement.propose_par_id != utilisateur.pk
    )


def _verifier(compte: Compte) -> None:
    erreurs: dict[str, list[str]] = {}
    for champ, valeur, valider in (
        ("iban", compte.iban, valider_iban),
        ("bic", compte.bic, valider_bic),
    ):
        try:
            valider(valeur)
        except ValidationError as erreur:
            erreurs[champ] = erreur.messages
    for champ, valeur, libelle in (
        ("titulaire_compte", compte.titulaire, "le titulaire du compte"),
        ("iban", compte.iban, "l'IBAN"),
        ("bic", compte.bic, "le BIC"),
    ):
        if not valeur:
            erreurs.setdefault(champ, []).append(f"Renseignez {libelle}.")
    if erreurs:
        raise ValidationError(erreurs)


@transaction.atomic
def proposer_compte_caf(
    caf: Caf, valideur: Utilisateur, titulaire: str, iban: str, bic: str
) -> ChangementCompteCaf | None:
    """Un valideur de la Caf propose un compte : « à approuver » par un autre agent
    habilité ; une proposition encore en attente est remplacée. Revenir au compte en
    vigueur annule la proposition en attente ; renvoie None quand il n'y a rien à
    approuver."""
    if not peut_proposer(valideur, caf):
        raise PermissionDenied(REFUS_PROPOSITION)
    nouveau = Compte.saisi(titulaire, iban, bic)
    _verifier(nouveau)
    caf = Caf.objects.select_for_update().get(pk=caf.pk)
    actuel = Compte.de(caf)
    en_attente = changement_en_attente(caf)
    if en_attente is not None and Compte.propose(en_attente) == nouveau:
        return en_attente  # déjà proposé : rien de neuf
    if en_attente is not None:
        COMPTE_CAF.appliquer(
            en_attente,
            "remplacer",
            valideur,
            f"Remplacée par {valideur} avant d'être approuvée : {Compte.propose(en_attente)}.",
        )
    if nouveau == actuel:
        return None
    changement = ChangementCompteCaf.objects.create(
        caf=caf,
        titulaire_compte=nouveau.titulaire,
        iban=nouveau.iban,
        bic=nouveau.bic,
        ancien_titulaire=actuel.titulaire,
        ancien_iban=actuel.iban,
        ancien_bic=actuel.bic,
        propose_par=valideur,
    )
    EvenementCompteCaf.objects.create(
        caf=caf,
        changement=changement,
        type=TypeEvenementApprobation.COMPTE_CAF_PROPOSE,
        auteur=valideur,
        etat_apres=changement.etat,
        description=(
            f"{valideur} propose un nouveau compte : {actuel} → {nouveau}. Un autre valideur "
            "ou un comptable de la Caf doit l'approuver ; d'ici là, "
            + ("les lots partent du compte en vigueur." if actuel.iban else "aucun lot ne part.")
        ),
    )
    logger.info(
        "Compte bancaire de la Caf %s proposé par %s : %s → %s.",
        caf.code,
        valideur.email,
        masquer_iban(actuel.iban) or "(aucun)",
        masquer_iban(nouveau.iban),
    )
    return changement


def _examinateur(changement: ChangementCompteCaf, agent: Utilisateur) -> None:
    if changement.propose_par_id == agent.pk:
        raise ActionImpossible(REFUS_SEPARATION)
    if not peut_examiner(agent, changement):
        raise PermissionDenied(REFUS_EXAMEN)


@transaction.atomic
def approuver_compte_caf(changement: ChangementCompteCaf, agent: Utilisateur) -> Caf:
    """Un second agent approuve : le compte proposé devient celui d'où partent les
    prochains lots de la Caf."""
    _examinateur(changement, agent)
    caf = Caf.objects.select_for_update().get(pk=changement.caf_id)
    maintenant = timezone.now()
    ancien, nouveau = Compte.de(caf), Compte.propose(changement)
    COMPTE_CAF.appliquer(
        changement,
        "approuver",
        agent,
        f"Proposé par {changement.propose_par}, approuvé par {agent} : {ancien} → {nouveau}. "
        "Les prochains lots partent de ce compte.",
        champs={"examine_par": agent, "examine_le": maintenant},
    )
    avant = champs_de(caf)
    caf.titulaire_compte, caf.iban, caf.bic = nouveau.titulaire, nouveau.iban, nouveau.bic
    caf.compte_modifie_par = agent
    caf.compte_modifie_le = maintenant
    caf.save(
        update_fields=["titulaire_compte", "iban", "bic", "compte_modifie_par", "compte_modifie_le"]
    )
    noter_changements(caf, avant, "compte_caf_change", agent.pk)
    logger.info(
        "Compte bancaire de la Caf %s approuvé par %s (proposé par %s) : %s → %s.",
        caf.code,
        agent.email,
        changement.propose_par.email,
        masquer_iban(ancien.iban) or "(aucun)",
        masquer_iban(nouveau.iban),
    )
    return caf


@transaction.atomic
def refuser_compte_caf(
    changement: ChangementCompteCaf, agent: Utilisateur, motif: str
) -> ChangementCompteCaf:
    """Un second agent refuse, avec le motif : le compte en vigueur reste celui des lots."""
    motif = " ".join((motif or "").split())
    _examinateur(changement, agent)
    if not motif:
        raise ValidationError(
            {"motif": ["Indiquez le motif du refus : il est inscrit à l'historique du compte."]}
        )
    COMPTE_CAF.appliquer(
        changement,
        "refuser",
        agent,
        f"Proposé par {changement.propose_par}, refusé par {agent} : {motif} Le compte en "
        f"vigueur reste {Compte.ancien(changement)}.",
        champs={"examine_par": agent, "examine_le": timezone.now(), "motif_refus": motif},
    )
    return changement
