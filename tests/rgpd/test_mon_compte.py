"""« Mon compte » : chacun télécharge ses données (jamais celles d'un autre, jamais le secret
d'un jeton) et ferme son compte, confirmé par son mot de passe ; le dernier administrateur
d'une structure passe d'abord la main ; un agent de Caf s'adresse à son responsable."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clas.api.models import JetonApi
from clas.comptes.models import Utilisateur
from clas.dossiers.models import Message
from clas.journal import chaine
from clas.journal.models import Entree
from clas.rgpd import actions
from clas.rgpd.views import MOT_DE_PASSE_FAUX
from clas.structures.actions import changer_role
from clas.structures.models import MembreStructure
from tests.conftest import PERSONAS
from tests.factories import MOT_DE_PASSE, MembreStructureFactory
from tests.outils import texte

pytestmark = pytest.mark.django_db

CONNEXION = "connexion"


def verifier(client: Client, methode: str, url: str, attendu: int | str):
    reponse = client.post(url) if methode == "post" else client.get(url)
    if attendu == CONNEXION:
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next={url}"
    else:
        assert reponse.status_code == attendu, (url, reponse.status_code)
    return reponse


TOUS = dict.fromkeys(PERSONAS, 200) | {"anonyme": CONNEXION}
# Aucun persona ne ferme son compte d'un simple POST : les porteurs sont seuls dans leur
# structure, les agents et le national gérés par leur organisation (409, rien de fermé).
FERMER_POST = dict.fromkeys(PERSONAS, 409) | {"anonyme": CONNEXION}
ADRESSES = {
    ("get", "mon_compte"): TOUS,
    ("get", "mes_donnees"): TOUS,
    ("get", "compte_fermer"): TOUS,
    ("post", "compte_fermer"): FERMER_POST,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("methode", "nom"), list(ADRESSES))
def test_qui_ouvre_mon_compte(client_de, utilisateurs, persona, methode, nom) -> None:
    reponse = verifier(client_de(persona), methode, reverse(nom), ADRESSES[methode, nom][persona])
    assert not Utilisateur.objects.filter(ferme_le__isnull=False).exists()
    if nom == "mes_donnees" and persona != "anonyme":
        donnees = json.loads(reponse.content)
        assert donnees["compte"]["adresse_electronique"] == utilisateurs[persona].email
        autres = {u.email for p, u in utilisateurs.items() if p != persona}
        assert not [adresse for adresse in autres if adresse in reponse.content.decode()]


def test_mes_donnees_contiennent_ce_que_j_ai_ecrit_sans_secret(
    porteur, utilisateurs, structure_a, dossier
) -> None:
    moi = utilisateurs["porteur"]
    Message.objects.create(dossier=dossier, auteur=moi, texte="Nous ouvrons un second groupe.")
    jeton = JetonApi.objects.create(
        utilisateur=moi,
        nom="Tableur",
        prefixe="clas_ab12",
        empreinte="f" * 64,
        expire_le=timezone.now() + dt.timedelta(days=30),
    )
    reponse = porteur.get(reverse("mes_donnees"))
    assert reponse["Content-Disposition"] == 'attachment; filename="mes-donnees-clas.json"'
    donnees = json.loads(reponse.content)
    assert donnees["structures"] == [
        {
            "structure": structure_a.nom,
            "siret": structure_a.siret,
            "role": "Administrateur",
            "depuis": donnees["structures"][0]["depuis"],
        }
    ]
    assert [m["texte"] for m in donnees["messages_ecrits"]] == ["Nous ouvrons un second groupe."]
    assert donnees["jetons_api"][0]["prefixe"] == "clas_ab12"
    assert jeton.empreinte not in reponse.content.decode()
    assert {"sessions_ouvertes", "connexions", "double_authentification"} <= set(donnees)
    assert Entree.objects.filter(type="donnees_telechargees", source_id=str(moi.pk)).exists()


@pytest.fixture
def contributeur(structure_a, utilisateurs):
    """Un contributeur de la structure A (qui garde son administrateur, le porteur)."""
    return MembreStructureFactory(
        utilisateur__email="camille.contributrice@exemple.fr",
        utilisateur__prenom="Camille",
        utilisateur__nom="Martin",
        structure=structure_a,
        role="contributeur",
    ).utilisateur


def test_fermer_son_compte_erreur_correction_enregistrement_rechargement(
    contributeur, dossier
) -> None:
    client = Client()
    client.force_login(contributeur)
    message = Message.objects.create(dossier=dossier, auteur=contributeur, texte="Merci !")
    url = reverse("compte_fermer")
    page = client.get(url)
    assert page.status_code == 200 and "Fermer définitivement mon compte" in texte(page)

    # Erreur : mot de passe faux (case cochée) — le compte reste ouvert, la case aussi.
    erreur = client.post(url, {"mot_de_passe": "pas-le-bon", "confirmation": "on"})
    assert erreur.status_code == 400
    assert MOT_DE_PASSE_FAUX in texte(erreur)
    assert "Votre compte n'est pas fermé" in texte(erreur)
    assert 'name="confirmation"' in erreur.content.decode()
    assert "checked" in erreur.content.decode().split('name="confirmation"')[1].split(">")[0]
    contributeur.refresh_from_db()
    assert contributeur.ferme_le is None and contributeur.is_active

    # Autre erreur : la case non cochée.
    sans_case = client.post(url, {"mot_de_passe": MOT_DE_PASSE})
    assert sans_case.status_code == 400 and "Cochez la case" in texte(sans_case)
    contributeur.refresh_from_db()
    assert contributeur.ferme_le is None

    # Correction : le compte est fermé, la personne déconnectée.
    ferme = client.post(url, {"mot_de_passe": MOT_DE_PASSE, "confirmation": "on"}, follow=True)
    assert ferme.redirect_chain[-1][0] == reverse("accueil")
    assert "Votre compte est fermé" in texte(ferme)
    contributeur.refresh_from_db()
    assert contributeur.ferme_le is not None and not contributeur.is_active
    assert contributeur.email == f"compte-ferme-{contributeur.pk}@anonyme.invalid"
    assert contributeur.nom == "Compte fermé" and contributeur.prenom == ""
    assert not contributeur.has_usable_password()
    assert not MembreStructure.objects.filter(utilisateur=contributeur).exists()
    # Ce qu'elle a écrit dans le dossier reste, au nom de « Compte fermé ».
    message.refresh_from_db()
    assert message.texte == "Merci !" and str(message.auteur) == "Compte fermé"
    entree = Entree.objects.get(type="compte_ferme", source_id=str(contributeur.pk))
    assert "camille" not in entree.contenu.lower() and chaine.premiere_faute() is None

    # Rechargement : plus de session, plus de connexion possible avec l'ancienne adresse.
    recharge = client.get(reverse("mon_compte"))
    assert recharge.status_code == 302 and recharge["Location"].startswith("/connexion/")
    visiteur = Client()
    essai = visiteur.post(
        reverse("connexion"),
        {"username": "camille.contributrice@exemple.fr", "password": MOT_DE_PASSE},
    )
    assert essai.status_code == 200 and "_auth_user_id" not in visiteur.session


def test_le_dernier_administrateur_passe_d_abord_la_main(
    porteur, utilisateurs, contributeur, structure_a
):
    moi = utilisateurs["porteur"]
    page = porteur.get(reverse("compte_fermer"))
    assert page.status_code == 200
    assert "seul administrateur de « Centre social A »" in texte(page)
    assert "nommez d'abord un autre membre administrateur" in texte(page)
    assert 'name="mot_de_passe"' not in page.content.decode()
    refus = porteur.post(
        reverse("compte_fermer"), {"mot_de_passe": MOT_DE_PASSE, "confirmation": "on"}
    )
    assert refus.status_code == 409
    moi.refresh_from_db()
    assert moi.ferme_le is None

    # Il nomme le contributeur administrateur, puis ferme son compte.
    changer_role(MembreStructure.objects.get(utilisateur=contributeur), moi, "administrateur")
    ferme = porteur.post(
        reverse("compte_fermer"), {"mot_de_passe": MOT_DE_PASSE, "confirmation": "on"}
    )
    assert ferme.status_code == 302
    moi.refresh_from_db()
    assert moi.ferme_le is not None
    assert list(structure_a.membres.values_list("utilisateur_id", "role")) == [
        (contributeur.pk, "administrateur")
    ]


def test_le_seul_membre_invite_d_abord_quelqu_un(porteur) -> None:
    page = porteur.get(reverse("mon_compte"))
    assert "seul membre de « Centre social A »" in texte(page)
    assert "invitez d'abord la personne qui prendra le relais" in texte(page)


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable"])
def test_un_agent_s_adresse_a_son_responsable(client_de, utilisateurs, persona) -> None:
    page = client_de(persona).get(reverse("compte_fermer"))
    assert "Demandez à votre responsable d'équipe de désactiver votre compte" in texte(page)
    refus = client_de(persona).post(
        reverse("compte_fermer"), {"mot_de_passe": MOT_DE_PASSE, "confirmation": "on"}
    )
    assert refus.status_code == 409
    assert Utilisateur.objects.get(pk=utilisateurs[persona].pk).ferme_le is None


def test_l_action_reverifie_les_obstacles(utilisateurs) -> None:
    """Même appelée sans la page, la fermeture refuse le dernier administrateur."""
    from clas.core.exceptions import ActionImpossible

    with pytest.raises(ActionImpossible, match="seul membre"):
        actions.fermer_compte(utilisateurs["porteur"])
    assert Utilisateur.objects.get(pk=utilisateurs["porteur"].pk).ferme_le is None


def test_les_mots_de_passe_faux_a_la_chaine_verrouillent_la_fermeture(
    settings, contributeur
) -> None:
    """La confirmation par mot de passe est une porte qu'on pourrait essayer à la chaîne :
    elle compte comme la connexion (django-axes) et se verrouille pareil."""
    from django.core.cache import cache

    cache.clear()
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(contributeur)
    url = reverse("compte_fermer")
    for _ in range(3):
        assert client.post(url, {"mot_de_passe": "faux", "confirmation": "on"}).status_code == 400
    bloque = client.post(url, {"mot_de_passe": MOT_DE_PASSE, "confirmation": "on"})
    assert bloque.status_code == 429
    contributeur.refresh_from_db()
    assert contributeur.ferme_le is None
    cache.clear()
