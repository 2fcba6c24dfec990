"""Les cas d'usage de la convention : l'établir après un accord, la signer (un signataire de
la structure, après avoir saisi à nouveau son mot de passe), arrêter son montant définitif.
La signature envoie `convention_signee` dans sa transaction : l'application des versements
y crée l'acompte.

Tout vient de ce que la décision a gardé (montant, paramètres du barème) : le taux
d'acompte est celui de la décision, jamais celui des paramètres actuels (CLAS.md §2.1).
L'argent est sûr face à la répétition : la convention et l'acompte sont lus sous verrou, et
la base refuse un second acompte (`un_versement_actif_par_nature`) ; un second clic ou une
requête rejouée montre simplement que la convention est déjà signée.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clas.bareme import arrondir
from clas.comptes.models import Utilisateur
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Dossier, Evenement
from clas.instruction.models import Decision, NatureDecision

from .models import Convention
from .permissions import peut_signer
from .signaux import convention_signee

__all__ = [
    "MotDePasseIncorrect",
    "Signature",
    "arreter_montant_definitif",
    "date_limite_bilan",
    "etablir_convention",
    "montant_acompte",
    "signer",
    "taux_acompte_de",
]

LONGUEUR_NAVIGATEUR = 300
LONGUEUR_IP = 45


class MotDePasseIncorrect(Exception):
    """Le mot de passe saisi pour signer n'est pas celui du compte : rien n'est signé."""


# Après 5 mots de passe erronés en 15 minutes, la signature est suspendue un moment : on ne
# devine pas un mot de passe en essayant depuis la page de signature.
ESSAIS_MAXIMUM = 5
FENETRE_ESSAIS = dt.timedelta(minutes=15)
TYPE_ESSAI_REFUSE = TypeEvenement.SIGNATURE_REFUSEE


def _essais_refuses(dossier: Dossier, utilisateur: Utilisateur) -> int:
    return Evenement.objects.filter(
        dossier=dossier,
        auteur=utilisateur,
        type=TYPE_ESSAI_REFUSE,
        created_at__gte=timezone.now() - FENETRE_ESSAIS,
    ).count()


def taux_acompte_de(decision: Decision) -> Decimal:
    """Le taux d'acompte gardé par la décision (`parametres["taux_acompte"]["valeur"]`)."""
    try:
        return Decimal(str(decision.parametres["taux_acompte"]["valeur"]))
    except (KeyError, TypeError) as erreur:
        raise ValidationError(
            "La décision n'a pas gardé de taux d'acompte : la convention ne peut pas être établie."
        ) from erreur


def date_limite_bilan(dossier: Dossier) -> dt.date:
    """Celle de la campagne, sinon le 30 septembre qui suit la fin de l'année scolaire
    (2026-2027 → 30/09/2027)."""
    campagne = dossier.campagne
    if campagne.date_limite_bilan:
        return campagne.date_limite_bilan
    fin = int(campagne.annee_scolaire.split("-")[1])
    return dt.date(fin, 9, 30)


def montant_acompte(convention: Convention) -> Decimal:
    """Taux d'acompte × montant décidé, arrondi au centime (demi-centime vers le haut)."""
    return arrondir(convention.taux_acompte * convention.montant_maximal)


def etablir_convention(decision: Decision) -> Convention | None:
    """La convention d'un accord, établie une seule fois (relue sous verrou du dossier) ;
    son PDF est produit après la transaction (`reparer_conventions` le refait s'il manque).
    Rien pour un refus ou un classement sans suite."""
    if decision.nature != NatureDecision.ACCORD or decision.montant is None:
        return None
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("campagne")
            .get(pk=decision.dossier_id)
        )
        convention = Convention.objects.filter(dossier=dossier).first()
        if convention is None:
            try:
                with transaction.atomic():
                    convention = Convention.objects.create(
                        dossier=dossier,
                        decision=decision,
                        montant_maximal=decision.montant,
                        taux_acompte=taux_acompte_de(decision),
                        date_limite_bilan=date_limite_bilan(dossier),
                    )
            except IntegrityError:  # filet : établie entre-temps par un autre processus
                convention = Convention.objects.get(dossier=dossier)
        if not convention.pdf:
            transaction.on_commit(partial(produire_pdf, convention.pk), robust=True)
    return convention


def etablir_a_la_decision(sender: object, decision: Decision, **kwargs: object) -> None:
    """Reçoit `decision_validee` : l'accord et sa convention sont enregistrés ensemble."""
    etablir_convention(decision)


def produire_pdf(convention_id: int) -> None:
    """Le PDF de la convention, s'il n'est pas encore produit."""
    from .pdf import generer_pdf

    generer_pdf(Convention.objects.get(pk=convention_id))


@dataclass
class Signature:
    """Le compte rendu d'une signature : `deja_signee` si un autre clic l'avait faite."""

    convention: Convention
    deja_signee: bool


def signer(
    convention: Convention,
    utilisateur: Utilisateur,
    mot_de_passe: str,
    adresse_ip: str = "",
    navigateur: str = "",
) -> Signature:
    """Le signataire signe après avoir saisi son mot de passe : qui, quand, depuis quelle
    adresse et quel navigateur sont gardés ; l'acompte est créé dans la même transaction.
    Lève PermissionDenied ou MotDePasseIncorrect ; une convention déjà signée est renvoyée
    telle quelle (`deja_signee`), sans second acompte."""
    with transaction.atomic():
        convention = (
            Convention.objects.select_for_update(of=("self",))
            .select_related("dossier", "signee_par")
            .get(pk=convention.pk)
        )
        dossier = convention.dossier
        if not peut_signer(dossier, utilisateur):
            raise PermissionDenied(
                "Seul un signataire ou un administrateur de la structure signe la convention."
            )
        if convention.est_signee:
            # Un second clic : rien de plus, sinon ce que la signature aurait dû faire.
            convention_signee.send(Convention, convention=convention, auteur=convention.signee_par)
            return Signature(convention=convention, deja_signee=True)
        if _essais_refuses(dossier, utilisateur) >= ESSAIS_MAXIMUM:
            raise MotDePasseIncorrect(
                f"{ESSAIS_MAXIMUM} mots de passe erronés en moins de "
                f"{FENETRE_ESSAIS.seconds // 60} minutes : la signature est suspendue. "
                "Réessayez dans un quart d'heure, ou réinitialisez votre mot de passe."
            )
        mot_de_passe_correct = bool(mot_de_passe) and utilisateur.check_password(mot_de_passe)
        if mot_de_passe_correct:
            return _signer(convention, utilisateur, adresse_ip, navigateur)
    # Hors de la transaction de signature : l'essai refusé reste inscrit (interne à la Caf).
    Evenement.noter(
        dossier,
        TYPE_ESSAI_REFUSE,
        "Signature de la convention refusée : mot de passe incorrect.",
        auteur=utilisateur,
        objet=convention,
    )
    restants = ESSAIS_MAXIMUM - _essais_refuses(dossier, utilisateur)
    raise MotDePasseIncorrect(
        "Mot de passe incorrect : la convention n'a pas été signée. Saisissez le mot "
        f"de passe de votre compte ({restants} essai{'s' if restants > 1 else ''} "
        "avant suspension)."
        if restants > 0
        else "Mot de passe incorrect : la signature est suspendue pour un quart d'heure."
    )


def _signer(
    convention: Convention, utilisateur: Utilisateur, adresse_ip: str, navigateur: str
) -> Signature:
    """La signature elle-même, dans la transaction de `signer`, convention verrouillée."""
    dossier = convention.dossier
    convention.signee_par = utilisateur
    convention.signee_le = timezone.now()
    convention.signee_depuis = (adresse_ip or "")[:LONGUEUR_IP]
    convention.signee_navigateur = (navigateur or "")[:LONGUEUR_NAVIGATEUR]
    convention.save(update_fields=["signee_par", "signee_le", "signee_depuis", "signee_navigateur"])
    Evenement.noter(
        dossier,
        TypeEvenement.CONVENTION_SIGNEE,
        (
            f"Convention signée par {utilisateur} le "
            f"{timezone.localtime(convention.signee_le):%d/%m/%Y à %H:%M}."
        ),
        auteur=utilisateur,
        objet=convention,
    )
    convention_signee.send(Convention, convention=convention, auteur=utilisateur)
    transaction.on_commit(partial(_pdf_signe, convention.pk), robust=True)
    return Signature(convention=convention, deja_signee=False)


def _pdf_signe(convention_id: int) -> None:
    """Le PDF est produit à nouveau avec la mention de la signature."""
    from .pdf import generer_pdf

    generer_pdf(Convention.objects.get(pk=convention_id), remplacer=True)


def arreter_montant_definitif(convention: Convention, montant: Decimal) -> None:
    """Le montant définitif de la convention, arrêté à l'acceptation du bilan (dans sa
    transaction) : plus aucun avenant ensuite."""
    Convention.objects.filter(pk=convention.pk).update(montant_definitif=montant)
    convention.montant_definitif = montant
