"""Qui accède à quoi, pour chaque URL du suivi et chaque persona (DESIGN.md §6).

- anonyme : renvoyé vers la connexion ;
- membre d'une autre structure, agent d'une autre Caf : 404 partout (le dossier n'existe
  pas pour eux), accusé et pièces jointes compris ;
- agents de la Caf et national : ils voient un dossier déposé (pas un brouillon) ; ils
  téléchargent l'accusé et les pièces jointes, mais les pages de la structure leur sont
  refusées (403) : ils instruisent depuis l'espace Caf.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clas.dossiers import actions
from clas.dossiers.models import Dossier, Message
from clas.structures.models import RoleMembre
from tests.conftest import PERSONAS
from tests.dossiers.suivi_fabrique import (
    PDF_MINIMAL,
    campagne,
    dossier_complet,
    media_temporaire,  # noqa: F401
)
from tests.factories import MembreStructureFactory

pytestmark = pytest.mark.usefixtures("media_temporaire")

AGENTS_DE_LA_CAF = ("instructeur", "valideur", "comptable", "national")

# URL (gabarit), méthode, et ce qu'obtient chaque persona sur un dossier DÉPOSÉ.
URLS_DEPOSE = {
    "detail": ("/dossiers/{pk}/", "get", 200),
    "deposer": ("/dossiers/{pk}/deposer/", "post", 302),  # refus d'état : retour à la page
    "message": ("/dossiers/{pk}/messages/", "post", 302),
    "piece": ("/dossiers/{pk}/messages/{mid}/piece/", "get", 200),
    "recu": ("/dossiers/{pk}/recu.pdf", "get", 200),
    "reprendre": ("/dossiers/{pk}/reprendre/", "get", 200),
}
POUR_LES_AGENTS = {
    "detail": 403,
    "deposer": 403,
    "message": 403,
    "piece": 200,
    "recu": 200,
    "reprendre": 403,
}


@pytest.fixture
def depose(structure_a, caf_rhone, utilisateurs):
    dossier = dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )
    actions.deposer(dossier, utilisateurs["porteur"])
    dossier.refresh_from_db()
    message = actions.envoyer_message(
        dossier,
        utilisateurs["porteur"],
        "Pièce complémentaire",
        SimpleUploadedFile("annexe.pdf", PDF_MINIMAL),
    )
    return dossier, message


def _appeler(client, methode: str, url: str):
    if methode == "post":
        return client.post(url, {"texte": "Bonjour"})
    return client.get(url)


def _attendu(persona: str, nom: str, code_porteur: int) -> int | str:
    if persona == "anonyme":
        return "connexion"
    if persona == "porteur":
        return code_porteur
    if persona in ("porteur_autre", "instructeur_autre_caf"):
        return 404
    return POUR_LES_AGENTS[nom]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("nom", list(URLS_DEPOSE))
def test_les_urls_d_un_dossier_depose_par_persona(depose, client_de, persona, nom) -> None:
    dossier, message = depose
    gabarit, methode, code_porteur = URLS_DEPOSE[nom]
    url = gabarit.format(pk=dossier.pk, mid=message.pk)

    reponse = _appeler(client_de(persona), methode, url)

    attendu = _attendu(persona, nom, code_porteur)
    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")
    else:
        assert reponse.status_code == attendu, reponse.content[:300]


URLS_BROUILLON = {
    "detail": ("/dossiers/{pk}/", "get", 200),
    "deposer": ("/dossiers/{pk}/deposer/", "post", 302),
    "message": ("/dossiers/{pk}/messages/", "post", 403),  # pas d'échange avant le dépôt
    "recu": ("/dossiers/{pk}/recu.pdf", "get", 404),  # pas d'accusé pour un brouillon
    "reprendre": ("/dossiers/{pk}/reprendre/", "get", 200),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("nom", list(URLS_BROUILLON))
def test_les_urls_d_un_brouillon_par_persona(
    structure_a, caf_rhone, utilisateurs, client_de, persona, nom
) -> None:
    dossier = dossier_complet(
        structure_a, campagne(caf_rhone, utilisateurs["valideur"]), utilisateurs["porteur"]
    )
    gabarit, methode, code_porteur = URLS_BROUILLON[nom]

    reponse = _appeler(client_de(persona), methode, gabarit.format(pk=dossier.pk))

    if persona == "anonyme":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")
    elif persona == "porteur":
        assert reponse.status_code == code_porteur
    elif persona == "national" and methode == "post":
        # Toute action est refusée au national avant de lire le dossier (lecture seule).
        assert reponse.status_code == 403
    else:  # un brouillon n'existe que pour sa structure
        assert reponse.status_code == 404
    if persona != "porteur":
        assert Dossier.objects.get(pk=dossier.pk).numero is None


def test_un_autre_porteur_ne_devine_pas_une_piece_jointe_en_changeant_d_identifiant(
    depose, structure_b, caf_rhone, utilisateurs, porteur_autre
) -> None:
    """La pièce d'un message du dossier A demandée par l'URL d'un dossier de B : 404."""
    _dossier_a, message_a = depose
    dossier_b = dossier_complet(
        structure_b,
        campagne(caf_rhone, utilisateurs["valideur"], annee="2025-2026"),
        utilisateurs["porteur_autre"],
    )

    reponse = porteur_autre.get(f"/dossiers/{dossier_b.pk}/messages/{message_a.pk}/piece/")

    assert reponse.status_code == 404


def test_un_message_sans_piece_jointe_n_a_pas_de_telechargement(depose, porteur, utilisateurs):
    dossier, _message = depose
    sans = actions.envoyer_message(dossier, utilisateurs["porteur"], "Sans pièce")

    assert porteur.get(f"/dossiers/{dossier.pk}/messages/{sans.pk}/piece/").status_code == 404


@pytest.mark.parametrize("role", [RoleMembre.CONTRIBUTEUR, RoleMembre.SIGNATAIRE])
def test_tout_membre_suit_le_dossier_et_ecrit_a_la_caf(depose, structure_a, role) -> None:
    from django.test import Client

    dossier, _message = depose
    membre = MembreStructureFactory(structure=structure_a, role=role).utilisateur
    client = Client()
    client.force_login(membre)

    assert client.get(f"/dossiers/{dossier.pk}/").status_code == 200
    assert client.get(f"/dossiers/{dossier.pk}/recu.pdf").status_code == 200
    assert (
        client.post(f"/dossiers/{dossier.pk}/messages/", {"texte": "Question"}).status_code == 302
    )
    assert Message.objects.filter(dossier=dossier, auteur=membre).exists()


@pytest.mark.parametrize("nom", ["detail", "piece", "recu", "reprendre"])
def test_les_pages_en_lecture_refusent_le_post_et_les_actions_refusent_le_get(
    depose, porteur, nom
) -> None:
    dossier, message = depose
    gabarit = URLS_DEPOSE[nom][0].format(pk=dossier.pk, mid=message.pk)
    if nom != "reprendre":
        assert porteur.post(gabarit).status_code == 405
    for action in ("deposer", "messages"):
        assert porteur.get(f"/dossiers/{dossier.pk}/{action}/").status_code == 405
