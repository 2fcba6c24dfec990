# Plateforme Clas — cibles de développement. Seul Python 3.11 est requis.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installe
HOST ?= 127.0.0.1
PORT ?= 8000

# En développement : DEBUG activé (clé secrète de développement, courriels dans la console).
export DEBUG ?= true
export PYTHONUNBUFFERED := 1
# Les fichiers compilés (__pycache__/, ignorés par git) sont gardés même si la machine les
# interdit : sans eux, chaque processus de test, chaque `manage.py` lancé par un test et
# chaque serveur de mesure recompile tout le projet (la collecte des tests passait de 6 à 15 s
# de calcul par processus).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run install migrate demo test lint format e2e bench bench-exports fuzz-api fuzz check clean

# Les tâches de fond (exports longs, courriels retentés) attendent en base et un travailleur
# les exécute, comme en production ; la démo se charge avec le backend immédiat.
TACHES_EN_BASE := django_tasks.backends.database.DatabaseBackend

run: install migrate demo ## installe, migre, charge la démo, sert http://127.0.0.1:8000 et lance le travailleur des tâches (autre port : make run PORT=8001)
	@echo "==> 4/4 Serveur de développement : http://$(HOST):$(PORT)/ et travailleur des tâches de fond (Ctrl+C arrête les deux)"
	@# Le travailleur tourne à côté du serveur ; il est arrêté avec lui (Ctrl+C, erreur, fin).
	@# --no-reload : un seul processus, que « kill » arrête vraiment (le rechargement en
	@# laisserait un second, orphelin) ; relancez make run après avoir modifié une tâche.
	@export TASKS_BACKEND=$(TACHES_EN_BASE); \
	$(PY) manage.py db_worker --no-reload & travailleur=$$!; \
	trap 'kill $$travailleur 2>/dev/null; wait $$travailleur 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

$(STAMP): pyproject.toml requirements.txt
	@echo "==> 1/4 Installation : environnement .venv et dépendances épinglées de requirements.txt (environ 30 s, une seule fois)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## crée .venv et installe les dépendances épinglées

migrate: install ## applique les migrations (SQLite par défaut, ou DATABASE_URL)
	@# Une base locale d'avant la réorganisation des applications (décembre 2026, migrations
	@# régénérées) est mise de côté, puis refaite : ses migrations n'existent plus.
	@if [ -z "$$DATABASE_URL" ] && [ -f db.sqlite3 ] && $(PY) -c "import sqlite3,sys; \
	  c=sqlite3.connect('db.sqlite3'); \
	  sys.exit(0 if c.execute(\"select 1 from sqlite_master where name='django_migrations'\").fetchone() \
	  and c.execute(\"select 1 from django_migrations where app='conventions' and name='0002_lots_bilan_indu_avenant'\").fetchone() else 1)"; then \
	  mv db.sqlite3 db.sqlite3.avant-reorganisation; \
	  echo "Base locale d'avant la réorganisation mise de côté (db.sqlite3.avant-reorganisation) : elle est refaite."; \
	fi
	@echo "==> 2/4 Base de données : migrations (référentiel des Caf et paramètres du barème compris)"
	$(PY) manage.py migrate --noinput

demo: migrate ## charge les données de démonstration (idempotent) et affiche les comptes
	@echo "==> 3/4 Données de démonstration (idempotent, environ une minute la première fois : accusés, lettres et conventions en PDF)"
	$(PY) manage.py charger_demo --url http://$(HOST):$(PORT)/

test: install ## tous les tests (hors navigateur), sur SQLite ou DATABASE_URL, sur chaque cœur (pytest-xdist)
	$(PY) -m pytest -q -n auto

lint: install ## format, lint, typage (mypy + django-stubs, barème strict), contrôles Django
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	@# Sûr par défaut : avec seulement SECRET_KEY et ALLOWED_HOSTS, aucun avertissement.
	env -u SECURE_SSL_REDIRECT -u SECURE_HSTS_SECONDS -u SECURE_HSTS_INCLUDE_SUBDOMAINS \
	  -u SECURE_COOKIES -u DJANGO_ALLOW_ASYNC_UNSAFE DEBUG=false SECRET_KEY=verification-du-deploiement-$$(printf '%040d' 0) \
	  ALLOWED_HOSTS=clas.example.fr $(PY) manage.py check --deploy --fail-level WARNING

format: install ## reformate le code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

e2e: install ## parcours dans Chromium (/usr/bin/chromium) ; captures dans tests/e2e/captures/
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q -m e2e tests/e2e

bench: migrate ## mesures : barème (bench/bareme.md), pages et API à l'échelle nationale sous gunicorn (bench/RESULTATS.md, resultats.json)
	$(PY) bench/bareme.py
	$(PY) bench/pages.py

bench-exports: install ## temps et mémoire des exports nationaux, sur une base remplie par generer_national (bench/resultats_exports.md)
	$(PY) bench/exports.py

fuzz-api: install ## schemathesis (--checks all, 10 cas par point) sur l'API d'un serveur de démo temporaire (version de la CI)
	scripts/fuzz_api.sh

fuzz: install ## fuzz long : tests de propriétés (profil hypothesis « fuzz ») puis schemathesis, 300 cas par point
	$(PY) -m pytest -q -p no:cacheprovider --hypothesis-profile=fuzz tests/demo/test_saisies_hostiles.py tests/bareme
	scripts/fuzz_api.sh --long

clean: ## supprime l'environnement et la base locale
	rm -rf $(VENV) db.sqlite3 staticfiles
