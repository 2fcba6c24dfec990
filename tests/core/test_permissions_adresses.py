"""La matrice des personas des adresses qu'aucun autre test ne parcourait sur tous les
personas (voir `MATRICE`, tests/core/test_urls_auditees.py) : pages ouvertes des comptes,
sécurité du compte, restauration d'une pièce,
racine de l'API. « connexion » : renvoyé vers /connexion/?next=<la page demandée>."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

CONNEXION = "connexion"
TOUS = dict.fromkeys(PERSONAS, 200)


def verifier(client: Client, methode: str, chemin: str, attendu: int | str) -> None:
    reponse = client.post(chemin) if methode == "post" else client.get(chemin)
    if attendu == CONNEXION:
        assert reponse.status_code == 302, (chemin, reponse.status_code)
        assert reponse["Location"] == f"/connexion/?next={chemin}"
    else:
        assert reponse.status_code == attendu, (chemin, reponse.status_code)


INSCRITS_RENVOYES = dict.fromkeys(PERSONAS, 302) | {"anonyme": 200}
OUVERTES = {
    # GET refusé : la demande de déblocage ne se fait qu'en POST (limitée par IP).
    "/deblocage/": dict.fromkeys(PERSONAS, 405),
    "/deblocage/lien-faux/": dict.fromkeys(PERSONAS, 400),
    "/inscription/": INSCRITS_RENVOYES,
    "/inscription/envoyee/": TOUS,
    "/inscription/nouveau-lien/": TOUS,
    "/inscription/confirmer/lien-faux/": dict.fromkeys(PERSONAS, 400),
    "/api/v1/docs": dict.fromkeys(PERSONAS, 301),
    "/api/v1/": dict.fromkeys(PERSONAS, 404),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("chemin", list(OUVERTES))
def test_les_pages_ouvertes_des_comptes_par_persona(client_de, persona, chemin) -> None:
    verifier(client_de(persona), "get", chemin, OUVERTES[chemin][persona])


REDIRIGES = dict.fromkeys(PERSONAS, 302) | {"anonyme": CONNEXION}
# Sans double authentification activée : les porteurs n'ont pas de codes (403), les agents
# sont renvoyés vers l'activation ou la page de sécurité.
CODES = REDIRIGES | {"porteur": 403, "porteur_autre": 403}
SANS_APPAREIL = dict.fromkeys(PERSONAS, 403) | {"anonyme": CONNEXION}
SECURITE = {
    ("get", "/double-authentification/codes-de-secours/"): CODES,
    ("get", "/double-authentification/verifier/"): REDIRIGES,
    ("post", "/mon-compte/securite/codes-de-secours/"): SANS_APPAREIL,
    ("post", "/mon-compte/securite/reinitialiser/"): SANS_APPAREIL,
    ("post", "/mon-compte/securite/oublier-ce-navigateur/"): REDIRIGES,
    ("post", "/mon-compte/sessions/fermer-les-autres/"): REDIRIGES,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("methode", "chemin"), list(SECURITE))
def test_la_securite_du_compte_par_persona(client_de, persona, methode, chemin) -> None:
    verifier(client_de(persona), methode, chemin, SECURITE[methode, chemin][persona])


RESTAURER = {
    "anonyme": CONNEXION,
    "porteur": 302,
    "porteur_autre": 404,
    "instructeur": 403,
    "instructeur_autre_caf": 404,
    "valideur": 403,
    "comptable": 403,
    "national": 403,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_qui_restaure_une_piece_de_la_corbeille(
    client_de, structure_a, utilisateurs, persona
) -> None:
    from clas.structures.actions import supprimer_piece
    from clas.structures.models import PieceJustificative
    from tests.structures.test_corbeille import deposee

    piece = deposee(structure_a, utilisateurs["porteur"])
    supprimer_piece(piece, utilisateurs["porteur"])
    chemin = f"/structures/{structure_a.pk}/pieces/{piece.pk}/restaurer/"

    verifier(client_de(persona), "post", chemin, RESTAURER[persona])
    restauree = PieceJustificative.objects.filter(pk=piece.pk).exists()
    assert restauree is (RESTAURER[persona] == 302)
