"""Les données personnelles d'une personne, à télécharger (droit d'accès et à la
portabilité, RGPD art. 15 et 20) : son compte, ses rattachements, ce qu'elle a écrit, ses
sessions et connexions, ses jetons d'API (jamais leur secret)."""

from __future__ import annotations

import json
from typing import Any

from axes.models import AccessLog
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clas.api.models import JetonApi
from clas.comptes.models import AgentCaf, EvenementDoubleFacteur, Utilisateur
from clas.dossiers.models import Message
from clas.instruction.models import Annotation
from clas.structures.models import MembreStructure


def _compte(u: Utilisateur) -> dict[str, Any]:
    return {
        "identifiant": u.pk,
        "adresse_electronique": u.email,
        "prenom": u.prenom,
        "nom": u.nom,
        "cree_le": u.created_at,
        "derniere_connexion": u.last_login,
        "administrateur_national": u.est_admin_national,
        "double_authentification_active": TOTPDevice.objects.filter(
            user=u, confirmed=True
        ).exists(),
    }


def _agent(u: Utilisateur) -> dict[str, Any] | None:
    agent = AgentCaf.objects.filter(utilisateur=u).select_related("caf").first()
    if agent is None:
        return None
    return {"caf": str(agent.caf), "roles": agent.roles, "actif": agent.actif}


def _structures(u: Utilisateur) -> list[dict[str, Any]]:
    return [
        {
            "structure": m.structure.nom,
            "siret": m.structure.siret,
            "role": m.get_role_display(),
            "depuis": m.created_at,
        }
        for m in MembreStructure.objects.filter(utilisateur=u).select_related("structure")
    ]


def _messages(u: Utilisateur) -> list[dict[str, Any]]:
    return [
        {
            "dossier": str(m.dossier),
            "envoye_le": m.created_at,
            "texte": m.texte,
            "piece_jointe": m.nom_piece_jointe,
        }
        for m in Message.objects.filter(auteur=u).select_related("dossier").order_by("pk")
    ]


def _annotations(u: Utilisateur) -> list[dict[str, Any]]:
    return [
        {"dossier": str(a.dossier), "ecrite_le": a.created_at, "texte": a.texte}
        for a in Annotation.objects.filter(auteur=u).select_related("dossier").order_by("pk")
    ]


def _sessions(u: Utilisateur) -> list[dict[str, Any]]:
    return [
        {
            "navigateur": s.appareil,
            "adresse_ip_tronquee": s.adresse_ip,
            "ouverte_le": s.ouverte_le,
            "derniere_activite": s.derniere_activite,
        }
        for s in u.sessions_ouvertes.order_by("pk")
    ]


def _connexions(u: Utilisateur) -> list[dict[str, Any]]:
    return [
        {
            "le": c.attempt_time,
            "adresse_ip": c.ip_address,
            "navigateur": c.user_agent,
            "deconnexion": c.logout_time,
        }
        for c in AccessLog.objects.filter(username__iexact=u.email).order_by("attempt_time")
    ]


def _jetons(u: Utilisateur) -> list[dict[str, Any]]:
    """Sans l'empreinte ni le secret : le préfixe suffit à reconnaître un jeton."""
    return [
        {
            "nom": j.nom,
            "prefixe": j.prefixe,
            "lecture_seule": j.lecture_seule,
            "reseaux_autorises": j.reseaux,
            "cree_le": j.created_at,
            "expire_le": j.expire_le,
            "revoque_le": j.revoque_le,
            "derniere_utilisation_le": j.derniere_utilisation_le,
            "derniere_adresse": j.derniere_adresse,
        }
        for j in JetonApi.objects.filter(utilisateur=u).order_by("pk")
    ]


def _double_facteur(u: Utilisateur) -> list[dict[str, Any]]:
    return [
        {"le": e.created_at, "evenement": e.get_type_display(), "motif": e.motif}
        for e in EvenementDoubleFacteur.objects.filter(utilisateur=u).order_by("pk")
    ]


def donnees_de(utilisateur: Utilisateur) -> dict[str, Any]:
    return {
        "produit_le": timezone.now(),
        "compte": _compte(utilisateur),
        "agent_de_caf": _agent(utilisateur),
        "structures": _structures(utilisateur),
        "messages_ecrits": _messages(utilisateur),
        "annotations_ecrites": _annotations(utilisateur),
        "sessions_ouvertes": _sessions(utilisateur),
        "connexions": _connexions(utilisateur),
        "jetons_api": _jetons(utilisateur),
        "double_authentification": _double_facteur(utilisateur),
    }


def en_json(utilisateur: Utilisateur) -> bytes:
    return json.dumps(
        donnees_de(utilisateur), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    ).encode()
