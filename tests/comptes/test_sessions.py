"""Sessions (ticket 11, point 7) : un agent de Caf ou un administrateur national est
déconnecté après 30 minutes sans activité et 8 heures en tout, pas un porteur ; chacun voit
ses sessions ouvertes et les ferme, jamais celles d'un autre."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clas.comptes.models import SessionOuverte, Utilisateur
from clas.comptes.sessions import appareil, ip_tronquee
from tests.factories import MOT_DE_PASSE
from tests.outils import texte

pytestmark = pytest.mark.django_db

DEBUT = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
PAGE = "/mon-compte/sessions/"


@contextmanager
def a(minutes: float) -> Iterator[None]:
    with time_machine.travel(DEBUT + dt.timedelta(minutes=minutes), tick=False):
        yield


def connecte(utilisateur: Utilisateur, agent: str = FIREFOX, ip: str = "203.0.113.42") -> Client:
    navigateur = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    reponse = navigateur.post(
        "/connexion/", {"username": utilisateur.email, "password": MOT_DE_PASSE}
    )
    assert reponse.status_code == 302, texte(reponse)
    return navigateur


def est_connecte(navigateur: Client) -> bool:
    reponse = navigateur.get(PAGE)
    return reponse.status_code == 200


# --- Durée des sessions -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["instructeur", "comptable", "national"])
def test_un_agent_est_deconnecte_apres_30_minutes_sans_activite(
    utilisateurs: dict[str, Utilisateur], persona: str
) -> None:
    with a(0):
        navigateur = connecte(utilisateurs[persona])
    with a(29):
        assert est_connecte(navigateur)
    with a(29 + 29):
        assert est_connecte(navigateur)  # chaque requête relance les 30 minutes
    with a(29 + 29 + 31):
        reponse = navigateur.get(PAGE, follow=True)

    assert reponse.redirect_chain[0][0] == f"/connexion/?next={PAGE.replace('/', '%2F')}"
    assert "Votre session a expiré après 30 minutes sans activité" in texte(reponse)
    assert not reponse.wsgi_request.user.is_authenticated
    assert not SessionOuverte.objects.filter(utilisateur=utilisateurs[persona]).exists()


def _ecrit_la_session(navigateur: Client) -> bool:
    with CaptureQueriesContext(connection) as requetes:
        assert est_connecte(navigateur)
    return any('UPDATE "django_session"' in q["sql"] for q in requetes.captured_queries)


def test_la_session_d_un_agent_n_est_reecrite_que_toutes_les_20_secondes(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    """Pas d'écriture de la session à chaque page : l'heure de la dernière activité avance
    par pas de 20 secondes, et l'inactivité se compte depuis elle (au pire 20 s plus tôt)."""
    with a(0):
        navigateur = connecte(utilisateurs["instructeur"])
    with a(1):
        assert _ecrit_la_session(navigateur)
    with a(1 + 10 / 60):
        assert not _ecrit_la_session(navigateur)  # 10 s après : rien à écrire
    with a(1 + 25 / 60):
        assert _ecrit_la_session(navigateur)  # 25 s après l'écriture : l'heure avance
    with a(1 + 25 / 60 + 29.9):
        assert est_connecte(navigateur)  # 29,9 min sans activité : toujours connecté
    with a(1 + 25 / 60 + 29.9 + 30.2):
        reponse = navigateur.get(PAGE, follow=True)
    assert "Votre session a expiré après 30 minutes sans activité" in texte(reponse)


def test_un_agent_actif_est_deconnecte_apres_8_heures(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    with a(0):
        navigateur = connecte(utilisateurs["valideur"])
    for minute in range(20, 8 * 60, 20):
        with a(minute):
            assert est_connecte(navigateur), f"déconnecté trop tôt, à {minute} minutes"
    with a(8 * 60 + 1):
        reponse = navigateur.get(PAGE, follow=True)

    assert "Votre session a expiré après 8 heures de connexion" in texte(reponse)
    assert not reponse.wsgi_request.user.is_authenticated


@pytest.mark.parametrize("persona", ["porteur", "porteur_autre"])
def test_un_porteur_garde_sa_session_apres_30_minutes_sans_activite(
    utilisateurs: dict[str, Utilisateur], persona: str
) -> None:
    with a(0):
        navigateur = connecte(utilisateurs[persona])
    with a(3 * 60):
        assert est_connecte(navigateur)
    with a(3 * 60 + 4 * 60):
        assert est_connecte(navigateur)


def test_une_session_d_agent_expiree_va_a_la_connexion_meme_pour_htmx(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    with a(0):
        navigateur = connecte(utilisateurs["instructeur"])
    with a(45):
        reponse = navigateur.get(PAGE, HTTP_HX_REQUEST="true")

    assert reponse.status_code == 200
    assert reponse["HX-Redirect"].startswith("/connexion/")


# --- Liste et fermeture -----------------------------------------------------------------------


def test_la_liste_montre_navigateur_adresse_tronquee_et_derniere_activite(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    porteur = utilisateurs["porteur"]
    with a(0):
        bureau = connecte(porteur)
    with a(5):
        connecte(porteur, agent=SAFARI_IPHONE, ip="2001:db8:85a3::8a2e:370:7334")
    with a(10):
        page = texte(bureau.get(PAGE))

    assert "Firefox 128 sur Windows 10" in page
    assert "Mobile Safari 17 sur iOS 17" in page
    assert "203.0.113.x" in page
    assert "2001:0db8:85a3:…" in page
    assert "203.0.113.42" not in page
    assert "8a2e" not in page
    assert page.count("Cette session") == 1
    assert "Fermer cette session" in page
    assert "Fermer toutes les autres sessions" in page


def test_fermer_une_session_deconnecte_l_autre_navigateur(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    porteur = utilisateurs["porteur"]
    bureau = connecte(porteur)
    telephone = connecte(porteur, agent=SAFARI_IPHONE, ip="198.51.100.9")
    autre = SessionOuverte.objects.get(utilisateur=porteur, appareil__startswith="Mobile Safari")

    reponse = bureau.post(f"/mon-compte/sessions/{autre.pk}/fermer/", follow=True)

    assert "est fermée" in texte(reponse)
    assert not est_connecte(telephone)
    assert est_connecte(bureau)
    assert SessionOuverte.objects.filter(utilisateur=porteur).count() == 1


def test_fermer_toutes_les_autres_garde_celle_ci(utilisateurs: dict[str, Utilisateur]) -> None:
    agent = utilisateurs["instructeur"]
    ici = connecte(agent)
    ailleurs = [connecte(agent, ip=f"192.0.2.{n}") for n in (1, 2)]

    reponse = ici.post("/mon-compte/sessions/fermer-les-autres/", follow=True)

    assert "2 autres sessions fermées" in texte(reponse)
    assert est_connecte(ici)
    assert not any(est_connecte(navigateur) for navigateur in ailleurs)
    assert SessionOuverte.objects.filter(utilisateur=agent).count() == 1


def test_la_session_en_cours_ne_se_ferme_pas_depuis_la_liste(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    ici = connecte(utilisateurs["porteur"])
    courante = SessionOuverte.objects.get(utilisateur=utilisateurs["porteur"])

    reponse = ici.post(f"/mon-compte/sessions/{courante.pk}/fermer/", follow=True)

    assert "Se déconnecter" in texte(reponse)
    assert est_connecte(ici)


def test_on_ne_ferme_pas_la_session_d_un_autre(utilisateurs: dict[str, Utilisateur]) -> None:
    victime = connecte(utilisateurs["porteur_autre"])
    sa_session = SessionOuverte.objects.get(utilisateur=utilisateurs["porteur_autre"])
    curieux = connecte(utilisateurs["porteur"])

    reponse = curieux.post(f"/mon-compte/sessions/{sa_session.pk}/fermer/")
    curieux.post("/mon-compte/sessions/fermer-les-autres/")

    assert reponse.status_code == 404
    assert est_connecte(victime)
    assert SessionOuverte.objects.filter(pk=sa_session.pk).exists()
    assert "porteur.b@exemple.fr" not in texte(curieux.get(PAGE))


@pytest.mark.parametrize("persona", ["instructeur", "national"])
def test_un_agent_ne_ferme_pas_la_session_d_un_porteur(
    utilisateurs: dict[str, Utilisateur], persona: str
) -> None:
    porteur = connecte(utilisateurs["porteur"])
    sa_session = SessionOuverte.objects.get(utilisateur=utilisateurs["porteur"])

    reponse = connecte(utilisateurs[persona]).post(f"/mon-compte/sessions/{sa_session.pk}/fermer/")

    assert reponse.status_code == 404
    assert est_connecte(porteur)


def test_un_anonyme_est_envoye_a_la_connexion(anonyme: Client) -> None:
    assert anonyme.get(PAGE)["Location"].startswith("/connexion/")
    assert anonyme.post("/mon-compte/sessions/fermer-les-autres/")["Location"].startswith(
        "/connexion/"
    )


def test_la_deconnexion_retire_la_session_de_la_liste(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    navigateur = connecte(utilisateurs["porteur"])

    navigateur.post("/deconnexion/")

    assert not SessionOuverte.objects.filter(utilisateur=utilisateurs["porteur"]).exists()


def test_la_page_securite_mene_aux_sessions(porteur: Client) -> None:
    assert f'href="{PAGE}"' in texte(porteur.get("/mon-compte/securite/"))


@pytest.mark.parametrize(
    ("adresse", "attendue"),
    [
        ("203.0.113.42", "203.0.113.x"),
        ("2001:db8:85a3::8a2e:370:7334", "2001:0db8:85a3:…"),
        ("pas-une-adresse", ""),
        (None, ""),
    ],
)
def test_l_adresse_ip_n_est_gardee_que_tronquee(adresse: str | None, attendue: str) -> None:
    assert ip_tronquee(adresse) == attendue


def test_un_navigateur_inconnu_est_dit_tel_quel() -> None:
    assert appareil("") == "Navigateur inconnu"
    assert appareil("curl/8.5.0").startswith("curl")


def test_une_session_expiree_disparait_de_la_liste(utilisateurs: dict[str, Utilisateur]) -> None:
    porteur = utilisateurs["porteur"]
    with a(0):
        connecte(porteur, ip="192.0.2.1")
    with a(7 * 60):
        recente = connecte(porteur, ip="198.51.100.9")
    with a(8 * 60 + 30):
        page = texte(recente.get(PAGE))

    assert "198.51.100.x" in page
    assert "192.0.2.x" not in page
    assert SessionOuverte.objects.filter(utilisateur=porteur).count() == 1


@pytest.mark.parametrize(
    ("persona", "attendu"),
    [
        ("anonyme", 302),
        ("porteur", 200),
        ("porteur_autre", 200),
        ("instructeur", 200),
        ("instructeur_autre_caf", 200),
        ("valideur", 200),
        ("comptable", 200),
        ("national", 200),
    ],
)
def test_chacun_voit_ses_sessions_et_seulement_les_siennes(
    client_de, utilisateurs: dict[str, Utilisateur], persona: str, attendu: int
) -> None:
    """Chaque persona est connecté (conftest) : la liste ne montre que sa session."""
    reponse = client_de(persona).get(PAGE)

    assert reponse.status_code == attendu
    if attendu == 200:
        assert texte(reponse).count("Cette session") == 1
        assert "Fermer cette session" not in texte(reponse)
