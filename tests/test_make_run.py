"""`make run` lance le travailleur des tâches de fond à côté du serveur, avec le backend en
base, et l'arrête avec lui : quand le serveur s'arrête (erreur, port pris) et sur Ctrl+C.
Le vrai Python est remplacé par un faux interpréteur qui note ce qu'on lui demande."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make absent")

FAUX_PYTHON = """#!/bin/sh
case "$*" in
  *db_worker*) trap 'echo "$$ arrete" >> "$JOURNAL"; exit 0' TERM INT
               echo "$$ $TASKS_BACKEND $*" >> "$JOURNAL"
               while :; do sleep 0.05; done ;;
  *runserver*) echo "$$ $TASKS_BACKEND $*" >> "$JOURNAL"
               if [ -n "$SERVEUR_S_ARRETE" ]; then
                 until grep -q db_worker "$JOURNAL"; do sleep 0.05; done
                 exit 3
               fi
               while :; do sleep 0.05; done ;;
esac
"""


def _lancer(tmp_path: Path, **env: str) -> tuple[subprocess.Popen[bytes], Path]:
    faux = tmp_path / "python"
    faux.write_text(FAUX_PYTHON)
    faux.chmod(0o755)
    journal = tmp_path / "journal"
    journal.touch()
    processus = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "-o",
            "install",
            "-o",
            "migrate",
            "-o",
            "demo",
            "run",
            f"PY={faux}",
        ],
        cwd=RACINE,
        env={**os.environ, "JOURNAL": str(journal), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # son propre groupe : le « terminal » de Ctrl+C
    )
    return processus, journal


def _lignes(journal: Path, attendues: int) -> list[str]:
    for _ in range(200):
        lignes = journal.read_text().splitlines()
        if len(lignes) >= attendues:
            return lignes
        time.sleep(0.05)
    return journal.read_text().splitlines()


def test_le_travailleur_tourne_avec_le_serveur_et_s_arrete_quand_il_s_arrete(tmp_path):
    processus, journal = _lancer(tmp_path, SERVEUR_S_ARRETE="1")
    assert processus.wait(timeout=20) != 0  # l'erreur du serveur remonte
    lignes = _lignes(journal, 3)
    travailleur = next(ligne for ligne in lignes if "db_worker" in ligne)
    serveur = next(ligne for ligne in lignes if "runserver" in ligne)
    base = "django_tasks.backends.database.DatabaseBackend"
    assert f"{base} manage.py db_worker --no-reload" in travailleur
    assert f"{base} manage.py runserver 127.0.0.1:8000" in serveur
    assert f"{travailleur.split()[0]} arrete" in lignes


def test_ctrl_c_arrete_le_serveur_et_le_travailleur(tmp_path):
    processus, journal = _lancer(tmp_path)
    lignes = _lignes(journal, 2)
    assert any("runserver" in ligne for ligne in lignes), lignes
    os.killpg(processus.pid, signal.SIGINT)  # ce que fait le terminal sur Ctrl+C
    processus.wait(timeout=20)
    travailleur = next(ligne for ligne in lignes if "db_worker" in ligne).split()[0]
    assert f"{travailleur} arrete" in _lignes(journal, 3)
    assert _groupe_vide(processus.pid), "un processus de make run tourne encore"


def _groupe_vide(groupe: int) -> bool:
    for _ in range(100):
        try:
            os.killpg(groupe, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
