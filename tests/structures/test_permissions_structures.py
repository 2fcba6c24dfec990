"""Qui peut ouvrir quoi, pour chaque page des structures, sur tous les personas de
DESIGN.md §6 (plus un contributeur de la structure A).

« connexion » : redirigé vers /connexion/?next=<la page demandée>.
"""

from __future__ import annotations

import pytest
from django.test import Client

from clas.structures.models import Invitation, PieceJustificative, Structure
from tests.factories import MembreStructureFactory

from .test_pieces import piece_de

pytestmark = pytest.mark.django_db

CONNEXION = "connexion"

LECTURE = {
    "anonyme": CONNEXION,
    "porteur": 200,
    "contributeur": 200,
    "porteur_autre": 404,
    "instructeur": 200,
    "instructeur_autre_caf": 404,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}
ADMINISTRATION = {
    "anonyme": CONNEXION,
    "porteur": 200,
    "contributeur": 403,
    "porteur_autre": 404,
    "instructeur": 403,
    "instructeur_autre_caf": 404,
    "valideur": 403,
    "comptable": 403,
    "national": 403,
}
ACTION_ADMIN = {**ADMINISTRATION, "porteur": 302}
ACTION_MEMBRE = {**ACTION_ADMIN, "contributeur": 302}
INSCRIPTION = {
    "anonyme": CONNEXION,
    "porteur": 200,
    "contributeur": 200,
    "porteur_autre": 200,
    "instructeur": 403,
    "instructeur_autre_caf": 403,
    "valideur": 403,
    "comptable": 403,
    "national": 403,
}
ACCUEIL = {**INSCRIPTION, **{p: 200 for p in INSCRIPTION if p != "anonyme"}}


@pytest.fixture
def client_persona(client_de, request):
    def fournir(persona: str) -> Client:
        if persona == "contributeur":
            return request.getfixturevalue("contributeur")
        return client_de(persona)

    return fournir


def verifier(reponse, attendu, chemin: str) -> None:
    if attendu == CONNEXION:
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next={chemin}"
    else:
        assert reponse.status_code == attendu, reponse.content[:300]


def pages(structure: Structure, piece: PieceJustificative) -> dict[str, str]:
    return {
        "fiche": f"/structures/{structure.pk}/",
        "membres": f"/structures/{structure.pk}/membres/",
        "pieces": f"/structures/{structure.pk}/pieces/",
        "telechargement": f"/structures/{structure.pk}/pieces/{piece.pk}/",
    }


@pytest.fixture
def piece(structure_a: Structure, utilisateurs) -> PieceJustificative:
    return piece_de(structure_a, utilisateurs["porteur"])


@pytest.mark.parametrize("page", ["fiche", "membres", "pieces", "telechargement"])
@pytest.mark.parametrize(("persona", "attendu"), LECTURE.items())
def test_les_pages_d_une_structure_se_voient_par_ses_membres_et_sa_caf(
    client_persona, persona, attendu, page, structure_a, piece
) -> None:
    chemin = pages(structure_a, piece)[page]
    verifier(client_persona(persona).get(chemin), attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), ADMINISTRATION.items())
def test_seul_un_administrateur_ouvre_la_modification_de_la_fiche(
    client_persona, persona, attendu, structure_a
) -> None:
    chemin = f"/structures/{structure_a.pk}/modifier/"
    verifier(client_persona(persona).get(chemin), attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), INSCRIPTION.items())
def test_qui_peut_inscrire_une_structure(client_persona, persona, attendu) -> None:
    verifier(client_persona(persona).get("/structures/inscrire/"), attendu, "/structures/inscrire/")


@pytest.mark.parametrize(("persona", "attendu"), ACCUEIL.items())
def test_qui_peut_ouvrir_l_accueil_des_structures(client_persona, persona, attendu) -> None:
    verifier(client_persona(persona).get("/structure/"), attendu, "/structure/")


@pytest.mark.parametrize(("persona", "attendu"), ACTION_ADMIN.items())
def test_qui_peut_changer_le_role_d_un_membre(
    client_persona, persona, attendu, structure_a
) -> None:
    membre = MembreStructureFactory(structure=structure_a, role="contributeur")
    chemin = f"/structures/{structure_a.pk}/membres/{membre.pk}/role/"
    verifier(client_persona(persona).post(chemin, {"role": "signataire"}), attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), ACTION_ADMIN.items())
def test_qui_peut_retirer_un_membre(client_persona, persona, attendu, structure_a) -> None:
    membre = MembreStructureFactory(structure=structure_a, role="signataire")
    chemin = f"/structures/{structure_a.pk}/membres/{membre.pk}/retirer/"
    verifier(client_persona(persona).post(chemin), attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), ACTION_ADMIN.items())
def test_qui_peut_inviter(client_persona, persona, attendu, structure_a) -> None:
    chemin = f"/structures/{structure_a.pk}/membres/"
    reponse = client_persona(persona).post(chemin, {"email": "x@exemple.fr", "role": "signataire"})
    verifier(reponse, attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), ACTION_ADMIN.items())
def test_qui_peut_annuler_une_invitation(
    client_persona, persona, attendu, structure_a, utilisateurs
) -> None:
    invitation = Invitation.objects.create(
        structure=structure_a,
        email="x@exemple.fr",
        role="signataire",
        invitee_par=utilisateurs["porteur"],
    )
    chemin = f"/structures/{structure_a.pk}/invitations/{invitation.pk}/annuler/"
    verifier(client_persona(persona).post(chemin), attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), ACTION_MEMBRE.items())
def test_qui_peut_supprimer_une_piece(client_persona, persona, attendu, structure_a, piece) -> None:
    chemin = f"/structures/{structure_a.pk}/pieces/{piece.pk}/supprimer/"
    verifier(client_persona(persona).post(chemin), attendu, chemin)


@pytest.mark.parametrize(("persona", "attendu"), ACTION_MEMBRE.items())
def test_qui_peut_deposer_une_piece(client_persona, persona, attendu, structure_a) -> None:
    from .test_pieces import PDF, fichier

    chemin = f"/structures/{structure_a.pk}/pieces/"
    reponse = client_persona(persona).post(
        chemin, {"type_piece": "rib", "fichier": fichier("rib.pdf", PDF)}
    )
    verifier(reponse, attendu, chemin)


@pytest.mark.parametrize(
    "chemin",
    [
        "/structures/{a}/membres/{m}/role/",
        "/structures/{a}/membres/{m}/retirer/",
        "/structures/{a}/pieces/{p}/supprimer/",
        "/structures/{a}/invitations/{i}/annuler/",
    ],
)
def test_les_actions_refusent_la_lecture_simple(porteur, chemin, structure_a, piece, utilisateurs):
    membre = MembreStructureFactory(structure=structure_a)
    invitation = Invitation.objects.create(
        structure=structure_a,
        email="x@exemple.fr",
        role="signataire",
        invitee_par=utilisateurs["porteur"],
    )
    url = chemin.format(a=structure_a.pk, m=membre.pk, p=piece.pk, i=invitation.pk)
    assert porteur.get(url).status_code == 405


@pytest.mark.parametrize("persona", ["porteur", "porteur_autre", "instructeur", "national"])
def test_un_lien_d_invitation_adresse_a_un_autre_est_refuse(
    client_persona, persona, structure_a, utilisateurs
) -> None:
    from clas.structures.actions import jeton_invitation

    invitation = Invitation.objects.create(
        structure=structure_a,
        email="invitee@exemple.fr",
        role="signataire",
        invitee_par=utilisateurs["porteur"],
    )
    chemin = f"/invitations/{jeton_invitation(invitation)}/"
    assert client_persona(persona).post(chemin).status_code == 403
    assert client_persona("anonyme").get(chemin).status_code == 200


@pytest.mark.parametrize("persona", [p for p in ACCUEIL if p != "anonyme"])
def test_la_page_de_bienvenue_mene_chacun_a_l_inscription_sans_rien_montrer(
    client_persona, persona
) -> None:
    """Juste après la confirmation de l'adresse : une redirection, jamais des données ; sans
    invitation en attente, vers l'inscription d'une structure."""
    reponse = client_persona(persona).get("/structures/bienvenue/")
    assert reponse.status_code == 302
    assert reponse["Location"] == "/structures/inscrire/"


def test_la_page_de_bienvenue_demande_la_connexion(anonyme) -> None:
    verifier(anonyme.get("/structures/bienvenue/"), CONNEXION, "/structures/bienvenue/")
