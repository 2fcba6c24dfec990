"""Fixtures de l'API : un jeton par persona, un client qui l'envoie, et un jeu de dossiers
(structure A, structure B, Caf de la Somme) dont un accepté avec convention et acompte."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from clas.api import jetons
from clas.comptes.models import Utilisateur
from clas.dossiers.models import Dossier, EtatDossier
from tests.conventions.paiements_fabrique import convention_signee
from tests.instruction.outils import creer_campagne, creer_dossier

E = EtatDossier


@pytest.fixture(autouse=True)
def _cache_vide(settings):
    """Le débit par jeton et les avis de refus sont comptés dans le cache : vide à chaque test."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def client_api(en_clair: str | None) -> Client:
    if en_clair is None:
        return Client()
    return Client(headers={"Authorization": f"Bearer {en_clair}"})


@pytest.fixture
def jeton_de(utilisateurs: dict[str, Utilisateur]) -> Callable[..., str]:
    """`jeton_de("porteur")` : le jeton en clair (lecture et écriture par défaut)."""

    def fabriquer(persona: str, *, lecture_seule: bool = False, **options) -> str:
        return jetons.creer(
            utilisateurs[persona], f"Outil de {persona}", 30, lecture_seule=lecture_seule, **options
        ).en_clair

    return fabriquer


@pytest.fixture
def api_de(jeton_de) -> Callable[..., Client]:
    """`api_de("instructeur")` : un client qui envoie le jeton du persona (aucun pour
    « anonyme »)."""

    def fournir(persona: str, **options) -> Client:
        if persona == "anonyme":
            return Client()
        return client_api(jeton_de(persona, **options))

    return fournir


@pytest.fixture
def jeu(campagne_rhone, structure_a, structure_b, caf_rhone, caf_somme, utilisateurs):
    """Dossiers : A déposé, A accepté (convention, acompte) dans une campagne 2025-2026,
    A brouillon ; B en instruction ; un dossier de la Somme."""
    instructeur, valideur = utilisateurs["instructeur"], utilisateurs["valideur"]
    campagne_2025 = creer_campagne(caf_rhone, "2025-2026", cree_par=valideur)
    acompte = convention_signee(
        caf_rhone, instructeur, valideur, "4500.00", campagne=campagne_2025, structure=structure_a
    )
    a_depose = creer_dossier(campagne_rhone, structure=structure_a, ps_demandee="2000")
    b_instruction = creer_dossier(
        campagne_rhone, structure=structure_b, etat=E.EN_INSTRUCTION, instructeur=instructeur
    )
    somme = creer_dossier(
        creer_campagne(caf_somme, "2026-2027", cree_par=utilisateurs["instructeur_autre_caf"]),
        ps_demandee="1500",
    )
    # Un dossier par structure et par campagne : le brouillon est dans une troisième.
    brouillon = Dossier.objects.create(
        structure=structure_a,
        campagne=creer_campagne(caf_rhone, "2024-2025", cree_par=valideur),
        cree_par=utilisateurs["porteur"],
    )
    return {
        "a_accepte": acompte.convention.dossier,
        "acompte": acompte,
        "a_depose": a_depose,
        "b_instruction": b_instruction,
        "somme": somme,
        "brouillon": brouillon,
    }
