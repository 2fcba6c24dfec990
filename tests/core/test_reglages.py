"""Les réglages lisent l'environnement et refusent de démarrer sur une valeur invalide.

Chaque cas importe `config.settings` dans un processus à part, avec un environnement
maîtrisé : le processus de test garde ses propres réglages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
CLE_VALIDE = "cle-de-test-suffisamment-longue-0123456789"
# Les variables lues par config/settings.py : aucune ne doit fuir du shell qui lance les tests.
VARIABLES_DES_REGLAGES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DATABASE_CONN_MAX_AGE",
    "DATABASE_TEST_NAME",
    "EMAIL_BACKEND",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "LOG_LEVEL",
    "SESSION_COOKIE_AGE",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "BEHIND_HTTPS_PROXY",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "DJANGO_SETTINGS_MODULE",
    "CLAS_2FA_OBLIGATOIRE",
    "TASKS_BACKEND",
    "CLAS_CLAMD",
    "CACHE_URL",
    "CACHE_KEY_PREFIX",
    "CLAS_STATISTIQUES_CACHE",
)


def importer_reglages(
    afficher: str = "s.DEBUG, s.ALLOWED_HOSTS", **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {cle: valeur for cle, valeur in os.environ.items() if cle not in VARIABLES_DES_REGLAGES}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print({afficher})"],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def echoue_avec(resultat: subprocess.CompletedProcess[str], *extraits: str) -> None:
    assert resultat.returncode != 0, resultat.stdout
    assert "ImproperlyConfigured" in resultat.stderr
    for extrait in extraits:
        assert extrait in resultat.stderr


def test_sans_debug_et_sans_cle_secrete_le_demarrage_echoue() -> None:
    echoue_avec(importer_reglages(), "SECRET_KEY est obligatoire")


def test_debug_desactive_explicitement_et_sans_cle_secrete_le_demarrage_echoue() -> None:
    echoue_avec(
        importer_reglages(DEBUG="false", ALLOWED_HOSTS="clas.example.fr"),
        "SECRET_KEY est obligatoire",
    )


def test_une_cle_secrete_trop_courte_est_refusee_hors_debug() -> None:
    echoue_avec(
        importer_reglages(DEBUG="false", SECRET_KEY="courte", ALLOWED_HOSTS="clas.example.fr"),
        "32 caractères",
    )


def test_allowed_hosts_est_obligatoire_hors_debug() -> None:
    echoue_avec(importer_reglages(DEBUG="false", SECRET_KEY=CLE_VALIDE), "ALLOWED_HOSTS")


def test_allowed_hosts_vide_est_refuse_hors_debug() -> None:
    echoue_avec(
        importer_reglages(DEBUG="false", SECRET_KEY=CLE_VALIDE, ALLOWED_HOSTS=" , "),
        "ALLOWED_HOSTS",
    )


def test_hors_debug_avec_cle_et_hotes_les_reglages_se_chargent() -> None:
    resultat = importer_reglages(
        DEBUG="false", SECRET_KEY=CLE_VALIDE, ALLOWED_HOSTS="clas.example.fr, clas.caf.fr"
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == "False ['clas.example.fr', 'clas.caf.fr']"


def test_en_debug_les_reglages_se_chargent_sans_rien_d_autre() -> None:
    resultat = importer_reglages(DEBUG="true")
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == "True ['127.0.0.1', 'localhost']"


@pytest.mark.parametrize("valeur", ["maybe", "peut-être", "2"])
def test_une_valeur_de_debug_ni_vraie_ni_fausse_est_refusee(valeur: str) -> None:
    echoue_avec(importer_reglages(DEBUG=valeur), "DEBUG=", "attendu true ou false")


@pytest.mark.parametrize("valeur", ["pas-une-url", "foo://bar/base"])
def test_une_database_url_illisible_est_refusee(valeur: str) -> None:
    echoue_avec(importer_reglages(DEBUG="true", DATABASE_URL=valeur), "DATABASE_URL invalide")


def test_une_database_url_d_un_moteur_non_pris_en_charge_est_refusee() -> None:
    echoue_avec(
        importer_reglages(DEBUG="true", DATABASE_URL="mysql://clas@127.0.0.1:3306/clas"),
        "seules SQLite et PostgreSQL",
    )


def test_une_database_url_postgresql_est_acceptee_sans_se_connecter() -> None:
    resultat = importer_reglages(DEBUG="true", DATABASE_URL="postgres://clas@127.0.0.1:5432/clas")
    assert resultat.returncode == 0, resultat.stderr


def test_sans_cache_url_le_cache_est_celui_par_defaut_et_les_statistiques_y_sont() -> None:
    resultat = importer_reglages(
        "getattr(s, 'CACHES', None), s.CLAS_STATISTIQUES_CACHE", DEBUG="true"
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == "None True"


def test_une_cache_url_redis_branche_le_cache_de_django_sur_redis() -> None:
    resultat = importer_reglages(
        "s.CACHES['default']['BACKEND']", DEBUG="true", CACHE_URL="redis://127.0.0.1:6379/0"
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def _redis_repond() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_repond(), reason="pas de serveur Redis sur 127.0.0.1:6379")
def test_deux_processus_partagent_le_cache_redis() -> None:
    """Avec CACHE_URL, la limite de l'API et le tableau de bord sont communs à tous les
    processus : ce qu'un processus écrit, un autre le lit."""
    cle = f"essai-{os.getpid()}"
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"print(cache.incr({cle!r}) if cache.get({cle!r}) is not None "
        f"else cache.add({cle!r}, 1, 30))"
    )
    env = {c: v for c, v in os.environ.items() if c not in VARIABLES_DES_REGLAGES} | {
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CACHE_URL": "redis://127.0.0.1:6379/15",
        "CACHE_KEY_PREFIX": "clas-test",
    }
    sorties = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=RACINE, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [s.returncode for s in sorties] == [0, 0], sorties[0].stderr + sorties[1].stderr
    assert [s.stdout.strip() for s in sorties] == ["True", "2"]


def test_une_cache_url_d_un_autre_genre_est_refusee() -> None:
    echoue_avec(
        importer_reglages(DEBUG="true", CACHE_URL="memcached://127.0.0.1:11211"),
        "CACHE_URL=",
        "redis://",
    )


def test_une_origine_csrf_sans_schema_est_refusee() -> None:
    echoue_avec(
        importer_reglages(DEBUG="true", CSRF_TRUSTED_ORIGINS="clas.example.fr"),
        "doit commencer par http:// ou https://",
    )


def test_un_niveau_de_journalisation_inconnu_est_refuse() -> None:
    echoue_avec(importer_reglages(DEBUG="true", LOG_LEVEL="BAVARD"), "LOG_LEVEL")


def test_un_entier_illisible_est_refuse() -> None:
    echoue_avec(importer_reglages(DEBUG="true", EMAIL_PORT="vingt-cinq"), "EMAIL_PORT")


@pytest.mark.parametrize(
    ("variables", "attendu"),
    [
        ({"DEBUG": "true"}, "False"),
        ({"DEBUG": "false", "SECRET_KEY": CLE_VALIDE, "ALLOWED_HOSTS": "clas.example.fr"}, "True"),
        ({"DEBUG": "true", "CLAS_2FA_OBLIGATOIRE": "oui"}, "True"),
        (
            {
                "DEBUG": "false",
                "SECRET_KEY": CLE_VALIDE,
                "ALLOWED_HOSTS": "clas.example.fr",
                "CLAS_2FA_OBLIGATOIRE": "false",
            },
            "False",
        ),
    ],
)
def test_la_double_authentification_est_obligatoire_par_defaut_hors_debug(
    variables: dict[str, str], attendu: str
) -> None:
    resultat = importer_reglages("s.CLAS_2FA_OBLIGATOIRE", **variables)
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == attendu


def test_une_valeur_illisible_de_clas_2fa_obligatoire_est_refusee() -> None:
    echoue_avec(
        importer_reglages(DEBUG="true", CLAS_2FA_OBLIGATOIRE="peut-etre"),
        "CLAS_2FA_OBLIGATOIRE=",
        "attendu true ou false",
    )


def test_hors_debug_https_et_hsts_sont_actifs_par_defaut() -> None:
    resultat = importer_reglages(
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE",
        DEBUG="false",
        SECRET_KEY=CLE_VALIDE,
        ALLOWED_HOSTS="clas.example.fr",
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == "True 31536000 True True True"


def test_un_mandataire_qui_gere_https_les_coupe_par_des_variables_documentees() -> None:
    resultat = importer_reglages(
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER",
        DEBUG="false",
        SECRET_KEY=CLE_VALIDE,
        ALLOWED_HOSTS="clas.example.fr",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        BEHIND_HTTPS_PROXY="true",
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == "False 0 ('HTTP_X_FORWARDED_PROTO', 'https')"


def test_check_deploy_est_propre_avec_seulement_la_cle_et_les_hotes() -> None:
    # DJANGO_ALLOW_ASYNC_UNSAFE : posée par les parcours navigateur pour leur serveur, jamais
    # en production (async.E001).
    env = {
        cle: valeur
        for cle, valeur in os.environ.items()
        if cle not in {*VARIABLES_DES_REGLAGES, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    # Une clé comme en produirait l'hébergeur (CLE_VALIDE, répétitive, déclenche security.W009).
    cle = "k7#Qz9!vR2mX$wL4pT8&nB6yH1cF3jD5sG0aE-uKoPiWqZ+Mx2Vb8Nc4"
    env.update(DEBUG="false", SECRET_KEY=cle, ALLOWED_HOSTS="clas.example.fr")
    resultat = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert resultat.returncode == 0, resultat.stderr + resultat.stdout


@pytest.mark.parametrize(
    ("variables", "attendu"),
    [
        ({"DEBUG": "true"}, "django_tasks.backends.immediate.ImmediateBackend"),
        (
            {"DEBUG": "false", "SECRET_KEY": CLE_VALIDE, "ALLOWED_HOSTS": "clas.example.fr"},
            "django_tasks.backends.database.DatabaseBackend",
        ),
    ],
)
def test_les_reprises_de_courriel_passent_par_la_base_hors_debug(
    variables: dict[str, str], attendu: str
) -> None:
    """Hors DEBUG, les courriels à retenter attendent en base le travailleur `db_worker` ;
    le transport réel reste choisi par EMAIL_BACKEND."""
    resultat = importer_reglages(
        's.TASKS["default"]["BACKEND"], s.EMAIL_BACKEND, s.CLAS_TRANSPORT_COURRIEL',
        **variables,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.split() == [
        attendu,
        "clas.core.courriels.EnvoiAvecReprises",
        "django.core.mail.backends.smtp.EmailBackend",
    ]
