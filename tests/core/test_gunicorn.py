"""La configuration de production de gunicorn (config/gunicorn.conf.py)."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"


def test_chaque_processus_gele_les_objets_du_demarrage_apres_avoir_charge_django() -> None:
    """Une collecte complète ne reparcourt plus Django à chaque fois (docs/echelle.md)."""
    reglages = runpy.run_path(str(CONFIG))
    assert reglages["wsgi_app"] == "config.wsgi:application"
    avant = gc.get_freeze_count()
    try:
        reglages["post_worker_init"](object())
        assert gc.get_freeze_count() > avant
    finally:
        gc.unfreeze()
