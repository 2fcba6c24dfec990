"""L'équipe d'une structure : inviter par courriel avec un rôle, accepter avec la bonne
adresse, changer un rôle, retirer ; il reste toujours au moins un administrateur."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.comptes.models import Utilisateur
from clas.structures.models import Invitation, MembreStructure, RoleMembre, Structure
from tests.factories import MembreStructureFactory, UtilisateurFactory
from tests.outils import texte

pytestmark = pytest.mark.django_db

LIEN = re.compile(r"https?://\S+(/invitations/\S+/)")


@pytest.fixture
def inviter(porteur: Client, structure_a: Structure, django_capture_on_commit_callbacks):
    def envoyer(email: str, role: str = "contributeur"):
        with django_capture_on_commit_callbacks(execute=True):
            return porteur.post(
                f"/structures/{structure_a.pk}/membres/", {"email": email, "role": role}
            )

    return envoyer


def lien_invitation() -> str:
    trouve = LIEN.search(mail.outbox[-1].body)
    assert trouve, mail.outbox[-1].body
    return trouve.group(1)


def connecte(email: str) -> tuple[Client, Utilisateur]:
    utilisateur = UtilisateurFactory(email=email)
    client = Client()
    client.force_login(utilisateur)
    return client, utilisateur


def admin_de(structure: Structure, utilisateurs) -> MembreStructure:
    return MembreStructure.objects.get(structure=structure, utilisateur=utilisateurs["porteur"])


def test_la_page_equipe_liste_les_membres_et_leurs_roles(
    porteur: Client, structure_a: Structure
) -> None:
    MembreStructureFactory(
        structure=structure_a, role=RoleMembre.SIGNATAIRE, utilisateur__email="lea@exemple.fr"
    )

    page = texte(porteur.get(f"/structures/{structure_a.pk}/membres/"))

    assert "porteur.a@exemple.fr" in page
    assert "lea@exemple.fr" in page
    assert "Envoyer l'invitation" in page
    assert "Adresse électronique de la personne" in page


def test_l_administrateur_invite_une_personne_qui_recoit_un_lien(
    inviter, structure_a: Structure, utilisateurs
) -> None:
    reponse = inviter("Nouvelle.Recrue@Exemple.fr", "signataire")

    assert reponse.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("nouvelle.recrue@exemple.fr", "signataire")
    assert invitation.invitee_par == utilisateurs["porteur"]
    assert mail.outbox[0].to == ["nouvelle.recrue@exemple.fr"]
    assert "Centre social A" in mail.outbox[0].subject
    assert "signataire" in mail.outbox[0].body
    assert lien_invitation().startswith("/invitations/")


def test_une_invitation_avec_une_adresse_invalide_est_refusee_sur_son_champ(
    inviter,
) -> None:
    reponse = inviter("pas-une-adresse")

    assert reponse.status_code == 200
    assert "email" in reponse.context["formulaire"].errors
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_inviter_un_membre_existant_est_refuse(inviter) -> None:
    reponse = inviter("porteur.a@exemple.fr")

    assert "déjà membre" in texte(reponse)
    assert not Invitation.objects.exists()


def test_inviter_deux_fois_renouvelle_l_invitation(inviter) -> None:
    inviter("x@exemple.fr", "contributeur")
    inviter("x@exemple.fr", "signataire")

    assert Invitation.objects.get().role == "signataire"
    assert len(mail.outbox) == 2


def test_la_personne_invitee_accepte_avec_la_bonne_adresse(inviter, structure_a: Structure) -> None:
    inviter("invitee@exemple.fr", "signataire")
    lien = lien_invitation()
    client, utilisateur = connecte("invitee@exemple.fr")

    page = client.get(lien)
    assert page.status_code == 200
    assert "Accepter l'invitation" in texte(page)

    reponse = client.post(lien)

    assert reponse["Location"] == f"/structures/{structure_a.pk}/"
    membre = MembreStructure.objects.get(structure=structure_a, utilisateur=utilisateur)
    assert membre.role == RoleMembre.SIGNATAIRE
    assert Invitation.objects.get().acceptee_le is not None
    assert client.get(f"/structures/{structure_a.pk}/").status_code == 200
    assert client.post(lien)["Location"] == "/structure/"  # déjà acceptée


def test_une_autre_adresse_ne_peut_pas_accepter_l_invitation(
    inviter, structure_a: Structure
) -> None:
    inviter("invitee@exemple.fr")
    lien = lien_invitation()
    client, utilisateur = connecte("quelqu.un.d.autre@exemple.fr")

    reponse = client.post(lien)

    assert reponse.status_code == 403
    assert "i***@exemple.fr" in texte(reponse)
    assert not MembreStructure.objects.filter(utilisateur=utilisateur).exists()
    assert Invitation.objects.get().acceptee_le is None


def test_un_visiteur_anonyme_est_invite_a_se_connecter_ou_creer_son_compte(
    inviter, anonyme: Client
) -> None:
    inviter("invitee@exemple.fr")

    reponse = anonyme.get(lien_invitation())

    assert reponse.status_code == 200
    page = texte(reponse)
    assert "/connexion/?next=%2Finvitations%2F" in page
    assert "/inscription/?email=invitee%40exemple.fr" in page
    assert "invitee@exemple.fr" not in page


def test_un_lien_d_invitation_modifie_ou_annule_est_refuse(
    inviter, porteur: Client, structure_a: Structure
) -> None:
    inviter("invitee@exemple.fr")
    lien = lien_invitation()
    client, _ = connecte("invitee@exemple.fr")
    assert client.get(lien[:-4] + "xx/").status_code == 400

    invitation = Invitation.objects.get()
    porteur.post(f"/structures/{structure_a.pk}/invitations/{invitation.pk}/annuler/")

    reponse = client.get(lien)
    assert reponse.status_code == 400
    assert "annulée" in texte(reponse)


def test_l_administrateur_change_le_role_d_un_membre(
    porteur: Client, structure_a: Structure
) -> None:
    membre = MembreStructureFactory(structure=structure_a, role=RoleMembre.CONTRIBUTEUR)

    reponse = porteur.post(
        f"/structures/{structure_a.pk}/membres/{membre.pk}/role/", {"role": "signataire"}
    )

    assert reponse.status_code == 302
    membre.refresh_from_db()
    assert membre.role == RoleMembre.SIGNATAIRE


def test_l_administrateur_retire_un_membre(porteur: Client, structure_a: Structure) -> None:
    membre = MembreStructureFactory(structure=structure_a, role=RoleMembre.CONTRIBUTEUR)

    porteur.post(f"/structures/{structure_a.pk}/membres/{membre.pk}/retirer/")

    assert not MembreStructure.objects.filter(pk=membre.pk).exists()


def test_le_dernier_administrateur_ne_peut_pas_se_retrogader(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    admin = admin_de(structure_a, utilisateurs)

    reponse = porteur.post(
        f"/structures/{structure_a.pk}/membres/{admin.pk}/role/",
        {"role": "contributeur"},
        follow=True,
    )

    assert "au moins un administrateur" in texte(reponse)
    admin.refresh_from_db()
    assert admin.role == RoleMembre.ADMINISTRATEUR


def test_le_dernier_administrateur_ne_peut_pas_quitter_la_structure(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    admin = admin_de(structure_a, utilisateurs)

    reponse = porteur.post(f"/structures/{structure_a.pk}/membres/{admin.pk}/retirer/", follow=True)

    assert "au moins un administrateur" in texte(reponse)
    assert MembreStructure.objects.filter(pk=admin.pk).exists()


def test_le_dernier_administrateur_ne_peut_pas_etre_retire_par_un_autre(
    structure_a: Structure, utilisateurs
) -> None:
    """Deux administrateurs : l'un retire l'autre, puis ne peut plus se retirer lui-même."""
    second = MembreStructureFactory(structure=structure_a, role=RoleMembre.ADMINISTRATEUR)
    client_second = Client()
    client_second.force_login(second.utilisateur)
    admin = admin_de(structure_a, utilisateurs)

    client_second.post(f"/structures/{structure_a.pk}/membres/{admin.pk}/retirer/")
    assert not MembreStructure.objects.filter(pk=admin.pk).exists()

    client_second.post(f"/structures/{structure_a.pk}/membres/{second.pk}/retirer/")
    client_second.post(
        f"/structures/{structure_a.pk}/membres/{second.pk}/role/", {"role": "signataire"}
    )

    second.refresh_from_db()
    assert second.role == RoleMembre.ADMINISTRATEUR


def test_avec_deux_administrateurs_l_un_peut_se_retrograder(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    MembreStructureFactory(structure=structure_a, role=RoleMembre.ADMINISTRATEUR)
    admin = admin_de(structure_a, utilisateurs)

    porteur.post(f"/structures/{structure_a.pk}/membres/{admin.pk}/role/", {"role": "signataire"})

    admin.refresh_from_db()
    assert admin.role == RoleMembre.SIGNATAIRE


def test_un_contributeur_voit_l_equipe_en_lecture_seule(
    contributeur: Client, structure_a: Structure, utilisateurs
) -> None:
    admin = admin_de(structure_a, utilisateurs)
    page = texte(contributeur.get(f"/structures/{structure_a.pk}/membres/"))
    assert "porteur.a@exemple.fr" in page
    assert "Envoyer l'invitation" not in page
    assert "Changer le rôle" not in page

    assert (
        contributeur.post(
            f"/structures/{structure_a.pk}/membres/", {"email": "x@exemple.fr", "role": "x"}
        ).status_code
        == 403
    )
    assert (
        contributeur.post(
            f"/structures/{structure_a.pk}/membres/{admin.pk}/role/", {"role": "contributeur"}
        ).status_code
        == 403
    )
    reponse = contributeur.post(f"/structures/{structure_a.pk}/membres/{admin.pk}/retirer/")
    assert reponse.status_code == 403
    assert "Seul un administrateur" in texte(reponse)
    assert not Invitation.objects.exists()
    admin.refresh_from_db()
    assert admin.role == RoleMembre.ADMINISTRATEUR


def test_un_contributeur_peut_quitter_la_structure(
    contributeur: Client, structure_a: Structure
) -> None:
    membre = MembreStructure.objects.get(utilisateur__email="contributeur.a@exemple.fr")

    reponse = contributeur.post(f"/structures/{structure_a.pk}/membres/{membre.pk}/retirer/")

    assert reponse["Location"] == "/structure/"
    assert not MembreStructure.objects.filter(pk=membre.pk).exists()


def test_un_membre_d_une_autre_structure_recoit_404_sur_les_actions_d_equipe(
    porteur_autre: Client, structure_a: Structure, utilisateurs
) -> None:
    admin = admin_de(structure_a, utilisateurs)
    base = f"/structures/{structure_a.pk}/membres/"

    assert (
        porteur_autre.post(base, {"email": "x@exemple.fr", "role": "contributeur"}).status_code
        == 404
    )
    assert porteur_autre.post(f"{base}{admin.pk}/role/", {"role": "signataire"}).status_code == 404
    assert porteur_autre.post(f"{base}{admin.pk}/retirer/").status_code == 404


def test_un_membre_d_une_autre_structure_ne_peut_pas_viser_un_membre_par_une_autre_url(
    porteur_autre: Client, structure_a: Structure, structure_b: Structure, utilisateurs
) -> None:
    """L'identifiant d'un membre de A passé sous l'URL de B : 404, rien ne change."""
    admin = admin_de(structure_a, utilisateurs)

    reponse = porteur_autre.post(f"/structures/{structure_b.pk}/membres/{admin.pk}/retirer/")

    assert reponse.status_code == 404
    assert MembreStructure.objects.filter(pk=admin.pk).exists()


def requetes(client: Client, chemin: str) -> int:
    with CaptureQueriesContext(connection) as capture:
        assert client.get(chemin).status_code == 200
    return len(capture)


def test_le_nombre_de_requetes_de_la_page_equipe_ne_depend_pas_du_nombre_de_membres(
    porteur: Client, structure_a: Structure, utilisateurs
) -> None:
    chemin = f"/structures/{structure_a.pk}/membres/"
    MembreStructureFactory(structure=structure_a)
    Invitation.objects.create(
        structure=structure_a,
        email="i0@exemple.fr",
        role="contributeur",
        invitee_par=utilisateurs["porteur"],
    )
    avec_2 = requetes(porteur, chemin)

    for rang in range(18):
        MembreStructureFactory(structure=structure_a)
        Invitation.objects.create(
            structure=structure_a,
            email=f"i{rang + 1}@exemple.fr",
            role="contributeur",
            invitee_par=utilisateurs["porteur"],
        )
    assert structure_a.membres.count() == 20

    assert requetes(porteur, chemin) == avec_2
