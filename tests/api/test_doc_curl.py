"""Les exemples `curl` de docs/api.md marchent sur la démo : chacun est exécuté, dans l'ordre
du document, par le client de test de Django sur la démo chargée, et doit répondre le code
noté `# → 200` sous lui. Les jetons sont créés comme le document le dit, par la commande
`creer_jeton` ; les identifiants sont lus dans les réponses par le même code Python que le
document. Chaque point d'API du schéma OpenAPI doit y avoir au moins un exemple."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from pytest_django import DjangoDbBlocker

from tests.demo.chargement import demo_chargee

pytestmark = pytest.mark.django_db

RACINE = Path(__file__).resolve().parents[2]
DOC = RACINE / "docs" / "api.md"
ATTENDU = re.compile(r"^# → (\d{3})$")
AFFECTATION = re.compile(r"^([A-Z_]+)=\$\((.*)\)$")
VARIABLE = re.compile(r"\$\{?([A-Z_]+)\}?")


@pytest.fixture(scope="module")
def _demo(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    with demo_chargee(django_db_blocker, tmp_path_factory.mktemp("media-demo-api")):
        yield


@dataclass
class Appel:
    methode: str
    chemin: str
    corps: bytes
    entetes: dict[str, str]


def lignes_du_document() -> list[str]:
    """Les lignes des blocs ```sh, les suites de ligne (« \\ ») recollées."""
    blocs = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [ligne.strip() for bloc in blocs for ligne in bloc.replace("\\\n", " ").splitlines()]


def developper(commande: str, variables: dict[str, str]) -> str:
    def valeur(trouve: re.Match[str]) -> str:
        nom = trouve.group(1)
        assert nom in variables, f"variable ${nom} utilisée avant d'être définie : {commande}"
        return variables[nom]

    return VARIABLE.sub(valeur, commande)


def lire_curl(commande: str) -> Appel:
    """Les options de curl que le document emploie ; toute autre fait échouer le test."""
    mots = shlex.split(commande)
    assert mots[0] == "curl", commande
    methode, corps, entetes, adresse = "", b"", {}, ""
    options = iter(mots[1:])
    for mot in options:
        if mot in ("-s", "-sS"):
            continue
        if mot == "-X":
            methode = next(options)
        elif mot == "-H":
            nom, _, valeur = next(options).partition(":")
            entetes[nom.strip()] = valeur.strip()
        elif mot in ("-d", "--data"):
            donnee = next(options)
            corps = (
                (RACINE / donnee[1:]).read_bytes() if donnee.startswith("@") else donnee.encode()
            )
            entetes.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif mot.startswith("http://127.0.0.1:8000/"):
            adresse = mot
        else:
            raise AssertionError(f"option de curl inconnue du test : {mot} ({commande})")
    assert adresse, commande
    morceaux = urlsplit(adresse)
    chemin = morceaux.path + (f"?{morceaux.query}" if morceaux.query else "")
    return Appel(methode or ("POST" if corps else "GET"), chemin, corps, entetes)


def envoyer(appel: Appel) -> Any:
    entetes = dict(appel.entetes)
    type_contenu = entetes.pop("Content-Type", "application/octet-stream")
    return Client().generic(
        appel.methode, appel.chemin, appel.corps, content_type=type_contenu, headers=entetes
    )


def creer_jeton(commande: str) -> str:
    """« DEBUG=true .venv/bin/python manage.py creer_jeton EMAIL … | tail -n 1 »."""
    avant, _, apres = commande.partition("|")
    assert apres.strip() == "tail -n 1", commande
    mots = shlex.split(avant)
    sortie = StringIO()
    call_command(*mots[mots.index("creer_jeton") :], stdout=sortie)
    return sortie.getvalue().strip().splitlines()[-1]


def lire_dans_la_reponse(commande: str, variables: dict[str, str]) -> str:
    """« curl … | python3 -c '…' » : le code Python du document lit la réponse."""
    avant, _, apres = commande.partition("|")
    programme = shlex.split(apres)
    assert programme[:2] == ["python3", "-c"] and len(programme) == 3, commande
    reponse = envoyer(lire_curl(developper(avant, variables)))
    assert reponse.status_code == 200, (commande, reponse.content)
    lu = subprocess.run(
        [sys.executable, "-c", programme[2]],
        input=reponse.content,
        capture_output=True,
        check=True,
        timeout=30,
    )
    return lu.stdout.decode().strip()


def gabarit(chemin: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(chemin)) + r"(\?.*)?$")


def test_chaque_exemple_curl_de_la_documentation_repond_le_code_annonce(_demo: None) -> None:
    variables: dict[str, str] = {}
    appels: list[tuple[str, str]] = []
    en_attente: tuple[str, int] | None = None  # la dernière commande et son code
    for ligne in lignes_du_document():
        if attendu := ATTENDU.match(ligne):
            assert en_attente is not None, f"code attendu sans appel au-dessus : {ligne}"
            commande, obtenu = en_attente
            assert obtenu == int(attendu.group(1)), commande
            en_attente = None
            continue
        assert en_attente is None, f"appel sans code attendu en dessous : {en_attente[0]}"
        if affectation := AFFECTATION.match(ligne):
            nom, commande = affectation.groups()
            if "creer_jeton" in commande:
                variables[nom] = creer_jeton(commande)
            else:
                variables[nom] = lire_dans_la_reponse(commande, variables)
        elif ligne.startswith("curl "):
            appel = lire_curl(developper(ligne, variables))
            reponse = envoyer(appel)
            if reponse.status_code >= 400:  # toute erreur a le format commun
                assert set(reponse.json()) == {"erreurs"}, reponse.content
                assert reponse.json()["erreurs"][0]["message"], reponse.content
            appels.append((appel.methode, appel.chemin))
            en_attente = (ligne, reponse.status_code)
    assert en_attente is None, f"appel sans code attendu en dessous : {en_attente[0]}"

    document = Client().get("/api/v1/openapi.json").json()
    sans_exemple = [
        f"{methode.upper()} {chemin}"
        for chemin, operations in document["paths"].items()
        for methode in operations
        if not any(m == methode.upper() and gabarit(chemin).match(c) for m, c in appels)
    ]
    assert not sans_exemple, f"points d'API sans exemple curl dans docs/api.md : {sans_exemple}"
