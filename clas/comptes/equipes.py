"""L'équipe d'une Caf : qui la gère, inviter un agent, changer ses rôles, le désactiver ou le
réactiver. Chaque changement écrit une ligne du journal de l'équipe (`EvenementAgent`).

L'administration nationale gère toutes les Caf et seule nomme ou retire un responsable ; le
responsable d'une Caf gère les autres agents de sa Caf (ni lui-même, ni un autre
responsable : personne ne s'enferme dehors).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .models import AgentCaf, EvenementAgent, Utilisateur
from .roles import agent_de

Type = EvenementAgent.Type


@dataclass(frozen=True)
class Role:
    champ: str
    libelle: str
    aide: str


ROLES = (
    Role("est_instructeur", "Instructeur", "Instruit les dossiers et propose les décisions."),
    Role("est_valideur", "Valideur", "Valide les décisions proposées par un autre agent."),
    Role("est_comptable", "Comptable", "Met les versements en paiement, suit les indus."),
    Role(
        "est_responsable",
        "Responsable",
        "Invite et gère les agents de la Caf, attribue les dossiers aux instructeurs.",
    ),
)
CHAMPS_ROLES = tuple(r.champ for r in ROLES)


def libelle_roles(roles: Iterable[str]) -> str:
    """« instructeur, valideur » : pour le journal, dans l'ordre de ROLES."""
    choisis = set(roles)
    return ", ".join(r.libelle.lower() for r in ROLES if r.champ in choisis)


def roles_de(agent: AgentCaf) -> set[str]:
    return {champ for champ in CHAMPS_ROLES if getattr(agent, champ)}


# --- Qui gère quoi ------------------------------------------------------------------------


def est_responsable_de(utilisateur: Utilisateur, caf_id: int) -> bool:
    agent = agent_de(utilisateur)
    return agent is not None and agent.actif and agent.est_responsable and agent.caf_id == caf_id


def peut_gerer_equipe(utilisateur: Utilisateur, caf_id: int) -> bool:
    """L'administration nationale, ou un responsable de cette Caf."""
    return bool(utilisateur.est_admin_national) or est_responsable_de(utilisateur, caf_id)


def capacites_equipe(utilisateur: Utilisateur, agent: AgentCaf) -> dict[str, bool]:
    """Ce que `utilisateur` peut faire de la fiche de `agent` (vues, gabarits et actions)."""
    national = bool(utilisateur.est_admin_national)
    gestionnaire = peut_gerer_equipe(utilisateur, agent.caf_id)
    # Un responsable ne touche ni à lui-même ni à un autre responsable.
    touchable = gestionnaire and (
        national or (not agent.est_responsable and agent.utilisateur_id != utilisateur.pk)
    )
    return {
        "voir": gestionnaire,
        "modifier_roles": touchable and agent.actif,
        "nommer_responsable": national and agent.actif,
        "desactiver": touchable and agent.actif,
        "reactiver": touchable and not agent.actif,
        "renvoyer_invitation": touchable and agent.actif and agent.invitation_en_attente,
    }


def _exiger(utilisateur: Utilisateur, agent: AgentCaf, capacite: str) -> None:
    if not capacites_equipe(utilisateur, agent)[capacite]:
        raise PermissionDenied(REFUS[capacite])


REFUS = {
    "modifier_roles": "Vous ne pouvez pas changer les rôles de cet agent : un responsable "
    "gère les autres agents de sa Caf, l'administration nationale gère les responsables.",
    "desactiver": "Vous ne pouvez pas désactiver cet agent : un responsable gère les autres "
    "agents de sa Caf, l'administration nationale gère les responsables.",
    "reactiver": "Vous ne pouvez pas réactiver cet agent.",
    "renvoyer_invitation": "Cet agent a déjà choisi son mot de passe, ou vous ne gérez pas "
    "son équipe.",
}


# --- Le journal ---------------------------------------------------------------------------


def journaliser(
    agent: AgentCaf,
    type_: str,
    auteur: Utilisateur | None,
    avant: Iterable[str] = (),
    apres: Iterable[str] = (),
    motif: str = "",
) -> EvenementAgent:
    return EvenementAgent.objects.create(
        agent=agent,
        caf_id=agent.caf_id,
        type=type_,
        auteur=auteur,
        roles_avant=libelle_roles(avant),
        roles_apres=libelle_roles(apres),
        motif=motif,
    )


# --- Les actions --------------------------------------------------------------------------


def _verifier_roles(roles: set[str], auteur: Utilisateur, avant: set[str]) -> None:
    if not roles:
        raise ValidationError({"roles": "Choisissez au moins un rôle."})
    if ("est_responsable" in roles) != ("est_responsable" in avant) and not (
        auteur.est_admin_national
    ):
        raise ValidationError(
            {"roles": "Seule l'administration nationale nomme ou retire un responsable."}
        )


@transaction.atomic
def inviter(
    caf_id: int, email: str, prenom: str, nom: str, roles: set[str], auteur: Utilisateur
) -> AgentCaf:
    """Crée le compte de l'agent (sans mot de passe : il le choisira depuis l'invitation)."""
    if not peut_gerer_equipe(auteur, caf_id):
        raise PermissionDenied(
            "Seuls un responsable de la Caf ou l'administration nationale invitent."
        )
    email = email.strip().lower()
    _verifier_roles(roles, auteur, set())
    if Utilisateur.objects.filter(email=email).exists():
        raise ValidationError(
            {
                "email": "Cette adresse a déjà un compte sur la plateforme : un agent de Caf a "
                "une adresse qui ne sert qu'à lui. Vérifiez l'adresse, ou retrouvez l'agent "
                "dans la liste de l'équipe."
            }
        )
    utilisateur = Utilisateur.objects.create_user(email, None, prenom=prenom, nom=nom)
    agent = AgentCaf.objects.create(
        utilisateur=utilisateur, caf_id=caf_id, **{c: c in roles for c in CHAMPS_ROLES}
    )
    journaliser(agent, Type.INVITATION, auteur, apres=roles)
    return agent


def _verrouiller(agent: AgentCaf) -> AgentCaf:
    return AgentCaf.objects.select_for_update().select_related("utilisateur").get(pk=agent.pk)


@transaction.atomic
def changer_roles(agent: AgentCaf, roles: set[str], auteur: Utilisateur) -> bool:
    """Vrai si les rôles ont changé (rien n'est journalisé sinon)."""
    verrouille = _verrouiller(agent)
    _exiger(auteur, verrouille, "modifier_roles")
    avant = roles_de(verrouille)
    _verifier_roles(roles, auteur, avant)
    if roles == avant:
        return False
    for champ in CHAMPS_ROLES:
        setattr(verrouille, champ, champ in roles)
    verrouille.save(update_fields=list(CHAMPS_ROLES))
    journaliser(verrouille, Type.ROLES_CHANGES, auteur, avant=avant, apres=roles)
    agent.refresh_from_db()
    return True


@transaction.atomic
def desactiver(agent: AgentCaf, auteur: Utilisateur, motif: str = "") -> None:
    """L'agent ne se connecte plus (ses sessions tombent : Django refuse un compte inactif) ;
    ses dossiers restent à lui jusqu'à leur réattribution."""
    verrouille = _verrouiller(agent)
    _exiger(auteur, verrouille, "desactiver")
    verrouille.actif = False
    verrouille.save(update_fields=["actif"])
    Utilisateur.objects.filter(pk=verrouille.utilisateur_id).update(is_active=False)
    journaliser(verrouille, Type.DESACTIVATION, auteur, motif=motif.strip())
    agent.refresh_from_db()


@transaction.atomic
def reactiver(agent: AgentCaf, auteur: Utilisateur) -> None:
    verrouille = _verrouiller(agent)
    _exiger(auteur, verrouille, "reactiver")
    verrouille.actif = True
    verrouille.save(update_fields=["actif"])
    Utilisateur.objects.filter(pk=verrouille.utilisateur_id).update(is_active=True)
    journaliser(verrouille, Type.REACTIVATION, auteur, apres=roles_de(verrouille))
    agent.refresh_from_db()


# --- L'invitation ------------------------------------------------------------------------


class JetonInvitation(PasswordResetTokenGenerator):
    """Le lien signé de l'invitation : il ne sert qu'une fois (le mot de passe choisi change
    le hachage) et tombe si l'agent est désactivé entre-temps."""

    key_salt = "clas.comptes.equipes.invitation"

    def _make_hash_value(self, user: Utilisateur, timestamp: int) -> str:
        agent = AgentCaf.objects.filter(utilisateur_id=user.pk).first()
        actif = agent is not None and agent.actif
        return f"{super()._make_hash_value(user, timestamp)}{actif}"


jeton_invitation = JetonInvitation()


def validite_jours() -> int:
    return int(settings.PASSWORD_RESET_TIMEOUT // 86400)


def lien_invitation(request: HttpRequest, agent: AgentCaf) -> str:
    utilisateur = agent.utilisateur
    return request.build_absolute_uri(
        reverse(
            "invitation_accepter",
            args=[
                urlsafe_base64_encode(force_bytes(utilisateur.pk)),
                jeton_invitation.make_token(utilisateur),
            ],
        )
    )


def envoyer_invitation(
    request: HttpRequest, agent: AgentCaf, auteur: Utilisateur, renvoi: bool = False
) -> None:
    """Le courriel part après la transaction (une panne d'envoi est retentée par le backend)."""
    if renvoi:
        _exiger(auteur, agent, "renvoyer_invitation")
        journaliser(agent, Type.INVITATION_RENVOYEE, auteur, apres=roles_de(agent))
    contexte = {
        "agent": agent,
        "caf": agent.caf,
        "auteur": auteur,
        "roles": libelle_roles(roles_de(agent)),
        "lien": lien_invitation(request, agent),
        "validite_jours": validite_jours(),
    }
    sujet = render_to_string("comptes/email_invitation_sujet.txt", contexte).strip()
    corps = render_to_string("comptes/email_invitation.txt", contexte)
    destinataire = agent.utilisateur.email
    transaction.on_commit(lambda: send_mail(sujet, corps, None, [destinataire]))


def agent_invite(uidb64: str, jeton: str) -> AgentCaf | None:
    """L'agent dont le lien d'invitation est valable, ou None."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    agent = AgentCaf.objects.select_related("utilisateur", "caf").filter(utilisateur_id=pk).first()
    if agent is None or not agent.actif or not agent.invitation_en_attente:
        return None
    if not jeton_invitation.check_token(agent.utilisateur, jeton):
        return None
    return agent


@transaction.atomic
def accepter_invitation(agent: AgentCaf, mot_de_passe: str) -> Utilisateur:
    utilisateur = agent.utilisateur
    utilisateur.set_password(mot_de_passe)
    utilisateur.save(update_fields=["password"])
    journaliser(agent, Type.INVITATION_ACCEPTEE, utilisateur, apres=roles_de(agent))
    return utilisateur
