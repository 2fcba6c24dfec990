"""La Caf qu'une liste des Caf montre (bilans, paiements, indus) : celle de l'agent ; pour
l'administration nationale, en lecture seule, toutes les Caf ou celle choisie dans l'URL
(`?caf=<id>`), comme la file d'instruction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.permissions import en_lecture_seule

from .models import Caf

M = TypeVar("M", bound=Model)

REFUS = "Cette page est réservée aux agents des Caf et à l'administration nationale."


@dataclass(frozen=True)
class ChoixCaf:
    """`caf_id` : la Caf montrée, None pour toutes (le national seulement) ; `cafs` : les
    Caf du sélecteur du national (identifiant, nom), vide pour un agent."""

    caf_id: int | None
    caf_nom: str
    lecture_seule: bool
    cafs: list[tuple[int, str]] = field(default_factory=list)

    @property
    def toutes(self) -> bool:
        """Toutes les Caf sont montrées : les listes ajoutent une colonne « Caf »."""
        return self.caf_id is None

    def filtrer(self, requete: QuerySet[M], champ_caf: str) -> QuerySet[M]:
        """`champ_caf` : le chemin vers l'identifiant de la Caf (« lot__caf_id »…)."""
        if self.caf_id is None:
            return requete
        return requete.filter(**{champ_caf: self.caf_id})

    @property
    def parametre(self) -> str:
        """Ce qu'une adresse de la page reprend pour garder la Caf choisie (« &caf=12 »)."""
        return f"&caf={self.caf_id}" if self.lecture_seule and self.caf_id is not None else ""


def caf_choisie(utilisateur: Utilisateur, texte: str | None) -> int | None:
    """La Caf que l'administration nationale a choisie (`?caf=`), si elle existe : celle
    que la page montre, donc celle que son export reprend ; None pour un agent (sa Caf est
    son périmètre) et pour « toutes »."""
    if agent_de(utilisateur) is not None or not en_lecture_seule(utilisateur):
        return None
    return choix_caf(utilisateur, texte).caf_id


def choix_caf(utilisateur: Utilisateur, texte: str | None) -> ChoixCaf:
    """La Caf de l'agent ; pour le national, la Caf choisie (`texte`, l'identifiant lu dans
    l'URL) si elle existe, sinon toutes. Un autre utilisateur reçoit un refus (403). Une
    requête pour le national (la liste des Caf du sélecteur), aucune pour l'agent."""
    agent = agent_de(utilisateur)
    if agent is not None:
        return ChoixCaf(agent.caf_id, agent.caf.nom, lecture_seule=False)
    if not en_lecture_seule(utilisateur):
        raise PermissionDenied(REFUS)
    cafs = list(Caf.objects.order_by("nom").values_list("pk", "nom"))
    choisie = next(((pk, nom) for pk, nom in cafs if str(pk) == (texte or "").strip()), None)
    if choisie is None:
        return ChoixCaf(None, "", lecture_seule=True, cafs=cafs)
    return ChoixCaf(choisie[0], choisie[1], lecture_seule=True, cafs=cafs)
