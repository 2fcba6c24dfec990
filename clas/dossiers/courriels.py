"""Les courriels du suivi d'un dossier (gabarits texte dans templates/dossiers/courriels/).

Appelés après validation de la transaction (`transaction.on_commit`) par les actions."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.urls import reverse

from clas.core.courriels import envoyer
from clas.structures.models import MembreStructure

from .models import DemandeComplements, Dossier

GABARITS = "dossiers/courriels/"


def destinataires_structure(
    dossier: Dossier,
    roles: Collection[str] | None = None,
    adresse_de_la_structure: bool = True,
) -> list[str]:
    """Les membres actifs de la structure (de ces rôles seulement, si `roles` est donné),
    puis l'adresse de la structure, sans doublon."""
    membres = MembreStructure.objects.filter(
        structure_id=dossier.structure_id, utilisateur__is_active=True
    )
    if roles is not None:
        membres = membres.filter(role__in=list(roles))
    adresses = list(
        membres.order_by("utilisateur__email").values_list("utilisateur__email", flat=True)
    )
    if adresse_de_la_structure and dossier.structure.email:
        adresses.append(dossier.structure.email.lower())
    return list(dict.fromkeys(adresses))


def url_absolue(chemin: str) -> str:
    """L'adresse complète d'une page, pour les courriels (URL_PLATEFORME en production)."""
    base = getattr(settings, "URL_PLATEFORME", "").rstrip("/")
    return f"{base}{chemin}" if base else chemin


def _contexte(dossier: Dossier, **autres: Any) -> dict[str, Any]:
    return {
        "dossier": dossier,
        "structure": dossier.structure,
        "campagne": dossier.campagne,
        "caf": dossier.campagne.caf,
        "url_dossier": url_absolue(reverse("dossier_detail", args=[dossier.pk])),
        **autres,
    }


def _charger(dossier_id: int) -> Dossier:
    return Dossier.objects.select_related("structure", "campagne__caf").get(pk=dossier_id)


def envoyer_accuse_depot(dossier_id: int) -> None:
    """Accusé de réception à la structure, avec l'accusé de dépôt en PDF."""
    dossier = _charger(dossier_id)
    envoyer(
        f"{GABARITS}accuse_depot",
        destinataires_structure(dossier),
        _contexte(dossier),
        pieces=[(dossier.recu, f"accuse-depot-{dossier.numero}.pdf")],
    )


def envoyer_demande_complements(demande_id: int) -> None:
    """À la structure : ce que la Caf demande, pour quand, et les étapes rouvertes."""
    demande = DemandeComplements.objects.select_related("dossier").get(pk=demande_id)
    dossier = _charger(demande.dossier_id)
    from .verification import LIBELLES_ETAPES

    contexte = _contexte(
        dossier,
        demande=demande,
        etapes=[LIBELLES_ETAPES.get(etape, etape) for etape in demande.etapes],
    )
    envoyer(f"{GABARITS}demande_complements", destinataires_structure(dossier), contexte)


def envoyer_complements_deposes(demande_id: int) -> None:
    """À l'instructeur qui a demandé les compléments : le dossier est revenu."""
    demande = DemandeComplements.objects.select_related("demandee_par").get(pk=demande_id)
    dossier = _charger(demande.dossier_id)
    envoyer(
        f"{GABARITS}complements_deposes",
        [demande.demandee_par.email],
        _contexte(dossier, demande=demande),
    )
