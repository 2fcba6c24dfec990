"""Mesures à l'échelle nationale, écrites dans bench/resultats.json et bench/RESULTATS.md.

Pour chaque échelle demandée (1.0 = le pays), une base dédiée est préparée une fois
(`migrate` puis `generer_national`, la démo par-dessus) et gardée pour les mesures suivantes :
SQLite dans bench/donnees/, ou une base `clas_bench_<échelle>` sur le serveur PostgreSQL de
DATABASE_URL. Puis gunicorn (config/gunicorn.conf.py, DEBUG désactivé) sert cette base et
chaque page est demandée par un vrai client HTTP connecté : p50 et p95, nombre de requêtes
SQL (compté à part, dans le processus, par le client de test de Django) et rapport au
plancher `/sante/` mesuré dans la même série. Ensuite : 8 clients à la fois sur la file de
la Caf la plus grosse, la création d'un lot de 1 200 versements (dans une transaction
annulée) et le barème en lot (`clas simuler --lot`).

Ce ne sont pas des tests : rien n'est affirmé, tout est mesuré.

Lancer : make bench                       (échelle 1.0 ; BENCH_ECHELLES="1.0 2.0" pour comparer)
         BENCH_REQUETES=50 make bench     (requêtes par page, 30 par défaut)
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RACINE = Path(__file__).resolve().parent.parent
DONNEES = RACINE / "bench" / "donnees"
LANCEMENTS_DU_LOT = 5  # lancements de `clas simuler --lot`, la médiane retenue
PYTHON = sys.executable
MOT_DE_PASSE = "demo-clas-2026"
CLIENTS_CONCURRENTS = 8
DUREE_CHARGE_S = float(os.environ.get("BENCH_DUREE_CHARGE", "20"))
# Autant de processus gunicorn que config/gunicorn.conf.py en lance ; chacun compile ses
# gabarits et ouvre sa connexion à la première requête. L'échauffement envoie autant de
# requêtes à la fois qu'il y a de processus (un processus synchrone n'en sert qu'une à la
# fois : chacun en reçoit une), trois fois : envoyées l'une après l'autre, elles allaient
# souvent au même processus, et les premiers appels des autres gonflaient le p95.
PROCESSUS_GUNICORN = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) * 2 + 1))
TOURS_D_ECHAUFFEMENT = 3


# --- La base de chaque échelle ------------------------------------------------------------


def url_de_base(echelle: float) -> str:
    """La base dédiée à une échelle : à côté de celle de DATABASE_URL, jamais elle."""
    nom = f"clas_bench_{str(echelle).replace('.', '_')}"
    principale = os.environ.get("DATABASE_URL", "")
    if principale.startswith("postgres"):
        morceaux = urllib.parse.urlsplit(principale)
        return urllib.parse.urlunsplit(morceaux._replace(path=f"/{nom}"))
    DONNEES.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DONNEES / (nom + '.sqlite3')}"


def production(url: str) -> dict[str, str]:
    """L'environnement de production, en HTTP local : ni redirection HTTPS ni cookies
    « secure » (le mandataire HTTPS est absent), deuxième facteur coupé pour connecter les
    comptes de la démo, limite de l'API levée (la mesure la dépasserait)."""
    return os.environ | {
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "mesure-de-performance-" + "0" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "CLAS_2FA_OBLIGATOIRE": "false",
        "CLAS_API_REQUETES_PAR_MINUTE": "1000000",
        "STATIC_ROOT": str(DONNEES / "static"),
        "LOG_LEVEL": "WARNING",
    }


def _manage(url: str, *arguments: str, env: dict[str, str] | None = None) -> None:
    env = env or (os.environ | {"DATABASE_URL": url, "DEBUG": "true"})
    subprocess.run(
        [PYTHON, str(RACINE / "manage.py"), *arguments],
        env=env,
        check=True,
        text=True,
    )


def preparer(echelle: float) -> tuple[str, float | None]:
    """La base de l'échelle, générée si elle n'existe pas encore ; la durée de génération."""
    url = url_de_base(echelle)
    if url.startswith("postgres"):
        import psycopg

        morceaux = urllib.parse.urlsplit(url)
        serveur = urllib.parse.urlunsplit(morceaux._replace(path="/postgres"))
        nom = morceaux.path.lstrip("/")
        with psycopg.connect(serveur, autocommit=True) as connexion:
            existe = connexion.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [nom]
            ).fetchone()
            if existe and os.environ.get("BENCH_REGENERER"):
                connexion.execute(f'DROP DATABASE "{nom}" WITH (FORCE)')
                existe = None
            if not existe:
                connexion.execute(f'CREATE DATABASE "{nom}"')
                return url, _generer(url, echelle)
    else:
        fichier = Path(url.removeprefix("sqlite:///"))
        if fichier.exists() and os.environ.get("BENCH_REGENERER"):
            fichier.unlink()
        if not fichier.exists():
            return url, _generer(url, echelle)
    # Une base gardée d'une mesure précédente suit les migrations ajoutées depuis.
    _manage(url, "migrate", "--noinput", "-v0")
    return url, None


def _generer(url: str, echelle: float) -> float:
    print(f"== Génération du jeu national à l'échelle {echelle} ({url}) ==", flush=True)
    _manage(url, "migrate", "--noinput", "-v0")
    debut = time.perf_counter()
    _manage(url, "generer_national", "--echelle", str(echelle), "--graine", "42")
    return time.perf_counter() - debut


# --- Le serveur et ses clients ------------------------------------------------------------


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(url: str) -> Iterator[str]:
    """gunicorn comme en production (DEBUG désactivé), sur un port libre."""
    port = _port_libre()
    env = production(url) | {"GUNICORN_BIND": f"127.0.0.1:{port}"}
    processus = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "-c",
            str(RACINE / "config" / "gunicorn.conf.py"),
            "--access-logfile",
            "/dev/null",
        ],
        env=env,
        cwd=RACINE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/sante/", timeout=10).read()  # noqa: S310 (local)
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn ne répond pas")
        yield base
    finally:
        processus.terminate()
        processus.wait(timeout=30)


class Navigateur:
    """Un client HTTP avec ses cookies, connecté par le vrai formulaire de connexion."""

    def __init__(self, base: str, email: str | None = None) -> None:
        self.base = base
        self.ouvreur = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.entetes: dict[str, str] = {}
        if email:
            self._connecter(email)

    def _connecter(self, email: str) -> None:
        page = self.lire("/connexion/")[1]
        jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert jeton, "formulaire de connexion sans jeton CSRF"
        donnees = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": jeton.group(1), "username": email, "password": MOT_DE_PASSE}
        ).encode()
        requete = urllib.request.Request(  # noqa: S310 (le serveur local de la mesure)
            self.base + "/connexion/", data=donnees, headers={"Referer": self.base + "/"}
        )
        reponse = self.ouvreur.open(requete, timeout=60)
        if "/connexion/" in reponse.geturl():
            raise RuntimeError(f"connexion refusée pour {email}")

    def lire(self, chemin: str) -> tuple[int, str]:
        requete = urllib.request.Request(self.base + chemin, headers=self.entetes)  # noqa: S310
        try:
            with self.ouvreur.open(requete, timeout=60) as reponse:
                return reponse.status, reponse.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as erreur:
            return erreur.code, ""

    def echauffer(self, chemin: str) -> None:
        with ThreadPoolExecutor(PROCESSUS_GUNICORN) as groupe:
            for _ in range(TOURS_D_ECHAUFFEMENT):
                list(groupe.map(lambda _rang: self.lire(chemin), range(PROCESSUS_GUNICORN)))

    def duree(self, chemin: str) -> float:
        """Une lecture, en millisecondes ; une page qui ne répond pas 200 arrête la mesure."""
        debut = time.perf_counter()
        statut, _corps = self.lire(chemin)
        duree = (time.perf_counter() - debut) * 1000
        if statut != 200:
            raise RuntimeError(f"{chemin} : HTTP {statut}")
        return duree

    def chronometrer(self, chemin: str, nombre: int) -> list[float]:
        self.echauffer(chemin)
        return [self.duree(chemin) for _ in range(nombre)]


def p50_p95(durees: list[float]) -> tuple[float, float]:
    if len(durees) < 2:
        return durees[0], durees[0]
    return statistics.median(durees), statistics.quantiles(durees, n=20)[18]


# --- Ce qui est mesuré -------------------------------------------------------------------


@dataclass
class Page:
    nom: str
    persona: str  # adresse de connexion, « jeton:<adresse> » pour l'API, "" : anonyme
    chemin: str


@dataclass
class Mesure:
    nom: str
    chemin: str
    persona: str
    p50_ms: float
    p95_ms: float
    requetes_sql: int | None
    rapport_sante: float


@dataclass
class Serie:
    echelle: float
    base: str
    generation_s: float | None
    volumes: dict[str, int]
    pages: list[Mesure] = field(default_factory=list)
    charge: dict[str, Any] = field(default_factory=dict)
    lot: dict[str, Any] = field(default_factory=dict)


def _django(url: str) -> None:
    """Django dans ce processus, sur la base de l'échelle : comptes, requêtes SQL, lot."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(RACINE))
    import django
    from django.apps import apps
    from django.db import connections

    if not apps.ready:
        django.setup()
        from django.test.utils import setup_test_environment

        setup_test_environment()
    else:  # une deuxième échelle : même processus, autre base
        from django.conf import settings

        connections.close_all()
        connections["default"].settings_dict["NAME"] = _nom_de_base(url)
        settings.DATABASES["default"]["NAME"] = _nom_de_base(url)


def _nom_de_base(url: str) -> str:
    import dj_database_url

    return str(dj_database_url.parse(url)["NAME"])


def pages_a_mesurer() -> tuple[list[Page], dict[str, int]]:
    """Les pages de l'issue 12, sur les objets les plus lourds du jeu : le Rhône (la plus
    grosse Caf, celle des comptes de la démo), le dossier témoin, le plus gros lot."""
    from django.core.management import call_command
    from django.db.models import Count

    from clas.bilans.models import Bilan
    from clas.dossiers.models import Dossier, Evenement
    from clas.versements.models import LotPaiement, Versement

    grosse = (
        Dossier.objects.values("campagne__caf_id", "campagne__caf__departement")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert grosse, "jeu national absent"
    temoin = (
        Dossier.objects.filter(campagne__caf__departement="69")
        .annotate(h=Count("evenements"))
        .order_by("-h")
        .values_list("pk", flat=True)
        .first()
    )
    assert temoin is not None, "dossier témoin absent"
    porteur_temoin = (
        Dossier.objects.get(pk=temoin)
        .structure.membres.filter(role="administrateur")
        .values_list("utilisateur__email", flat=True)
        .first()
    ) or ""
    lot = (
        LotPaiement.objects.filter(caf__departement="69")
        .order_by("-nb_versements")
        .values_list("pk", flat=True)
        .first()
    )
    porteur_dossier = (
        Dossier.objects.filter(structure__membres__utilisateur__email="porteur@demo.clas.fr")
        .values_list("pk", flat=True)
        .first()
    )
    jetons = {}
    for email in ("instructeur@demo.clas.fr", "national@demo.clas.fr"):
        from io import StringIO

        sortie = StringIO()
        call_command(
            "creer_jeton",
            email,
            "--nom",
            "mesure",
            "--jours",
            "7",
            "--lecture-seule",
            stdout=sortie,
        )
        jetons[email] = sortie.getvalue().strip().splitlines()[-1].strip()
    pages_jetons.update(jetons)
    instructeur, national = "instructeur@demo.clas.fr", "national@demo.clas.fr"
    pages = [
        Page("plancher /sante/", "", "/sante/"),
        Page("accueil public", "", "/"),
        Page("porteur : ses dossiers", "porteur@demo.clas.fr", "/dossiers/"),
        Page("porteur : un dossier", "porteur@demo.clas.fr", f"/dossiers/{porteur_dossier}/"),
        Page("agent : /dossiers/", instructeur, "/dossiers/"),
        Page("agent : file de la Caf", instructeur, "/instruction/"),
        Page(
            "agent : file, recherche et filtres",
            instructeur,
            "/instruction/?file=tous&q=centre&type_structure=centre_social&rural=on&tri=-depot",
        ),
        Page(
            "agent : dossier témoin (200 événements)",
            instructeur,
            f"/instruction/dossiers/{temoin}/",
        ),
        Page(
            "agent : calcul pas à pas du dossier témoin",
            instructeur,
            f"/instruction/dossiers/{temoin}/calcul/",
        ),
        Page("porteur : dossier témoin", porteur_temoin, f"/dossiers/{temoin}/"),
        Page("agent : page de travail /caf/", instructeur, "/caf/"),
        Page("comptable : /paiements/", "comptable@demo.clas.fr", "/paiements/"),
        Page("comptable : le plus gros lot", "comptable@demo.clas.fr", f"/paiements/lots/{lot}/"),
        Page("national : /national/", national, "/national/"),
        Page("national : /dossiers/", national, "/dossiers/"),
        Page("national : file nationale", national, "/instruction/"),
        Page("national : statistiques", national, "/statistiques/"),
        Page("agent : statistiques de la Caf", instructeur, "/statistiques/"),
        Page("public : /chiffres/", "", "/chiffres/"),
        Page("API : dossiers (agent)", f"jeton:{instructeur}", "/api/v1/dossiers"),
        Page("API : dossiers (national)", f"jeton:{national}", "/api/v1/dossiers"),
        Page("API : versements (agent)", f"jeton:{instructeur}", "/api/v1/versements"),
        Page("API : lots (agent)", f"jeton:{instructeur}", "/api/v1/lots"),
        Page("API : campagnes", f"jeton:{national}", "/api/v1/campagnes"),
        Page("API : statistiques (national)", f"jeton:{national}", "/api/v1/statistiques"),
    ]
    volumes = {
        "dossiers": Dossier.objects.count(),
        "historique": Evenement.objects.count(),
        "versements": Versement.objects.count(),
        "bilans": Bilan.objects.count(),
        f"dossiers de la Caf {grosse['campagne__caf__departement']}": grosse["n"],
    }
    return pages, volumes


pages_jetons: dict[str, str] = {}


def requetes_sql(page: Page) -> int | None:
    """Le nombre de requêtes SQL de la page, dans ce processus (client de test de Django)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clas.comptes.models import Utilisateur

    client = Client()
    entetes: dict[str, str] = {}
    if page.persona.startswith("jeton:"):
        entetes["Authorization"] = f"Bearer {pages_jetons[page.persona[6:]]}"
    elif page.persona:
        client.force_login(Utilisateur.objects.get(email=page.persona))
    client.get(page.chemin, headers=entetes)  # caches du processus remplis, comme en HTTP
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(page.chemin, headers=entetes)
    if reponse.status_code != 200:
        return None
    return len(requetes)


def navigateur_pour(base: str, persona: str, deja: dict[str, Navigateur]) -> Navigateur:
    if persona not in deja:
        if persona.startswith("jeton:"):
            nav = Navigateur(base)
            nav.entetes["Authorization"] = f"Bearer {pages_jetons[persona[6:]]}"
        else:
            nav = Navigateur(base, persona or None)
        deja[persona] = nav
    return deja[persona]


def mesurer_pages(base: str, pages: list[Page], nombre: int) -> list[Mesure]:
    navigateurs: dict[str, Navigateur] = {}
    brutes = []
    for page in pages:
        nav = navigateur_pour(base, page.persona, navigateurs)
        p50, p95 = p50_p95(nav.chronometrer(page.chemin, nombre))
        brutes.append((page, p50, p95))
        print(f"  {page.nom:45} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)
    plancher = brutes[0][1]
    return [
        Mesure(
            page.nom,
            page.chemin,
            page.persona.replace("jeton:", "jeton de "),
            round(p50, 1),
            round(p95, 1),
            requetes_sql(page),
            round(p50 / plancher, 1),
        )
        for page, p50, p95 in brutes
    ]


def _resume(chemin: str, durees: list[float], erreurs: int) -> dict[str, Any]:
    p50, p95 = p50_p95(durees)
    return {
        "chemin": chemin,
        "requetes": len(durees),
        "par_seconde": round(len(durees) / DUREE_CHARGE_S, 1),
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "erreurs": erreurs,
    }


def _sous_charge(
    base: str, chemin: str, persona: str, sonde: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """8 clients sur `chemin` pendant DUREE_CHARGE_S ; avec `sonde`, un 9e client lit
    `/sante/` toutes les 50 ms pendant ce temps : le plancher sous la même charge (ce que
    coûte l'attente d'un processus libre, sans le travail de la page)."""
    navigateurs = [Navigateur(base, persona or None) for _ in range(CLIENTS_CONCURRENTS)]
    mesures: dict[str, tuple[list[float], list[int]]] = {chemin: ([], [0]), "sonde": ([], [0])}
    verrou = threading.Lock()
    fin = time.perf_counter() + DUREE_CHARGE_S

    def client(nav: Navigateur, chemin_: str, cle: str, pause: float) -> None:
        while time.perf_counter() < fin:
            debut = time.perf_counter()
            try:
                statut, _ = nav.lire(chemin_)
            except OSError:
                statut = 0
            ms = (time.perf_counter() - debut) * 1000
            with verrou:
                mesures[cle][0].append(ms)
                if statut != 200:
                    mesures[cle][1][0] += 1
            time.sleep(pause)

    fils = [threading.Thread(target=client, args=(n, chemin, chemin, 0)) for n in navigateurs]
    if sonde:
        fils.append(
            threading.Thread(target=client, args=(Navigateur(base), "/sante/", "sonde", 0.05))
        )
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    page = _resume(chemin, mesures[chemin][0], mesures[chemin][1][0])
    if not sonde:
        return page, None
    sante = _resume("/sante/", mesures["sonde"][0], mesures["sonde"][1][0])
    return page, sante


def charge(base: str, chemin: str, persona: str) -> dict[str, Any]:
    """8 clients à la fois sur la page (avec la sonde `/sante/` sous la même charge), puis
    8 clients sur `/sante/` seul (le plancher sans charge de pages, pour information)."""
    page, sante = _sous_charge(base, chemin, persona, sonde=True)
    assert sante is not None
    sante_seule, _ = _sous_charge(base, "/sante/", "", sonde=False)
    page["rapport_p95_sante"] = round(page["p95_ms"] / sante["p95_ms"], 1)
    page["rapport_p95_sante_seule"] = round(page["p95_ms"] / sante_seule["p95_ms"], 1)
    return {
        "clients": CLIENTS_CONCURRENTS,
        "duree_s": DUREE_CHARGE_S,
        "page": page,
        "sante": sante,
        "sante_seule": sante_seule,
    }


def lot_de_1200() -> dict[str, Any]:
    """Créer un lot de 1 200 versements pour la Caf qui en a le plus : ses versements non
    rejetés sont remis « validés » hors lot le temps de la mesure (transaction annulée)."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from clas.comptes.models import AgentCaf
    from clas.referentiel.models import Caf
    from clas.versements.actions import creer_lot
    from clas.versements.models import Versement

    caf_id = (
        Versement.objects.exclude(etat="rejete")
        .values("convention__dossier__campagne__caf_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("convention__dossier__campagne__caf_id", flat=True)
        .first()
    )
    assert caf_id is not None, "aucun versement"
    caf = Caf.objects.get(pk=caf_id)
    comptable = AgentCaf.objects.filter(caf=caf, est_comptable=True).first()
    assert comptable is not None
    valideur = AgentCaf.objects.filter(caf=caf, est_valideur=True).exclude(pk=comptable.pk).first()
    assert valideur is not None
    with transaction.atomic():
        ids = list(
            Versement.objects.filter(convention__dossier__campagne__caf=caf)
            .exclude(etat="rejete")
            .order_by("pk")
            .values_list("pk", flat=True)[:1200]
        )
        # Le compte payé est celui de la validation : celui, accepté, de la structure.
        a_payer = list(
            Versement.objects.filter(pk__in=ids).select_related("convention__dossier__structure")
        )
        maintenant = timezone.now()
        for v in a_payer:
            structure = v.convention.dossier.structure
            v.iban_beneficiaire, v.bic_beneficiaire = structure.iban, structure.bic
            v.etat, v.lot, v.valide_par, v.valide_le = (
                "valide",
                None,
                valideur.utilisateur,
                maintenant,
            )
        Versement.objects.bulk_update(
            a_payer,
            ["iban_beneficiaire", "bic_beneficiaire", "etat", "lot", "valide_par", "valide_le"],
            batch_size=500,
        )
        Versement.objects.filter(convention__dossier__campagne__caf=caf, etat="valide").exclude(
            pk__in=ids
        ).update(etat="a_valider")
        with CaptureQueriesContext(connection) as requetes:
            debut = time.perf_counter()
            resultat = creer_lot(
                caf, comptable.utilisateur, timezone.localdate() + dt.timedelta(days=3)
            )
            duree = time.perf_counter() - debut
        transaction.set_rollback(True)
    return {
        "caf": caf.nom,
        "versements": len(resultat.versements),
        "ecartes": len(resultat.ecartes),
        "duree_s": round(duree, 2),
        "requetes_sql": len(requetes),
    }


def bareme_en_lot() -> dict[str, Any]:
    """`clas simuler --lot` sur 10 000 collectifs, démarrage du processus compris."""
    import random

    hasard = random.Random(42)
    lignes = []
    collectifs = 0
    while collectifs < 10_000:
        n = min(hasard.randint(1, 8), 10_000 - collectifs)
        collectifs += n
        lignes.append(
            json.dumps(
                {
                    "annee_scolaire": "2025-2026",
                    "collectifs": [
                        {
                            "nom": f"Collectif {i + 1}",
                            "nb_enfants": hasard.randint(5, 12),
                            "nb_intervenants": 2,
                            "semaines_de_fonctionnement": hasard.randint(20, 36),
                            "milieu_rural": hasard.random() < 0.2,
                            "bonus_projets_culturels": hasard.random() < 0.5,
                            "bonus_accompagnement_parents": hasard.random() < 0.5,
                        }
                        for i in range(n)
                    ],
                    "depenses_totales": "40000",
                    "cofinancements": "10000",
                }
            )
        )
    fichier = DONNEES / "lot-10000-collectifs.jsonl"
    DONNEES.mkdir(parents=True, exist_ok=True)
    fichier.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    resultats = DONNEES / "lot-10000-collectifs.resultats.jsonl"
    durees, code_retour = [], 0
    # Cinq lancements, la médiane retenue : un seul processus de 0,5 s sur une machine
    # partagée tombe parfois sur un cœur occupé (de 14 800 à 22 700 collectifs/s d'une fois
    # à l'autre pour le même code).
    for _ in range(LANCEMENTS_DU_LOT):
        # La sortie va dans un fichier, comme `clas simuler --lot entree.jsonl > sortie.jsonl` :
        # la lire par un tube dans ce processus (31 Mo décodés) comptait le travail du lecteur.
        with resultats.open("wb") as sortie_fichier:
            debut = time.perf_counter()
            sortie = subprocess.run(
                [str(Path(PYTHON).parent / "clas"), "simuler", "--lot", str(fichier)],
                check=False,
                stdout=sortie_fichier,
                stderr=subprocess.PIPE,
                env=os.environ | {"DEBUG": "true"},
            )
            durees.append(time.perf_counter() - debut)
        code_retour = code_retour or sortie.returncode
    with resultats.open(encoding="utf-8") as lues:
        erreurs = sum(1 for ligne in lues if '"erreurs"' in ligne[:20])
    duree = statistics.median(durees)
    return {
        "projets": len(lignes),
        "collectifs": collectifs,
        "lancements": len(durees),
        "duree_s": round(duree, 2),
        "durees_s": [round(d, 3) for d in durees],
        "collectifs_par_seconde": round(collectifs / duree),
        "collectifs_par_seconde_min_max": [
            round(collectifs / max(durees)),
            round(collectifs / min(durees)),
        ],
        "lignes_en_erreur": erreurs,
        "code_retour": code_retour,
    }


# --- Le rapport ---------------------------------------------------------------------------


def etalon() -> float:
    """La durée (ms, la meilleure de trois) d'une même boucle de Python pur : la vitesse de la
    machine au moment de la mesure. Sur une machine virtuelle partagée, elle change d'une
    heure à l'autre (voisins) ; comparer deux mesures sans elle compare deux machines."""
    durees = []
    for _ in range(3):
        debut = time.perf_counter()
        total = 0
        for i in range(3_000_000):
            total += i
        durees.append((time.perf_counter() - debut) * 1000)
    return min(durees)


def ecrire(
    series: list[Serie],
    bareme: dict[str, Any],
    charge_avant: float,
    alternance: list[dict[str, Any]] | None = None,
    etalon_avant: float | None = None,
) -> None:
    import django

    quand = dt.datetime.now().astimezone()
    charge_machine = (
        f"charge moyenne de la machine {charge_avant:.1f} au début, "
        f"{os.getloadavg()[0]:.1f} à la fin"
    )
    if etalon_avant is not None:
        charge_machine += (
            f" ; étalon (une même boucle de Python pur) {etalon_avant:.0f} ms au début, "
            f"{etalon():.0f} ms à la fin : plus il est long, plus la machine est lente"
        )
    donnees = {
        "mesure_le": quand.isoformat(timespec="seconds"),
        "machine": (
            f"{platform.node()} ({os.cpu_count()} cœurs, Python {platform.python_version()}, "
            f"Django {django.get_version()})"
        ),
        "charge_machine": charge_machine,
        "series": [asdict(s) for s in series],
        "donnees_doublees_en_alternance": alternance or [],
        "bareme_en_lot": bareme,
    }
    (RACINE / "bench" / "resultats.json").write_text(
        json.dumps(donnees, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    lignes = [
        "# Mesures à l'échelle nationale",
        "",
        f"Mesuré le {quand:%d/%m/%Y à %H:%M} sur {donnees['machine']}. Relancer : `make bench`",
        "(chiffres bruts : `bench/resultats.json`). gunicorn (`config/gunicorn.conf.py`, DEBUG",
        "désactivé), un client HTTP connecté ; requêtes SQL comptées à part dans le processus.",
        f"Pendant la mesure : {charge_machine} (2 cœurs : au-delà de 2, les temps sont gonflés).",
        "",
    ]
    for s in series:
        volumes = ", ".join(f"{nom} {n:,}".replace(",", " ") for nom, n in s.volumes.items())
        generation = f" ; généré en {s.generation_s:.0f} s" if s.generation_s else ""
        lignes += [
            f"## Échelle {s.echelle} ({s.base}){generation}",
            "",
            f"Données : {volumes}.",
            "",
            "| page | persona | p50 (ms) | p95 (ms) | requêtes SQL | p50 / `/sante/` |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for m in s.pages:
            sql = "—" if m.requetes_sql is None else str(m.requetes_sql)
            lignes.append(
                f"| {m.nom} (`{m.chemin}`) | {m.persona or 'anonyme'} | {m.p50_ms} | "
                f"{m.p95_ms} | {sql} | {m.rapport_sante} |"
            )
        c = s.charge
        if c:
            lignes += [
                "",
                f"**{c['clients']} clients à la fois** pendant {c['duree_s']:.0f} s : "
                f"`{c['page']['chemin']}` {c['page']['par_seconde']} pages/s, p95 "
                f"{c['page']['p95_ms']} ms, {c['page']['erreurs']} erreur(s) ; `/sante/` lu "
                f"pendant ce temps (même charge) p95 {c['sante']['p95_ms']} ms → rapport "
                f"{c['page']['rapport_p95_sante']} ; `/sante/` seul sous 8 clients p95 "
                f"{c['sante_seule']['p95_ms']} ms (rapport "
                f"{c['page']['rapport_p95_sante_seule']}).",
            ]
        if s.lot:
            lignes += [
                "",
                f"**Lot de paiement** : {s.lot['versements']} versements ({s.lot['caf']}) créés "
                f"en {s.lot['duree_s']} s, {s.lot['requetes_sql']} requêtes SQL.",
            ]
        lignes.append("")
    if alternance:
        lignes += [
            "## Données doublées",
            "",
            "Les deux bases servies en même temps par deux gunicorn, chaque page lue tour à tour",
            "sur l'une et sur l'autre (l'ordre inversé à chaque tour) : le bruit de la machine",
            "touche les deux colonnes de la même façon. (Les p50 des tableaux ci-dessus, mesurés",
            "l'un après l'autre, en diffèrent de ce bruit.)",
            "",
            "| page | p50 ×1 | p50 ×2 | écart |",
            "|---|---:|---:|---:|",
        ]
        for ligne in alternance:
            une, deux = ligne["p50_ms_1"], ligne["p50_ms_2"]
            ecart = (deux / une - 1) * 100 if une else 0
            lignes.append(f"| {ligne['nom']} | {une} | {deux} | {ecart:+.0f} % |")
        lignes.append("")
    lent, rapide = bareme["collectifs_par_seconde_min_max"]
    lignes += [
        "## Barème en lot",
        "",
        f"`clas simuler --lot` : {bareme['collectifs']} collectifs ({bareme['projets']} projets) "
        f"en {bareme['duree_s']} s démarrage compris (médiane de {bareme['lancements']} "
        f"lancements), soit {bareme['collectifs_par_seconde']} collectifs par seconde avec "
        f"leurs explications (de {lent} à {rapide} selon le lancement ; "
        f"{bareme['lignes_en_erreur']} ligne(s) en erreur, code de sortie "
        f"{bareme['code_retour']}).",
        "",
    ]
    (RACINE / "bench" / "RESULTATS.md").write_text("\n".join(lignes), encoding="utf-8")
    print("\n".join(lignes))


@dataclass
class Echelle:
    """Ce qu'il faut pour remesurer une échelle : sa base, ses pages, les jetons de l'API."""

    url: str
    pages: list[Page]
    jetons: dict[str, str]


def en_alternance(echelles: list[Echelle], nombre: int) -> list[dict[str, Any]]:
    """Les deux échelles servies en même temps, chaque page lue tour à tour sur l'une et
    l'autre (l'ordre inversé à chaque tour) : le bruit de la machine, qui varie de ±25 %
    d'une minute à l'autre, touche les deux de la même façon. C'est la comparaison « données
    doublées » ; les mesures séparées de chaque échelle restent dans leurs tableaux."""
    une, deux = echelles
    with gunicorn(une.url) as base_une, gunicorn(deux.url) as base_deux:
        navigateurs: list[dict[str, Navigateur]] = [{}, {}]
        lignes = []
        for page_une, page_deux in zip(une.pages, deux.pages, strict=True):
            cotes: list[tuple[Navigateur, str, list[float]]] = []
            for rang, (base, echelle, page) in enumerate(
                ((base_une, une, page_une), (base_deux, deux, page_deux))
            ):
                pages_jetons.clear()
                pages_jetons.update(echelle.jetons)
                nav = navigateur_pour(base, page.persona, navigateurs[rang])
                nav.echauffer(page.chemin)
                cotes.append((nav, page.chemin, []))
            for tour in range(nombre):
                for nav, chemin, durees in cotes[:: 1 if tour % 2 == 0 else -1]:
                    durees.append(nav.duree(chemin))
            (p50_une, _), (p50_deux, _) = (p50_p95(durees) for _, _, durees in cotes)
            lignes.append(
                {"nom": page_une.nom, "p50_ms_1": round(p50_une, 1), "p50_ms_2": round(p50_deux, 1)}
            )
            print(f"  {page_une.nom:45} ×1 {p50_une:7.1f} ms  ×2 {p50_deux:7.1f} ms", flush=True)
    return lignes


def main() -> None:
    charge_avant = os.getloadavg()[0]
    etalon_avant = etalon()
    echelles = [float(e) for e in os.environ.get("BENCH_ECHELLES", "1.0").split()]
    nombre = int(os.environ.get("BENCH_REQUETES", "30"))
    series = []
    mesurees: list[Echelle] = []
    for echelle in echelles:
        url, generation = preparer(echelle)
        _django(url)
        pages, volumes = pages_a_mesurer()
        serie = Serie(
            echelle, "PostgreSQL" if url.startswith("postgres") else "SQLite", generation, volumes
        )
        print(f"== Échelle {echelle} : {volumes} ==", flush=True)
        _manage(url, "collectstatic", "--noinput", "-v0", env=production(url))
        with gunicorn(url) as base:
            serie.pages = mesurer_pages(base, pages, nombre)
            serie.charge = charge(base, "/instruction/", "instructeur@demo.clas.fr")
        serie.lot = lot_de_1200()
        series.append(serie)
        mesurees.append(Echelle(url, pages, dict(pages_jetons)))
    alternance = []
    if len(mesurees) == 2:
        print("== Données doublées : les deux échelles en alternance ==", flush=True)
        alternance = en_alternance(mesurees, nombre)
    ecrire(series, bareme_en_lot(), charge_avant, alternance, etalon_avant)


if __name__ == "__main__":
    main()
