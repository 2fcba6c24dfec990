"""Les cas d'usage de la décision : proposer (l'instructeur), valider ou renvoyer (un
second agent, valideur), en un ou plusieurs dossiers à la fois.

Chaque action relit le dossier (et la proposition) sous verrou, vérifie qui agit avec
`capacites_agent` — la même réponse que les gabarits — et refuse côté serveur même si le
bouton est caché. La décision garde l'entrée, les paramètres et le résultat du barème tels
qu'ils étaient au moment de la validation (CLAS.md §2.1) : rien n'est recalculé ensuite.
Lettre PDF et courriel partent après validation de la transaction (`on_commit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clas.bareme import Resultat, entree_vers_json, formater_euros, resultat_vers_json
from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.exceptions import ActionImpossible
from clas.dossiers.etats import TransitionImpossible, appliquer
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Collectif, Dossier, EtatDossier, Evenement, LigneBudget

from .calcul import Comparaison, calculer_instruction, comparer, parametres_de
from .enveloppe import depasse_enveloppe
from .etats import table_de
from .models import (
    Correction,
    Decision,
    MotifRefus,
    NatureDecision,
    ObjetProposition,
    Proposition,
    StatutProposition,
)
from .permissions import capacites_agent
from .signaux import decision_validee


class ValidationParObjet(Protocol):
    def __call__(
        self, proposition: Proposition, dossier: Dossier, valideur: Utilisateur, commentaire: str
    ) -> Any: ...


# Une proposition d'un autre objet que la décision (l'avenant) est validée par l'application
# qui porte cet objet ; elle s'inscrit ici au démarrage (les conventions : `AppConfig.ready`).
VALIDATIONS_PAR_OBJET: dict[str, ValidationParObjet] = {}

__all__ = [
    "ActionImpossible",
    "ValidationEnLot",
    "calcul_du_dossier",
    "proposer",
    "renvoyer",
    "resume",
    "valider",
    "valider_plusieurs",
]

TRANSITIONS_DECISION = {
    NatureDecision.ACCORD: "accepter",
    NatureDecision.REFUS: "refuser",
    NatureDecision.SANS_SUITE: "classer_sans_suite",
}


def calcul_du_dossier(dossier: Dossier) -> tuple[Comparaison, Resultat]:
    """Le barème sur les chiffres retenus par la Caf (déclarés + corrections), avec les
    paramètres de l'année tels qu'ils sont maintenant. Quatre requêtes."""
    collectifs = list(
        Collectif.objects.filter(dossier=dossier)
        .prefetch_related("intervenants")
        .order_by("ordre", "id")
    )
    lignes = list(LigneBudget.objects.filter(dossier=dossier))
    corrections = list(Correction.objects.filter(dossier=dossier).order_by("created_at", "id"))
    comparaison = comparer(dossier, collectifs, lignes, corrections)
    return comparaison, calculer_instruction(comparaison, parametres_de(dossier))


def _verrouiller_dossier(dossier_id: int) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("campagne__caf", "structure")
        .get(pk=dossier_id)
    )


def _en_attente(dossier: Dossier) -> Proposition | None:
    return Proposition.objects.filter(dossier=dossier, statut=StatutProposition.EN_ATTENTE).first()


def _texte(valeur: str | None) -> str:
    return (valeur or "").strip()


def proposer(
    dossier: Dossier,
    auteur: Utilisateur,
    nature: str,
    montant: Decimal | None = None,
    justification_montant: str = "",
    motif_refus: str = "",
    texte: str = "",
    justification_enveloppe: str = "",
) -> Proposition:
    """L'instructeur à qui le dossier est attribué propose un accord (le montant du barème,
    ou moins avec une justification ; jamais plus), un refus (motif de la liste et texte)
    ou un classement sans suite (texte). Lève PermissionDenied, ValidationError (erreurs
    par champ) ou ActionImpossible."""
    justification_montant = _texte(justification_montant)
    justification_enveloppe = _texte(justification_enveloppe)
    texte = _texte(texte)
    with transaction.atomic():
        dossier_verrouille = _verrouiller_dossier(dossier.pk)
        en_attente = _en_attente(dossier_verrouille)
        agent = agent_de(auteur)
        if (
            agent is None
            or agent.caf_id != dossier_verrouille.campagne.caf_id
            or not agent.est_instructeur
            or dossier_verrouille.instructeur_id != auteur.pk
        ):
            raise PermissionDenied(
                "Seul l'instructeur à qui le dossier est attribué propose une décision."
            )
        if en_attente is not None:
            raise ActionImpossible(
                "Une proposition attend déjà d'être validée pour ce dossier : rien n'a été "
                "enregistré."
            )
        if not capacites_agent(dossier_verrouille, auteur, en_attente)["proposer"]:
            raise ActionImpossible(
                "Action impossible : le dossier est "
                f"« {EtatDossier(dossier_verrouille.etat).label} »."
            )

        erreurs: dict[str, str] = {}
        montant_bareme: Decimal | None = None
        if nature not in NatureDecision.values:
            erreurs["nature"] = "Choisissez la décision proposée : accord, refus ou sans suite."
        elif nature == NatureDecision.ACCORD:
            _comparaison, resultat = calcul_du_dossier(dossier_verrouille)
            montant_bareme = resultat.montant_total
            if montant is None:
                montant = montant_bareme
            if montant <= 0:
                erreurs["montant"] = (
                    "Un accord porte sur un montant positif. Si le barème donne 0 €, "
                    "proposez un refus."
                )
            elif montant > montant_bareme:
                erreurs["montant"] = (
                    f"Le montant proposé ({formater_euros(montant)}) ne peut pas dépasser le "
                    f"résultat du barème ({formater_euros(montant_bareme)})."
                )
            elif montant < montant_bareme and not justification_montant:
                erreurs["justification_montant"] = (
                    f"Le montant est inférieur au barème ({formater_euros(montant_bareme)}) : "
                    "justifiez-le."
                )
            if (
                "montant" not in erreurs
                and not justification_enveloppe
                and depasse_enveloppe(dossier_verrouille.campagne, montant)
            ):
                erreurs["justification_enveloppe"] = (
                    "Ce montant dépasse ce qui reste de l'enveloppe de la campagne : "
                    "justifiez ce dépassement."
                )
        elif nature == NatureDecision.REFUS:
            if motif_refus not in MotifRefus.values:
                erreurs["motif_refus"] = "Choisissez le motif du refus."
            if not texte:
                erreurs["texte"] = "Expliquez le refus à la structure."
        elif not texte:
            erreurs["texte"] = "Expliquez à la structure pourquoi le dossier est classé sans suite."
        if erreurs:
            raise ValidationError(erreurs)

        accord = nature == NatureDecision.ACCORD
        try:
            with transaction.atomic():
                proposition = Proposition.objects.create(
                    dossier=dossier_verrouille,
                    nature=nature,
                    montant=montant if accord else None,
                    montant_bareme=montant_bareme,
                    justification_montant=justification_montant if accord else "",
                    motif_refus=motif_refus if nature == NatureDecision.REFUS else "",
                    texte=texte,
                    justification_enveloppe=justification_enveloppe if accord else "",
                    auteur=auteur,
                )
        except IntegrityError:  # filet : la contrainte « une proposition en attente »
            raise ActionImpossible(
                "Une proposition attend déjà d'être validée pour ce dossier : rechargez la page."
            ) from None
        Evenement.noter(
            dossier_verrouille,
            TypeEvenement.PROPOSITION,
            f"Proposition : {resume(proposition)}",
            auteur=auteur,
            objet=proposition,
            apres=proposition.statut,
        )
    return proposition


def resume(proposition: Proposition) -> str:
    """« accord de 4 500,00 € », « refus (Dossier incomplet) », « classement sans suite »,
    « avenant : montant maximal porté à 3 000,00 € »."""
    if proposition.objet == ObjetProposition.AVENANT:
        assert proposition.montant is not None
        return f"avenant : montant maximal porté à {formater_euros(proposition.montant)}"
    if proposition.nature == NatureDecision.ACCORD:
        assert proposition.montant is not None
        return f"accord de {formater_euros(proposition.montant)}"
    if proposition.nature == NatureDecision.REFUS:
        return f"refus ({proposition.get_motif_refus_display()})"
    return "classement sans suite"


def _verrouiller_proposition(proposition: Proposition) -> tuple[Proposition, Dossier]:
    """Dossier puis proposition, sous verrou (le même ordre que les autres actions)."""
    dossier = _verrouiller_dossier(proposition.dossier_id)
    verrouillee = (
        Proposition.objects.select_for_update(of=("self",))
        .select_related("auteur", "traitee_par")
        .get(pk=proposition.pk)
    )
    return verrouillee, dossier


def verifier_valideur(proposition: Proposition, dossier: Dossier, valideur: Utilisateur) -> None:
    """Un valideur de la Caf du dossier, qui n'est pas l'auteur, sur une proposition encore
    en attente."""
    agent = agent_de(valideur)
    if agent is None or agent.caf_id != dossier.campagne.caf_id or not agent.est_valideur:
        raise PermissionDenied("Seul un valideur de la Caf du dossier valide une proposition.")
    if proposition.auteur_id == valideur.pk:
        raise PermissionDenied(
            "Vous êtes l'auteur de cette proposition : un autre agent doit la valider."
        )
    if proposition.statut != StatutProposition.EN_ATTENTE:
        qui = proposition.traitee_par or "un autre agent"
        quand = (
            f" le {timezone.localtime(proposition.traitee_le):%d/%m/%Y à %H:%M}"
            if proposition.traitee_le
            else ""
        )
        action = "validée" if proposition.statut == StatutProposition.VALIDEE else "renvoyée"
        raise ActionImpossible(
            f"Cette proposition a déjà été {action} par {qui}{quand} : rien n'a été modifié."
        )
    if not capacites_agent(dossier, valideur, proposition)["valider"]:
        raise ActionImpossible(
            f"Action impossible : le dossier est « {EtatDossier(dossier.etat).label} »."
        )


def valider(proposition: Proposition, valideur: Utilisateur, commentaire: str = "") -> Any:
    """La décision prend effet : elle garde l'entrée, les paramètres et le résultat du
    barème de ce moment, le dossier passe à accepté, refusé ou sans suite ; puis la lettre
    PDF est produite et envoyée à la structure ; un accord établit sa convention dans la
    même transaction (`decision_validee`). Une proposition d'un autre objet (l'avenant)
    est validée par l'application qui s'est inscrite pour lui (`VALIDATIONS_PAR_OBJET`)."""
    with transaction.atomic():
        proposition, dossier = _verrouiller_proposition(proposition)
        verifier_valideur(proposition, dossier, valideur)
        if proposition.objet != ObjetProposition.DECISION:
            # Un avenant à la convention signée : ni décision ni changement d'état.
            return VALIDATIONS_PAR_OBJET[proposition.objet](
                proposition, dossier, valideur, commentaire
            )
        comparaison, resultat = calcul_du_dossier(dossier)
        if (
            proposition.nature == NatureDecision.ACCORD
            and proposition.montant is not None
            and proposition.montant > resultat.montant_total
        ):
            raise ActionImpossible(
                f"Le barème donne maintenant {formater_euros(resultat.montant_total)}, moins "
                f"que le montant proposé ({formater_euros(proposition.montant)}) : renvoyez "
                "la proposition à l'instructeur."
            )
        traiter(proposition, "valider", valideur, commentaire)
        decision = Decision.objects.create(
            dossier=dossier,
            proposition=proposition,
            nature=proposition.nature,
            montant=proposition.montant if proposition.nature == NatureDecision.ACCORD else None,
            entree_bareme=entree_vers_json(comparaison.retenu),
            parametres=resultat.parametres.vers_dict(),
            resultat=resultat_vers_json(resultat),
            instructeur=proposition.auteur,
            valideur=valideur,
        )
        try:
            appliquer(
                dossier,
                TRANSITIONS_DECISION[NatureDecision(proposition.nature)],
                valideur,
                f"Décision de la Caf : {resume(proposition)}.",
            )
        except TransitionImpossible as erreur:
            raise ActionImpossible(str(erreur)) from None
        decision_validee.send(Decision, decision=decision)
        transaction.on_commit(partial(apres_decision, decision.pk), robust=True)
    return decision


def apres_decision(decision_id: int) -> None:
    """Après validation : la lettre PDF, puis le courriel à la structure avec la lettre."""
    from . import courriels
    from .lettre import generer_lettre

    generer_lettre(Decision.objects.get(pk=decision_id))
    courriels.envoyer_decision(decision_id)


def renvoyer(proposition: Proposition, valideur: Utilisateur, commentaire: str) -> Proposition:
    """Le valideur renvoie la proposition à l'instructeur avec un commentaire : le dossier
    reste en instruction et l'instructeur peut proposer à nouveau."""
    commentaire = _texte(commentaire)
    with transaction.atomic():
        proposition, dossier = _verrouiller_proposition(proposition)
        verifier_valideur(proposition, dossier, valideur)
        if not commentaire:
            raise ValidationError({"commentaire": "Dites à l'instructeur ce qu'il doit revoir."})
        traiter(
            proposition,
            "renvoyer",
            valideur,
            commentaire,
            f"Proposition ({resume(proposition)}) renvoyée à l'instructeur : {commentaire}",
        )
    return proposition


def traiter(
    proposition: Proposition,
    nom: str,
    valideur: Utilisateur,
    commentaire: str,
    description: str = "",
) -> None:
    """La proposition (décision ou avenant) est validée ou renvoyée par ce valideur, avec
    son commentaire : sa table de transitions l'écrit avec l'événement."""
    table_de(proposition).appliquer(
        proposition,
        nom,
        valideur,
        description or f"Proposition ({resume(proposition)}) validée par {valideur}.",
        champs={
            "traitee_par": valideur,
            "traitee_le": timezone.now(),
            "commentaire": _texte(commentaire),
        },
    )


@dataclass
class ValidationEnLot:
    """Le compte rendu d'une validation groupée : chaque proposition, une ligne."""

    validees: list[Any]  # décisions et avenants
    echecs: list[tuple[Proposition, str]]


def valider_plusieurs(propositions: list[Proposition], valideur: Utilisateur) -> ValidationEnLot:
    """Chaque proposition passe par `valider`, une par une, chacune dans sa transaction :
    un échec (sa propre proposition, déjà traitée…) n'empêche pas les autres."""
    compte_rendu = ValidationEnLot(validees=[], echecs=[])
    for proposition in propositions:
        try:
            compte_rendu.validees.append(valider(proposition, valideur))
        except (PermissionDenied, ActionImpossible) as erreur:
            compte_rendu.echecs.append((proposition, str(erreur)))
        except ValidationError as erreur:
            compte_rendu.echecs.append((proposition, " ".join(erreur.messages)))
    return compte_rendu


def renvoyer_apres_transfert(
    sender: object, structure: Any, transfert: Any, auteur: Utilisateur, **kwargs: Any
) -> None:
    """Reçoit `structure_transferee`, après que les dossiers non décidés ont suivi la
    structure (`dossiers.actions.suivre_le_transfert`) : une proposition encore en attente sur
    l'un d'eux a été préparée par l'ancienne Caf ; elle est renvoyée, la nouvelle Caf instruit
    et propose elle-même."""
    en_attente = Proposition.objects.filter(
        dossier__structure_id=structure.pk,
        dossier__campagne__caf_id=transfert.caf_destination_id,
        statut=StatutProposition.EN_ATTENTE,
    )
    for proposition in en_attente:
        commentaire = (
            f"Transfert de la structure à la {transfert.caf_destination.nom} : la proposition "
            f"de la {transfert.caf_origine.nom} est renvoyée, la nouvelle Caf instruit le dossier."
        )
        traiter(proposition, "renvoyer", auteur, commentaire, commentaire)
