"""Deux processus gunicorn sur une même base : une personne connectée passe de l'un à l'autre
sans rien perdre (ni affinité de session, ni état gardé dans un processus).

Le test lance le vrai serveur de production (config/gunicorn.conf.py) deux fois, sur deux
ports, avec une base SQLite à part ; il se connecte par l'un, lit et se déconnecte par
l'autre, comme le ferait un répartiteur de charge qui change de processus à chaque requête.
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.base_sqlite import copie_de_la_base_migree, environnement_sqlite

RACINE = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
EMAIL, MOT_DE_PASSE = "deux.processus@exemple.fr", "un-mot-de-passe-solide-2026"


def port_libre() -> int:
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        return int(prise.getsockname()[1])


def attendre(port: int, processus: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        assert processus.poll() is None, "gunicorn s'est arrêté au démarrage"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sante/", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"gunicorn ne répond pas sur le port {port}")


@pytest.fixture(scope="module")
def deux_serveurs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    base = tmp_path_factory.mktemp("deux-processus") / "base.sqlite3"
    copie_de_la_base_migree(tmp_path_factory, base)
    env = environnement_sqlite(base)
    gestion = [sys.executable, "manage.py"]
    creation = (
        "from clas.comptes.models import Utilisateur; "
        f"Utilisateur.objects.create_user(email={EMAIL!r}, password={MOT_DE_PASSE!r}, "
        "prenom='Deux', nom='Processus')"
    )
    subprocess.run([*gestion, "shell", "-c", creation], cwd=RACINE, env=env, check=True)
    ports = [port_libre(), port_libre()]
    serveurs = [
        subprocess.Popen(
            [str(GUNICORN), "-c", "config/gunicorn.conf.py", "--workers", "1"],
            cwd=RACINE,
            env=env | {"GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, serveur in zip(ports, serveurs, strict=True):
            attendre(port, serveur)
        yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    finally:
        for serveur in serveurs:
            serveur.terminate()
            serveur.wait(timeout=30)


class Navigateur:
    """Un navigateur minimal : ses cookies valent pour les deux processus (même hôte)."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.ouvreur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, adresse: str) -> tuple[int, str, str]:
        with self.ouvreur.open(adresse, timeout=30) as reponse:
            return reponse.status, reponse.url, reponse.read().decode()

    def post(self, adresse: str, champs: dict[str, str]) -> tuple[int, str, str]:
        jeton = next(c.value for c in self.cookies if c.name == "csrftoken")
        donnees = urllib.parse.urlencode({**champs, "csrfmiddlewaretoken": jeton}).encode()
        requete = urllib.request.Request(adresse, data=donnees, method="POST")  # noqa: S310
        with self.ouvreur.open(requete, timeout=30) as reponse:
            return reponse.status, reponse.url, reponse.read().decode()


def test_une_personne_connectee_passe_d_un_processus_a_l_autre(deux_serveurs) -> None:
    premier, second = deux_serveurs
    navigateur = Navigateur()

    navigateur.get(f"{premier}/connexion/")
    statut, arrivee, _ = navigateur.post(
        f"{premier}/connexion/", {"username": EMAIL, "password": MOT_DE_PASSE}
    )
    assert statut == 200 and "/connexion/" not in arrivee

    # Le second processus n'a jamais vu cette personne : la session est en base.
    statut, arrivee, page = navigateur.get(f"{second}/structure/")
    assert statut == 200 and arrivee.endswith("/structure/")
    assert EMAIL in page

    # Se déconnecter par le second ferme la session pour le premier aussi.
    navigateur.post(f"{second}/deconnexion/", {})
    _, arrivee, _ = navigateur.get(f"{premier}/structure/")
    assert re.search(r"/connexion/\?next=", arrivee)
