"""Le serveur de production : gunicorn, `gunicorn -c config/gunicorn.conf.py`.

Chaque réglage se change par une variable d'environnement (docs/exploitation.md). Les
processus ne gardent aucun état : sessions et verrous sont en base, les fichiers déposés dans
MEDIA_ROOT (un stockage partagé dès qu'il y a plusieurs machines, docs/echelle.md). On peut
donc lancer autant de processus et de machines que la base le permet, sans affinité de session.
"""

from __future__ import annotations

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Deux processus par cœur plus un : l'usage courant pour une application qui attend la base.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Un export ou un PDF long ne doit pas être coupé ; au-delà, c'est une tâche de fond.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycler un processus de temps en temps borne une fuite de mémoire éventuelle.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Derrière le mandataire HTTPS : l'adresse du client vient de X-Forwarded-For.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """Django chargé, les objets du démarrage (modules, modèles, réglages, adresses) ne seront
    jamais libérés : `gc.freeze()` les retire des collectes du ramasse-miettes. Sans cela,
    chaque collecte complète les reparcourt toutes : ≈ 100 ms une page sur soixante environ
    (mesuré sur la file de la Caf à l'échelle nationale, ≈ 25 ms après ; docs/echelle.md)."""
    import gc

    gc.freeze()
