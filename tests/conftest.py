"""Fixtures communes : les personas de DESIGN.md §6, chacun avec son client connecté.

- anonyme : un visiteur non connecté ;
- porteur : administrateur de la structure A (Caf du Rhône, 69) ;
- porteur_autre : administrateur de la structure B (Caf du Rhône) ;
- instructeur, valideur, comptable : agents de la Caf du Rhône ;
- instructeur_autre_caf : instructeur de la Caf de la Somme (80) ;
- national : administrateur national.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import factory
import pytest
from django.test import Client
from hypothesis import settings as reglages_hypothesis

from clas.comptes.models import Utilisateur
from clas.referentiel.models import Caf
from clas.structures.models import Structure

from . import factories
from .factories import (
    AgentCafFactory,
    MembreStructureFactory,
    StructureFactory,
    UtilisateurFactory,
)

PERSONAS = (
    "anonyme",
    "porteur",
    "porteur_autre",
    "instructeur",
    "instructeur_autre_caf",
    "valideur",
    "comptable",
    "national",
)
CONNECTES = tuple(p for p in PERSONAS if p != "anonyme")
AGENTS = ("instructeur", "instructeur_autre_caf", "valideur", "comptable")


# La version longue des tests de propriétés (make fuzz : `pytest --hypothesis-profile=fuzz`) :
# cinq fois plus d'exemples que le profil par défaut, et plus pour les saisies hostiles
# (tests/demo/test_saisies_hostiles.py en tire son nombre d'essais par formulaire).
reglages_hypothesis.register_profile("fuzz", max_examples=500, deadline=None)


@pytest.fixture(autouse=True)
def _hachage_rapide(settings) -> None:
    """Le hachage de production (PBKDF2, un million de tours) ralentirait chaque compte créé."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _double_facteur_facultatif(settings) -> None:
    """Les personas se connectent sans téléphone ; les tests de la double authentification
    (tests/comptes/test_double_facteur.py) la rendent obligatoire eux-mêmes."""
    settings.CLAS_2FA_OBLIGATOIRE = False


@pytest.fixture(autouse=True)
def _fichiers_temporaires(settings, tmp_path) -> None:
    """Les fichiers déposés pendant un test (pièces, accusés PDF) restent hors du dépôt."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.hookimpl(tryfirst=True)  # avant le tri de pytest-django, qui garde cet ordre
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Les tests marqués `lent` d'abord (dans chaque groupe de pytest-django : avec la base,
    puis transactionnels) : lancés en dernier, l'un d'eux garderait un processus de
    pytest-xdist occupé pendant que l'autre attend, sans rien à faire."""
    items.sort(key=lambda item: item.get_closest_marker("lent") is None)


FABRIQUES = [
    objet
    for objet in vars(factories).values()
    if isinstance(objet, type) and issubclass(objet, factory.base.Factory) and objet._meta.model
]


@pytest.fixture(autouse=True)
def _sequences_des_fabriques() -> None:
    """Chaque test repart des mêmes numéros (SIRET, courriels, titres) : ses données ne
    dépendent pas des tests passés avant lui sur le même processus (pytest-xdist les
    répartit au hasard), et ses documents sont les mêmes d'un test à l'autre."""
    for fabrique in FABRIQUES:
        fabrique.reset_sequence(force=True)


@pytest.fixture(autouse=True, scope="session")
def _pdf_rendu_une_fois_par_page() -> Iterator[None]:
    """WeasyPrint prend 0,2 s par document et des centaines de tests produisent la même
    lettre ou la même convention : le PDF d'un HTML déjà rendu est repris (c'est le vrai
    rendu, gardé en mémoire du processus de test)."""
    from clas.core import pdf

    original = pdf.html_en_pdf
    pdf.html_en_pdf = functools.lru_cache(maxsize=256)(original)  # type: ignore[assignment]  # mémo des tests seulement
    yield
    pdf.html_en_pdf = original  # type: ignore[method-assign]  # rendu réel restauré


@pytest.fixture(autouse=True)
def _postgres_seulement(request: pytest.FixtureRequest) -> None:
    """Les tests marqués `postgres` (concurrence, verrous) sont ignorés sur SQLite."""
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("nécessite PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def caf_rhone(db) -> Caf:
    return Caf.objects.get(departement="69")


@pytest.fixture
def caf_somme(db) -> Caf:
    return Caf.objects.get(departement="80")


@pytest.fixture
def structure_a(caf_rhone: Caf) -> Structure:
    return StructureFactory(nom="Centre social A", caf=caf_rhone, commune="Lyon")


@pytest.fixture
def structure_b(caf_rhone: Caf) -> Structure:
    return StructureFactory(nom="Association B", caf=caf_rhone, commune="Villeurbanne")


@pytest.fixture
def utilisateurs(
    structure_a: Structure, structure_b: Structure, caf_rhone: Caf, caf_somme: Caf
) -> dict[str, Utilisateur]:
    """Un compte par persona connecté, tous avec le mot de passe `factories.MOT_DE_PASSE`."""
    comptes = {
        "porteur": MembreStructureFactory(
            utilisateur__email="porteur.a@exemple.fr", structure=structure_a
        ).utilisateur,
        "porteur_autre": MembreStructureFactory(
            utilisateur__email="porteur.b@exemple.fr", structure=structure_b
        ).utilisateur,
        "instructeur": AgentCafFactory(
            utilisateur__email="instructeur@rhone.exemple.fr", caf=caf_rhone
        ).utilisateur,
        "instructeur_autre_caf": AgentCafFactory(
            utilisateur__email="instructeur@somme.exemple.fr", caf=caf_somme
        ).utilisateur,
        "valideur": AgentCafFactory(
            utilisateur__email="valideur@rhone.exemple.fr",
            caf=caf_rhone,
            est_instructeur=False,
            est_valideur=True,
        ).utilisateur,
        "comptable": AgentCafFactory(
            utilisateur__email="comptable@rhone.exemple.fr",
            caf=caf_rhone,
            est_instructeur=False,
            est_comptable=True,
        ).utilisateur,
        "national": UtilisateurFactory(email="national@exemple.fr", est_admin_national=True),
    }
    return comptes


def _client_de(utilisateur: Utilisateur) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


@pytest.fixture
def anonyme(db) -> Client:
    return Client()


@pytest.fixture
def porteur(utilisateurs: dict[str, Utilisateur]) -> Client:
    return _client_de(utilisateurs["porteur"])


@pytest.fixture
def porteur_autre(utilisateurs: dict[str, Utilisateur]) -> Client:
    return _client_de(utilisateurs["porteur_autre"])


@pytest.fixture
def instructeur(utilisateurs: dict[str, Utilisateur]) -> Client:
    return _client_de(utilisateurs["instructeur"])


@pytest.fixture
def instructeur_autre_caf(utilisateurs: dict[str, Utilisateur]) -> Client:
    return _client_de(utilisateurs["instructeur_autre_caf"])


@pytest.fixture
def valideur(utilisateurs: dict[str, Utilisateur]) -> Client:
    return _client_de(utilisateurs["valideur"])


@pytest.fixture
def comptable(utilisateurs: dict[str, Utilisateur]) -> Client:
    return _client_de(utilisateurs["comptable"])


@pytest.fixture
def national(utilisateurs: dict[str, Utilisateur]) -> Client:
    return _client_de(utilisateurs["national"])


@pytest.fixture
def client_de(request: pytest.FixtureRequest) -> Callable[[str], Client]:
    """`client_de("valideur")` : le client du persona nommé (pour les tables paramétrées)."""

    def fournir(persona: str) -> Client:
        assert persona in PERSONAS, persona
        return request.getfixturevalue(persona)

    return fournir


# --- Campagne et dossier (saisie côté structure) -----------------------------------------


@pytest.fixture
def campagne_rhone(caf_rhone: Caf, utilisateurs: dict[str, Utilisateur]):
    """Une campagne 2026-2027 de la Caf du Rhône, ouverte depuis 10 jours pour 30 jours."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from clas.campagnes.models import Campagne

    maintenant = timezone.now()
    return Campagne.objects.create(
        caf=caf_rhone,
        annee_scolaire="2026-2027",
        titre="Appel à projets Clas 2026-2027",
        ouverture=maintenant - dt.timedelta(days=10),
        cloture=maintenant + dt.timedelta(days=30),
        enveloppe=Decimal("150000.00"),
        cree_par=utilisateurs["valideur"],
    )


@pytest.fixture
def dossier(structure_a: Structure, campagne_rhone, utilisateurs: dict[str, Utilisateur]):
    """Le brouillon de la structure A (administrée par le persona « porteur »)."""
    from clas.dossiers.models import Dossier

    return Dossier.objects.create(
        structure=structure_a, campagne=campagne_rhone, cree_par=utilisateurs["porteur"]
    )


# --- Le responsable de l'équipe de la Caf du Rhône (hors PERSONAS : tests des équipes) ------


@pytest.fixture
def utilisateur_responsable(utilisateurs: dict[str, Utilisateur], caf_rhone: Caf) -> Utilisateur:
    utilisateur: Utilisateur = AgentCafFactory(
        utilisateur__email="responsable@rhone.exemple.fr",
        utilisateur__prenom="Isabelle",
        utilisateur__nom="Fontaine",
        caf=caf_rhone,
        est_instructeur=False,
        est_responsable=True,
    ).utilisateur
    return utilisateur


@pytest.fixture
def responsable(utilisateur_responsable: Utilisateur) -> Client:
    return _client_de(utilisateur_responsable)
