"""Le barème est du Python pur : l'importer ne doit jamais charger Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, pkgutil, sys
import clas.bareme
for module in pkgutil.walk_packages(clas.bareme.__path__, "clas.bareme."):
    importlib.import_module(module.name)
charges = sorted(nom for nom in sys.modules if nom.startswith("clas.bareme."))
assert charges, "aucun sous-module chargé"
print(",".join(charges))
print("django" in sys.modules)
"""


def test_importer_le_bareme_et_tous_ses_sous_modules_ne_charge_pas_django() -> None:
    sortie = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    modules, django_charge = sortie
    assert {"clas.bareme.calcul", "clas.bareme.contrat", "clas.bareme.parametres"} <= set(
        modules.split(",")
    )
    assert django_charge == "False"
