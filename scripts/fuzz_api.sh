#!/usr/bin/env bash
# Fuzz de l'API par schemathesis contre son schéma OpenAPI (/api/v1/openapi.json), toutes
# vérifications (`--checks all`), sur un serveur de test qui a la démo chargée et un jeton
# créé par `creer_jeton`. Tout échec (erreur 500, réponse hors schéma, statut non documenté,
# donnée invalide acceptée…) fait sortir en erreur.
#
#   scripts/fuzz_api.sh            version bornée, pour la CI (environ 2 min 30 : une minute
#                                  de chargement de la démo, puis 10 cas par point d'API)
#   scripts/fuzz_api.sh --long     version longue (make fuzz) : 300 cas par point d'API
#
# Variables : FUZZ_EXEMPLES (cas par point d'API), FUZZ_GRAINE (rejouer un tirage : la
# graine est affichée à la fin de chaque passage), FUZZ_PORT.
# La base (SQLite) et les fichiers sont dans un dossier temporaire, supprimé à la fin.
set -euo pipefail
cd "$(dirname "$0")/.."

EXEMPLES="${FUZZ_EXEMPLES:-10}"
if [ "${1:-}" = "--long" ]; then
  EXEMPLES="${FUZZ_EXEMPLES:-300}"
fi
PY=.venv/bin/python
DOSSIER="$(mktemp -d "${TMPDIR:-/tmp}/clas-fuzz-api.XXXXXX")"
SERVEUR=""

nettoyer() {
  if [ -n "$SERVEUR" ]; then
    kill "$SERVEUR" 2>/dev/null || true
    wait "$SERVEUR" 2>/dev/null || true
  fi
  rm -rf "$DOSSIER"
}
trap nettoyer EXIT

export DEBUG=true
export DATABASE_URL="sqlite:///$DOSSIER/db.sqlite3"
export MEDIA_ROOT="$DOSSIER/media"
export CLAS_2FA_OBLIGATOIRE=false
# Schemathesis envoie des milliers de requêtes par minute avec le même jeton, et des jetons
# faux exprès (vérification `ignored_auth`) : débit et verrou de force brute relevés pour ce
# serveur seulement (tests/api les vérifient à leurs valeurs normales).
export CLAS_API_REQUETES_PAR_MINUTE=1000000
export AXES_FAILURE_LIMIT=1000000

echo "== Fuzz de l'API : base de démonstration dans $DOSSIER =="
$PY manage.py migrate --noinput >"$DOSSIER/migrate.log"
$PY manage.py charger_demo >"$DOSSIER/demo.log"
# Un instructeur de la Caf du Rhône, en lecture et écriture : il atteint tous les points
# (dossiers, versements et lots, messages, annotations, prise en instruction).
JETON="$($PY manage.py creer_jeton instructeur@demo.clas.fr --nom "Fuzz de l'API" --jours 7 | tail -n 1)"

PORT="${FUZZ_PORT:-$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
$PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$DOSSIER/serveur.log" 2>&1 &
SERVEUR=$!

# La version bornée (CI) rejoue toujours le même tirage, pour qu'un échec de la CI se
# reproduise à l'identique ; la version longue tire au hasard (graine affichée à la fin).
GRAINE=()
if [ -n "${FUZZ_GRAINE:-}" ]; then
  GRAINE=(--seed "$FUZZ_GRAINE")
elif [ "${1:-}" != "--long" ]; then
  GRAINE=(--seed 244070684104399623574349361046573463267)
fi

echo "== schemathesis : $EXEMPLES cas par point d'API, toutes vérifications =="
if ! .venv/bin/schemathesis --config-file scripts/schemathesis.toml run \
  "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --wait-for-schema 60 \
  --checks all \
  --max-examples "$EXEMPLES" \
  --workers 1 \
  --generation-database none \
  --header "Authorization: Bearer $JETON" \
  "${GRAINE[@]}"; then
  echo "== Échec : fin du journal du serveur ($DOSSIER/serveur.log) =="
  grep -v -E '^(Bad Request|Unauthorized|Forbidden|Not Found|Method Not Allowed|Conflict|Unprocessable Entity|Too Many Requests):|" [1-4][0-9][0-9] ' \
    "$DOSSIER/serveur.log" | tail -n 80 || true
  exit 1
fi
