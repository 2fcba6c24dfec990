"""Force brute (ticket 11, point 6) : 10 essais manqués en 15 minutes sur un compte ou depuis
une adresse IP verrouillent 15 minutes, avec une page française qui dit quand réessayer et
un lien de déblocage par courriel ; l'inscription ne dit pas si une adresse a un compte."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from clas.comptes.models import Utilisateur
from tests.factories import MOT_DE_PASSE, UtilisateurFactory
from tests.outils import texte

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"
AUTRE_IP = "198.51.100.20"
EMAIL = "camille@exemple.fr"
DEBUT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
LIEN_DEBLOCAGE = re.compile(r"https?://\S+/deblocage/\S+/")


@pytest.fixture(autouse=True)
def _cache_vide() -> Iterator[None]:
    """Le « courriel de déblocage déjà envoyé » est gardé dans le cache : un test par verrou."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def compte() -> Utilisateur:
    return UtilisateurFactory(email=EMAIL)


def client(ip: str = IP) -> Client:
    return Client(REMOTE_ADDR=ip)


def connexion(navigateur: Client, email: str = EMAIL, mot_de_passe: str = "faux-mot-2026"):
    return navigateur.post("/connexion/", {"username": email, "password": mot_de_passe})


def manquer(navigateur: Client, fois: int, email: str = EMAIL) -> None:
    for _ in range(fois):
        connexion(navigateur, email)


def test_le_compte_est_verrouille_au_dixieme_echec_avec_l_heure_pour_reessayer(
    compte: Utilisateur,
) -> None:
    navigateur = client()
    with time_machine.travel(DEBUT, tick=False):
        for _ in range(9):
            assert connexion(navigateur).status_code == 200
        reponse = connexion(navigateur)

    assert reponse.status_code == 429
    page = texte(reponse)
    assert "Trop d'essais" in page
    assert "ce compte est verrouillé" in page
    fin = timezone.localtime(DEBUT + dt.timedelta(minutes=15))
    assert f"Vous pourrez réessayer à partir de {fin:%H:%M}" in page
    assert "Recevoir le lien de déblocage" in page
    # La page est celle du site (mise en page, lien d'accueil), jamais une erreur brute, et
    # elle tient sous la politique de contenu stricte (ni script ni style en ligne).
    assert "Plateforme Clas" in page
    assert 'id="contenu"' in reponse.content.decode()
    assert "unsafe-inline" not in reponse["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"", reponse.content.decode())


def test_le_bon_mot_de_passe_est_refuse_pendant_le_verrou_puis_accepte_apres(
    compte: Utilisateur,
) -> None:
    navigateur = client()
    with time_machine.travel(DEBUT, tick=False):
        manquer(navigateur, 10)
    with time_machine.travel(DEBUT + dt.timedelta(minutes=14), tick=False):
        pendant = connexion(navigateur, mot_de_passe=MOT_DE_PASSE)
    with time_machine.travel(DEBUT + dt.timedelta(minutes=16), tick=False):
        apres = connexion(navigateur, mot_de_passe=MOT_DE_PASSE)

    assert pendant.status_code == 429
    assert apres.status_code == 302
    assert apres["Location"] == "/mon-accueil/"


def test_un_essai_pendant_le_verrou_ne_repousse_pas_l_heure_annoncee(
    compte: Utilisateur,
) -> None:
    navigateur = client()
    with time_machine.travel(DEBUT, tick=False):
        manquer(navigateur, 10)
    with time_machine.travel(DEBUT + dt.timedelta(minutes=10), tick=False):
        reponse = connexion(navigateur)

    fin = timezone.localtime(DEBUT + dt.timedelta(minutes=15))
    assert f"à partir de {fin:%H:%M}" in texte(reponse)


def test_neuf_echecs_espaces_de_plus_de_15_minutes_ne_verrouillent_pas(
    compte: Utilisateur,
) -> None:
    navigateur = client()
    with time_machine.travel(DEBUT, tick=False):
        manquer(navigateur, 9)
    with time_machine.travel(DEBUT + dt.timedelta(minutes=16), tick=False):
        manquer(navigateur, 9)
        reponse = connexion(navigateur, mot_de_passe=MOT_DE_PASSE)

    assert reponse.status_code == 302


def test_la_casse_de_l_adresse_ne_contourne_pas_le_verrou(compte: Utilisateur) -> None:
    navigateur = client()
    for variante in ["Camille@exemple.fr", "CAMILLE@EXEMPLE.FR", " camille@Exemple.fr"] * 3:
        connexion(navigateur, variante)

    assert connexion(navigateur, "camille@exemple.FR").status_code == 429


def test_le_verrou_du_compte_tient_quelle_que_soit_l_adresse_ip(compte: Utilisateur) -> None:
    for numero in range(10):
        connexion(client(f"192.0.2.{numero + 1}"))

    reponse = connexion(client(AUTRE_IP), mot_de_passe=MOT_DE_PASSE)

    assert reponse.status_code == 429


def test_une_adresse_ip_qui_essaie_dix_comptes_est_verrouillee_pour_tous(
    compte: Utilisateur,
) -> None:
    navigateur = client()
    for numero in range(10):
        connexion(navigateur, f"inconnu{numero}@exemple.fr")

    depuis_la_meme_ip = connexion(navigateur, mot_de_passe=MOT_DE_PASSE)
    depuis_une_autre = connexion(client(AUTRE_IP), mot_de_passe=MOT_DE_PASSE)

    assert depuis_la_meme_ip.status_code == 429
    assert "les essais depuis votre adresse réseau sont suspendus" in texte(depuis_la_meme_ip)
    assert depuis_une_autre.status_code == 302


def test_le_lien_recu_par_courriel_debloque_le_compte_une_seule_fois(
    compte: Utilisateur,
) -> None:
    attaquant = client(AUTRE_IP)
    manquer(attaquant, 9)
    connexion(attaquant)
    titulaire = client()

    demande = titulaire.post("/deblocage/", {"email": "Camille@exemple.fr"})
    assert demande.status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    lien = LIEN_DEBLOCAGE.search(mail.outbox[0].body)
    assert lien, mail.outbox[0].body
    chemin = lien.group(0).split("testserver", 1)[1]

    ouverture = titulaire.get(chemin, follow=True)
    assert "Votre compte est débloqué" in texte(ouverture)
    assert connexion(titulaire, mot_de_passe=MOT_DE_PASSE).status_code == 302

    deuxieme = client().get(chemin)
    assert deuxieme.status_code == 400
    assert "n'est plus valable" in texte(deuxieme)


def test_le_lien_de_deblocage_expire_apres_une_heure(compte: Utilisateur) -> None:
    navigateur = client()
    with time_machine.travel(DEBUT, tick=False):
        manquer(navigateur, 10)
        navigateur.post("/deblocage/", {"email": EMAIL})
    chemin = LIEN_DEBLOCAGE.search(mail.outbox[0].body).group(0).split("testserver", 1)[1]
    # Reverrouillé entre-temps (le verrou d'une heure plus tard n'est plus le même) : le lien
    # d'avant n'y peut rien.
    with time_machine.travel(DEBUT + dt.timedelta(minutes=61), tick=False):
        manquer(navigateur, 10)
        reponse = navigateur.get(chemin)

    assert reponse.status_code == 400


def test_la_demande_de_deblocage_ne_revele_rien_et_n_envoie_qu_un_courriel_par_verrou(
    compte: Utilisateur,
) -> None:
    navigateur = client()
    manquer(navigateur, 10)

    inconnue = navigateur.post("/deblocage/", {"email": "inconnu@exemple.fr"})
    premiere = navigateur.post("/deblocage/", {"email": EMAIL})
    seconde = navigateur.post("/deblocage/", {"email": EMAIL})

    assert inconnue.status_code == premiere.status_code == seconde.status_code == 200
    assert "Si un compte verrouillé correspond" in texte(inconnue)
    assert len(mail.outbox) == 1


def test_un_compte_non_verrouille_ne_recoit_pas_de_lien(compte: Utilisateur) -> None:
    client().post("/deblocage/", {"email": EMAIL})

    assert mail.outbox == []


def test_le_lien_ne_debloque_pas_une_adresse_ip_verrouillee(compte: Utilisateur) -> None:
    """Sinon un attaquant débloquerait son adresse avec son propre compte et recommencerait."""
    attaquant = client()
    for numero in range(9):
        connexion(attaquant, f"victime{numero}@exemple.fr")
    connexion(attaquant, EMAIL)
    # Le compte n'a qu'un échec : pas verrouillé, pas de lien ; l'adresse reste bloquée.
    attaquant.post("/deblocage/", {"email": EMAIL})

    assert mail.outbox == []
    assert connexion(attaquant, mot_de_passe=MOT_DE_PASSE).status_code == 429


def test_le_mot_de_passe_oublie_est_limite_par_compte(compte: Utilisateur) -> None:
    navigateur = client()
    for _ in range(10):
        assert navigateur.post("/mot-de-passe/oublie/", {"email": EMAIL}).status_code == 302

    reponse = navigateur.post("/mot-de-passe/oublie/", {"email": EMAIL})

    assert reponse.status_code == 429
    assert len(mail.outbox) == 10


def test_un_nouveau_mot_de_passe_choisi_leve_le_verrou_du_compte(compte: Utilisateur) -> None:
    manquer(client(AUTRE_IP), 9)
    navigateur = client()
    # La demande est le dixième essai : le compte est verrouillé, le lien reçu le libère.
    navigateur.post("/mot-de-passe/oublie/", {"email": EMAIL})
    assert connexion(navigateur, mot_de_passe=MOT_DE_PASSE).status_code == 429
    lien = re.search(r"/mot-de-passe/nouveau/\S+/", mail.outbox[0].body).group(0)
    formulaire = navigateur.get(lien, follow=True)
    nouveau = "un-tout-nouveau-mot-2026"
    navigateur.post(
        formulaire.redirect_chain[-1][0],
        {"new_password1": nouveau, "new_password2": nouveau},
    )

    assert connexion(navigateur, mot_de_passe=nouveau).status_code == 302


def test_les_liens_de_nouveau_mot_de_passe_faux_sont_limites_par_adresse_ip(db) -> None:
    navigateur = client()
    for numero in range(10):
        assert navigateur.get(f"/mot-de-passe/nouveau/MQ/faux-{numero}/").status_code == 200

    assert navigateur.get("/mot-de-passe/nouveau/MQ/faux-11/").status_code == 429
    assert client(AUTRE_IP).get("/mot-de-passe/nouveau/MQ/faux-12/").status_code == 200


def test_les_liens_de_confirmation_d_inscription_faux_sont_limites_par_adresse_ip(db) -> None:
    navigateur = client()
    for numero in range(10):
        assert navigateur.get(f"/inscription/confirmer/faux{numero}/").status_code == 400

    reponse = navigateur.get("/inscription/confirmer/faux-encore/")

    assert reponse.status_code == 429
    assert "Vous pourrez réessayer à partir de" in texte(reponse)
    assert client(AUTRE_IP).get("/inscription/confirmer/faux/").status_code == 400


def test_les_demandes_de_nouveau_lien_de_confirmation_sont_limitees(db) -> None:
    navigateur = client()
    for _ in range(10):
        navigateur.post("/inscription/nouveau-lien/", {"email": EMAIL})

    assert navigateur.post("/inscription/nouveau-lien/", {"email": EMAIL}).status_code == 429


MOT = "un-mot-de-passe-bien-long-2026"


def inscrire(navigateur: Client, email: str):
    return navigateur.post(
        "/inscription/",
        {"email": email, "prenom": "Camille", "nom": "Martin", "password1": MOT, "password2": MOT},
        follow=True,
    )


def test_l_inscription_repond_pareil_que_l_adresse_ait_un_compte_ou_non(
    compte: Utilisateur,
) -> None:
    UtilisateurFactory(email="en-attente@exemple.fr", is_active=False)

    nouvelle = inscrire(client(), "nouvelle@exemple.fr")
    existante = inscrire(client(), EMAIL)
    en_attente = inscrire(client(), "en-attente@exemple.fr")

    chemins = {tuple(url for url, _ in r.redirect_chain) for r in (nouvelle, existante, en_attente)}
    assert chemins == {("/inscription/envoyee/",)}
    pages = [
        texte(r).replace(adresse, "ADRESSE")
        for r, adresse in [
            (nouvelle, "nouvelle@exemple.fr"),
            (existante, EMAIL),
            (en_attente, "en-attente@exemple.fr"),
        ]
    ]
    assert pages[0] == pages[1] == pages[2]
    destinataires = sorted(m.to[0] for m in mail.outbox)
    assert destinataires == sorted(["nouvelle@exemple.fr", EMAIL, "en-attente@exemple.fr"])
    corps = {m.to[0]: m.body for m in mail.outbox}
    assert "Vous avez déjà un compte" in corps[EMAIL]
    assert "/inscription/confirmer/" in corps["en-attente@exemple.fr"]
    # Le compte existant n'a pas changé de mot de passe.
    compte.refresh_from_db()
    assert compte.check_password(MOT_DE_PASSE)


def test_l_inscription_a_la_chaine_depuis_une_adresse_ip_est_limitee(db) -> None:
    navigateur = client()
    for numero in range(10):
        inscrire(navigateur, f"sonde{numero}@exemple.fr")

    assert inscrire(navigateur, "sonde-de-trop@exemple.fr").status_code == 429
    assert not Utilisateur.objects.filter(email="sonde-de-trop@exemple.fr").exists()


def test_un_succes_remet_le_compteur_du_compte_a_zero(compte: Utilisateur) -> None:
    navigateur = client()
    manquer(navigateur, 9)
    assert connexion(navigateur, mot_de_passe=MOT_DE_PASSE).status_code == 302
    navigateur.post("/deconnexion/")

    manquer(navigateur, 9)

    assert connexion(navigateur, mot_de_passe=MOT_DE_PASSE).status_code == 302
