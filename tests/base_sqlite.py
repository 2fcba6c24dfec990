"""Une base SQLite migrée pour les tests qui lancent la plateforme dans un autre processus
(tests/test_cli.py, tests/core/test_deux_processus.py).

`manage.py migrate` prend une dizaine de secondes : la base est migrée une seule fois pour
toute la session, tous les processus de pytest-xdist compris (un verrou sur un fichier du
dossier temporaire qu'ils partagent), et chaque test en reçoit une copie."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[1]


def environnement_sqlite(base: Path) -> dict[str, str]:
    """L'environnement d'un processus de la plateforme sur la base SQLite `base`, sans rien
    de la base de test ni des réglages de production de l'appelant."""
    env = {
        cle: valeur
        for cle, valeur in os.environ.items()
        if not cle.startswith(("DATABASE_", "SECURE_", "GUNICORN_"))
        and cle not in {"SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return env | {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{base}"}


def _dossier_partage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    racine = tmp_path_factory.getbasetemp()
    # Sous pytest-xdist, chaque processus a son dossier (…/popen-gw0) dans un parent commun.
    return racine.parent if os.environ.get("PYTEST_XDIST_WORKER") else racine


def copie_de_la_base_migree(tmp_path_factory: pytest.TempPathFactory, copie: Path) -> Path:
    """Écrit à `copie` une base SQLite migrée (la migration faite une fois par session)."""
    dossier = _dossier_partage(tmp_path_factory)
    modele = dossier / "base-migree.sqlite3"
    with open(dossier / "base-migree.verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)
        if not modele.exists():
            partielle = dossier / "base-migree.partielle.sqlite3"
            migration = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                cwd=RACINE,
                env=environnement_sqlite(partielle),
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert migration.returncode == 0, migration.stderr
            partielle.rename(modele)
    shutil.copy(modele, copie)
    return copie
