"""Réglages de la plateforme Clas.

Tout vient de l'environnement (voir docs/exploitation.md). Une valeur invalide arrête le
démarrage avec un message qui dit quoi corriger : mieux vaut ne pas démarrer que démarrer faux.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

VRAI = {"1", "true", "vrai", "oui", "yes", "on"}
FAUX = {"0", "false", "faux", "non", "no", "off", ""}


def env_bool(nom: str, defaut: bool) -> bool:
    brut = os.environ.get(nom)
    if brut is None:
        return defaut
    valeur = brut.strip().lower()
    if valeur in VRAI:
        return True
    if valeur in FAUX:
        return False
    raise ImproperlyConfigured(f"{nom}={brut!r} : valeur invalide, attendu true ou false.")


def env_int(nom: str, defaut: int) -> int:
    brut = os.environ.get(nom)
    if brut is None or not brut.strip():
        return defaut
    try:
        return int(brut)
    except ValueError:
        raise ImproperlyConfigured(f"{nom}={brut!r} : un nombre entier est attendu.") from None


def env_liste(nom: str, defaut: list[str]) -> list[str]:
    brut = os.environ.get(nom)
    if brut is None:
        return defaut
    return [element.strip() for element in brut.split(",") if element.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire quand DEBUG est désactivé. "
            "En développement, lancez la plateforme avec DEBUG=true "
            "(c'est ce que fait « make run »)."
        )
    SECRET_KEY = "dev-uniquement-jamais-en-production"  # noqa: S105
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY doit compter au moins 32 caractères.")

ALLOWED_HOSTS = env_liste("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS est obligatoire quand DEBUG est désactivé "
        "(noms d'hôte séparés par des virgules, par exemple clas.caf.fr)."
    )
CSRF_TRUSTED_ORIGINS = env_liste("CSRF_TRUSTED_ORIGINS", [])
for origine in CSRF_TRUSTED_ORIGINS:
    if not origine.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS : « {origine} » doit commencer par http:// ou https://."
        )

INSTALLED_APPS = [
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "widget_tweaks",
    "dsfr",
    "django_htmx",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks.backends.database",
    "clas.core",
    "clas.comptes",
    "clas.referentiel",
    "clas.structures",
    "clas.campagnes",
    "clas.dossiers",
    "clas.instruction",
    "clas.conventions",
    "clas.versements",
    "clas.bilans",
    "clas.simulateur",
    "clas.statistiques",
    "clas.api",
    "clas.demo",
    "clas.journal",
    "clas.rgpd",
]

MIDDLEWARE = [
    # En tête : en DEBUG, la page technique de Django d'une erreur hors des vues devient
    # la page d'erreur française (voir clas/core/erreurs.py).
    "clas.core.erreurs.PageTechniqueMasquee",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Caractères de contrôle et de direction retirés de toute saisie (clas/core/saisie.py).
    "clas.core.saisie.SaisieNettoyee",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Un courriel qui n'a pas pu partir est retenté en tâche de fond : la personne en est
    # avertie par un message (clas/core/courriels.py).
    "clas.core.courriels.CourrielsDifferes",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # request.user.is_verified() : la session a-t-elle passé la double authentification ?
    "django_otp.middleware.OTPMiddleware",
    # Agents et administration nationale : 30 minutes sans activité, 8 heures en tout ; et
    # la liste des sessions ouvertes de chacun (clas/comptes/sessions.py). Avant l'obligation
    # de la double authentification : une session expirée va à la connexion, pas au code.
    "clas.comptes.middleware.SessionsSuivies",
    # Puis l'obligation pour les agents et l'administration nationale (CLAS_2FA_OBLIGATOIRE),
    # après htmx pour qu'une requête htmx soit redirigée par htmx.
    "clas.comptes.middleware.DoubleFacteurObligatoire",
    # Force brute : un verrou posé pendant la connexion devient la page française
    # (clas/comptes/force_brute.py).
    "axes.middleware.AxesMiddleware",
    # En dernier : les erreurs sans page (405 d'une vue POST ouverte par GET, adresse
    # inconnue, page technique de DEBUG) deviennent la page d'erreur française.
    "clas.core.erreurs.PagesDErreur",
]
CSRF_FAILURE_VIEW = "clas.core.views.echec_csrf"

if not DEBUG:
    # En production, WhiteNoise sert les fichiers statiques collectés (collectstatic) ;
    # en développement, runserver et le serveur de test s'en chargent.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "clas" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clas.core.context_processors.navigation",
            ],
            "builtins": ["clas.core.templatetags.clas_format"],
        },
    }
]
FORM_RENDERER = "dsfr.forms.DsfrDjangoTemplates"

try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        )
    }
except ValueError as erreur:
    raise ImproperlyConfigured(
        f"DATABASE_URL invalide ({erreur}). Exemples : sqlite:///chemin/db.sqlite3 ou "
        "postgres://utilisateur@127.0.0.1:5432/clas"
    ) from None
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured("DATABASE_URL : seules SQLite et PostgreSQL sont prises en charge.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Attendre un verrou plutôt qu'échouer quand deux requêtes écrivent en même temps.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    # La compilation JIT de PostgreSQL coûte plus qu'elle ne rapporte sur nos requêtes
    # courtes (100 ms mesurés sur un agrégat du tableau de bord national) : coupée, comme
    # on le conseille pour une application transactionnelle (docs/echelle.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DATABASE_TEST_NAME") or None}

# Le cache de Django : par processus (LocMem) par défaut ; `CACHE_URL=redis://hote:6379/0`
# le partage entre les processus et les machines (backend Redis intégré à Django, paquet
# `redis` installé). Il sert au tableau de bord des statistiques (toujours cohérent : la clé
# porte la version des données, clas/statistiques/cache.py) et aux limites de l'API.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "clas"),
        }
    }
elif CACHE_URL not in ("", "locmem://"):
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r} : attendu redis://hote:6379/0 (ou rediss://, unix://), "
        "ou vide pour le cache par processus."
    )
# Le tableau de bord des statistiques en cache (clas/statistiques/cache.py).
CLAS_STATISTIQUES_CACHE = env_bool("CLAS_STATISTIQUES_CACHE", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "comptes.Utilisateur"
# Axes d'abord : il refuse la connexion d'un compte ou d'une adresse IP verrouillés.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "prenom", "nom")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "connexion"

# Double authentification (TOTP + codes de secours, django-otp) des agents de Caf et de
# l'administration nationale : obligatoire en production, facultative en développement pour
# que les comptes de démonstration de « make run » se connectent sans téléphone.
CLAS_2FA_OBLIGATOIRE = env_bool("CLAS_2FA_OBLIGATOIRE", not DEBUG)
OTP_TOTP_ISSUER = "Plateforme Clas"
# La limite des essais est celle de la plateforme (5 codes faux de suite → 15 minutes
# d'attente, pour le compte et tous ses appareils) : le délai exponentiel par appareil de
# django-otp refuserait en silence un second essai rapide.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Force brute (django-axes, clas/comptes/force_brute.py) : 10 échecs en 15 minutes sur un
# compte ou depuis une adresse IP verrouillent 15 minutes (connexion, mot de passe oublié,
# confirmation d'inscription). Un essai pendant le verrou ne le prolonge pas : l'heure annoncée
# reste vraie. L'adresse IP est REMOTE_ADDR ; derrière des mandataires inverses (nginx…),
# CLAS_MANDATAIRES dit combien ajoutent leur adresse à X-Forwarded-For (sinon tous les
# visiteurs auraient l'adresse du mandataire et se verrouilleraient ensemble).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = "clas.comptes.force_brute.parametres_verrou"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "clas.comptes.force_brute.identifiant_saisi"
AXES_LOCKOUT_CALLABLE = "clas.comptes.force_brute.reponse_verrouillage"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "clas.comptes.force_brute.adresse_ip"
CLAS_MANDATAIRES = env_int("CLAS_MANDATAIRES", 0)
# Axes garde les champs des formulaires refusés : aucun mot de passe ni code en clair.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "email",
    "ip_address",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "code",
]
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# Sessions des agents de Caf et de l'administration nationale (clas/comptes/sessions.py) :
# déconnectés après 30 minutes sans activité et 8 heures en tout. Les porteurs gardent
# SESSION_COOKIE_AGE.
CLAS_SESSION_AGENT_INACTIVITE = dt.timedelta(
    minutes=env_int("CLAS_SESSION_AGENT_INACTIVITE_MINUTES", 30)
)
CLAS_SESSION_AGENT_DUREE_MAX = dt.timedelta(hours=env_int("CLAS_SESSION_AGENT_DUREE_HEURES", 8))

LOGIN_REDIRECT_URL = "accueil_role"
LOGOUT_REDIRECT_URL = "accueil"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "clas" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Le backend de la plateforme retente en tâche de fond un courriel qui ne part pas
# (clas/core/courriels.py) ; la variable EMAIL_BACKEND choisit le transport réel.
EMAIL_BACKEND = "clas.core.courriels.EnvoiAvecReprises"
CLAS_TRANSPORT_COURRIEL = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Plateforme Clas <ne-pas-repondre@clas.local>"
)

# Les tâches de fond (django-tasks) : les reprises des courriels qui n'ont pas pu partir.
# En production, le backend base de données, servi par `manage.py db_worker` ; en
# développement, le backend immédiat (reprises tentées aussitôt, aucun processus en plus).
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if DEBUG
            else "django_tasks.backends.database.DatabaseBackend",
        )
    }
}

# Analyse antivirus des fichiers déposés (clas/core/fichiers.py) : l'adresse du démon ClamAV,
# `tcp://127.0.0.1:3310` ou le chemin de sa socket (`/run/clamav/clamd.ctl`). Vide : pas
# d'analyse (le type, le contenu actif et les formats cachés sont contrôlés quand même).
CLAS_CLAMD = os.environ.get("CLAS_CLAMD", "").strip()

# Les pages publiques (mentions légales, accessibilité, données personnelles) : l'hébergeur
# et l'adresse de contact de la plateforme, connus à la mise en service.
HEBERGEUR = os.environ.get("HEBERGEUR", "").strip()
CONTACT_PLATEFORME = os.environ.get("CONTACT_PLATEFORME", "").strip()
if CONTACT_PLATEFORME and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", CONTACT_PLATEFORME):
    raise ImproperlyConfigured(
        f"CONTACT_PLATEFORME={CONTACT_PLATEFORME!r} : une adresse électronique est attendue "
        "(par exemple clas@caf.fr)."
    )

SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Sûr par défaut hors DEBUG : redirection HTTPS et HSTS d'un an ; un hébergeur dont le
# mandataire (proxy) s'en charge les coupe avec SECURE_SSL_REDIRECT=false et
# SECURE_HSTS_SECONDS=0 (docs/exploitation.md).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# L'inscription à la liste de préchargement HSTS est une décision de l'hébergeur, pas du code.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Politique de sécurité du contenu stricte : ni script ni style en ligne, rien d'ailleurs que
# du site (le DSFR, htmx et les icônes sont servis par la plateforme). Les images en data:
# sont les icônes du DSFR dans sa feuille de style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Aucune fonction sensible du navigateur n'est utile à la plateforme.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    fonction: []
    for fonction in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()


def env_duree(nom: str, defaut: int) -> int:
    """Une durée de conservation (en années ou en jours) : un entier positif ou nul."""
    valeur = env_int(nom, defaut)
    if valeur < 0:
        raise ImproperlyConfigured(f"{nom}={valeur} : une durée positive ou nulle est attendue.")
    return valeur


# Durées de conservation (RGPD), appliquées par `manage.py purger` (docs/exploitation.md).
# Les dossiers clos gardent leurs pièces comptables (versements, lots, grand livre) avec eux.
CLAS_CONSERVATION_DOSSIERS_CLOS_ANS = env_duree("CLAS_CONSERVATION_DOSSIERS_CLOS_ANS", 10)
CLAS_CONSERVATION_DOSSIERS_REFUSES_ANS = env_duree("CLAS_CONSERVATION_DOSSIERS_REFUSES_ANS", 5)
CLAS_CONSERVATION_BROUILLONS_ANS = env_duree("CLAS_CONSERVATION_BROUILLONS_ANS", 2)
CLAS_CONSERVATION_COMPTES_INACTIFS_ANS = env_duree("CLAS_CONSERVATION_COMPTES_INACTIFS_ANS", 3)
CLAS_CONSERVATION_JETONS_JOURS = env_duree("CLAS_CONSERVATION_JETONS_JOURS", 30)
CLAS_CONSERVATION_SESSIONS_JOURS = env_duree("CLAS_CONSERVATION_SESSIONS_JOURS", 0)
CLAS_CONSERVATION_EXPORTS_JOURS = env_duree("CLAS_CONSERVATION_EXPORTS_JOURS", 7)
CLAS_CONSERVATION_CONNEXIONS_JOURS = env_duree("CLAS_CONSERVATION_CONNEXIONS_JOURS", 365)
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} : DEBUG, INFO, WARNING ou ERROR attendu.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Axes : chaque échec et chaque verrou (WARNING), pas le détail de ses requêtes.
        "axes": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# Un dossier compte jusqu'à 200 collectifs d'une cinquantaine de champs chacun (intervenants,
# horaires, niveaux) : la limite par défaut de Django (1 000 champs) refusait le formulaire.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 12000

# Au-delà de ce nombre de lignes, un export de liste (file d'instruction, collectifs,
# versements, indus) est produit en tâche de fond, avec une page de suivi (core.exports_differes).
CLAS_EXPORT_SEUIL_TACHE = env_int("CLAS_EXPORT_SEUIL_TACHE", 5000)

# API : requêtes par minute et par jeton personnel (au-delà : 429 avec Retry-After).
CLAS_API_REQUETES_PAR_MINUTE = env_int("CLAS_API_REQUETES_PAR_MINUTE", 120)
