"""Sauvegarder et restaurer toute la plateforme : la base (SQLite ou PostgreSQL) et les
fichiers déposés (`MEDIA_ROOT`), dans une archive `.tar.gz` vérifiable.

L'archive contient `manifest.json` (format, date, base d'origine, migrations appliquées,
nombre de lignes par table, taille et SHA-256 de chaque fichier), `donnees.jsonl` (toutes
les lignes de toutes les tables des modèles gérés par Django, un objet JSON par ligne : relu
en flux, sans tout charger en mémoire) et `media/…` (les fichiers, octet pour octet).

Pourquoi `dumpdata`/`loaddata` de Django plutôt qu'un `pg_dump` ou une copie par table :
- une seule méthode pour SQLite et PostgreSQL, sans outil externe à la bonne version ;
- chaque valeur passe par son champ Django (dates, décimaux, JSON, binaire) : pas de
  conversion de types à écrire à la main, et les clés primaires sont gardées telles quelles
  (les liens, le journal et ses numéros restent identiques) ;
- `loaddata` enregistre en mode brut (`raw`) : aucun `save()` ni abonné ne rejoue de logique
  métier (le journal n'écrit rien de plus), les horodatages `auto_now` ne sont pas
  réécrits, et les séquences PostgreSQL sont remises au bon niveau après le chargement.
Une seule retouche : le JSON de Django tronque les heures à la milliseconde ; l'empreinte du
journal porte sur la microseconde. La sauvegarde écrit donc les dates en entier
(sérialiseur `jsonl_exact` ci-dessous) ; la relecture est celle du JSON Lines de Django.

La restauration vérifie **toute** l'archive (manifeste, liste des fichiers, tailles,
SHA-256, migrations) avant de toucher à quoi que ce soit ; puis, dans une transaction,
vide les tables (TRUNCATE sur PostgreSQL, qui ne déclenche pas le refus ligne à ligne du
journal, DELETE sur SQLite où seul UPDATE est refusé) et recharge tout. Les fichiers sont
d'abord extraits à côté de `MEDIA_ROOT`, et mis en place seulement une fois la base
validée.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

__all__ = [
    "ArchiveInvalide",
    "RestaurationImpossible",
    "restaurer",
    "sauvegarder",
    "verifier_archive",
]

FORMAT = 1
MANIFESTE = "manifest.json"
DONNEES = "donnees.jsonl"
MEDIA = "media"
SERIALISEUR = "jsonl_exact"
BLOC = 1024 * 1024


class ArchiveInvalide(Exception):
    """L'archive est abîmée, incomplète ou n'est pas une sauvegarde Clas : rien n'est touché."""


class RestaurationImpossible(Exception):
    """L'archive est bonne, mais la cible ne s'y prête pas (base non vide, migrations) :
    rien n'est touché."""


# --- Le sérialiseur exact ---------------------------------------------------------------


class EncodeurExact(DjangoJSONEncoder):
    """Comme celui de Django, sans tronquer les heures à la milliseconde."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class Serializer(JSONLSerializer):
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]  # méthode interne, absente des stubs
        self.json_kwargs["cls"] = EncodeurExact
        # Un texte ne peut couper une ligne (U+2028…) : tout hors ASCII est échappé.
        self.json_kwargs["ensure_ascii"] = True


def _inscrire_serialiseur() -> None:
    if SERIALISEUR not in serializers.get_serializer_formats():
        serializers.register_serializer(SERIALISEUR, __name__)


# --- Outils -----------------------------------------------------------------------------


def _sha256(flux: IO[bytes]) -> tuple[str, int]:
    somme, taille = hashlib.sha256(), 0
    while bloc := flux.read(BLOC):
        somme.update(bloc)
        taille += len(bloc)
    return somme.hexdigest(), taille


def _modeles() -> list[type[models.Model]]:
    """Les modèles dont les lignes sont sauvegardées (tables créées par les migrations,
    tables de liaison comprises)."""
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]


def _non_geres() -> list[str]:
    """Les modèles dont la table n'est ni sauvegardée ni vidée (`managed = False`)."""
    return [
        m._meta.label
        for m in apps.get_models(include_auto_created=True)
        if not m._meta.managed and not m._meta.proxy
    ]


def compter_lignes(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {m._meta.label: m._base_manager.using(using).count() for m in _modeles()}


def _migrations_sur_disque(using: str) -> set[tuple[str, str]]:
    return set(MigrationLoader(connections[using], ignore_no_migrations=True).disk_migrations)


def _migrations_appliquees(using: str) -> set[tuple[str, str]]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return set()
    return set(recorder.applied_migrations())


def _fichiers_media(racine: Path) -> Iterator[tuple[Path, str]]:
    """Chaque fichier déposé et son nom dans l'archive (`media/…`), dans un ordre stable."""
    if not racine.is_dir():
        return
    for dossier, sous_dossiers, fichiers in os.walk(racine):
        sous_dossiers.sort()
        for nom in sorted(fichiers):
            chemin = Path(dossier) / nom
            if chemin.is_symlink() or not chemin.is_file():
                continue
            yield chemin, f"{MEDIA}/{chemin.relative_to(racine).as_posix()}"


@contextmanager
def _instantane(using: str) -> Iterator[None]:
    """Une lecture cohérente de toute la base : sur PostgreSQL une transaction en lecture
    seule REPEATABLE READ (tout est lu au même instant, les écritures continuent) ; sur
    SQLite, une transaction de lecture suffit."""
    connexion = connections[using]
    premiere = not connexion.in_atomic_block  # sinon l'isolation est déjà fixée
    with transaction.atomic(using=using):
        if connexion.vendor == "postgresql" and premiere:
            with connexion.cursor() as curseur:
                curseur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


# --- Sauvegarder ------------------------------------------------------------------------


@dataclass
class Manifeste:
    contenu: dict[str, Any]

    @property
    def fichiers(self) -> dict[str, dict[str, Any]]:
        fichiers: dict[str, dict[str, Any]] = self.contenu["fichiers"]
        return fichiers

    @property
    def lignes(self) -> dict[str, int]:
        lignes: dict[str, int] = self.contenu["lignes"]
        return lignes


def _chemin_archive(chemin: Path) -> Path:
    """Un nom en `.tar.gz` (ou `.tgz`) est l'archive ; tout autre chemin, un dossier où
    elle prend un nom daté."""
    if chemin.name.endswith((".tar.gz", ".tgz")) and not chemin.is_dir():
        return chemin
    return chemin / f"clas-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"


def sauvegarder(chemin: Path, using: str = DEFAULT_DB_ALIAS) -> tuple[Path, Manifeste]:
    """Écrit l'archive (un fichier, ou un nom daté dans ce dossier) ; jamais par-dessus une
    archive existante. Écrite sous un nom provisoire puis renommée : une sauvegarde
    interrompue ne laisse pas d'archive qui aurait l'air complète."""
    _inscrire_serialiseur()
    archive = _chemin_archive(chemin)
    if archive.exists():
        raise FileExistsError(f"{archive} existe déjà : choisissez un autre nom.")
    archive.parent.mkdir(parents=True, exist_ok=True)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="clas-sauvegarde-") as travail:
        donnees = Path(travail) / DONNEES
        with _instantane(using):
            call_command(
                "dumpdata",
                format=SERIALISEUR,
                all=True,  # le gestionnaire de base : aucune ligne filtrée
                # Exactement les tables de `_modeles()` : dumpdata prendrait aussi celles
                # des modèles non gérés (la version des données statistiques, qui doit
                # continuer d'avancer après une restauration au lieu de revenir en arrière).
                exclude=_non_geres(),
                database=using,
                output=str(donnees),
                verbosity=0,
            )
            lignes = compter_lignes(using)
            migrations = sorted(_migrations_appliquees(using))
        fichiers: dict[str, dict[str, Any]] = {}
        with donnees.open("rb") as flux:
            somme, taille = _sha256(flux)
        fichiers[DONNEES] = {"sha256": somme, "taille": taille}
        provisoire = archive.with_name(f".{archive.name}.partiel")
        try:
            with tarfile.open(provisoire, "w:gz") as tar:
                tar.add(donnees, arcname=DONNEES)
                for source, nom in _fichiers_media(media):
                    with source.open("rb") as flux:
                        somme, taille = _sha256(flux)
                    fichiers[nom] = {"sha256": somme, "taille": taille}
                    tar.add(source, arcname=nom)
                manifeste = Manifeste(
                    {
                        "format": FORMAT,
                        "application": "clas",
                        "cree_le": timezone.now().isoformat(),
                        "base": connections[using].vendor,
                        "migrations": [list(m) for m in migrations],
                        "lignes": lignes,
                        "fichiers": fichiers,
                    }
                )
                octets = json.dumps(manifeste.contenu, ensure_ascii=False, indent=1).encode()
                entree = tarfile.TarInfo(MANIFESTE)
                entree.size = len(octets)
                entree.mtime = int(timezone.now().timestamp())
                tar.addfile(entree, io.BytesIO(octets))
            provisoire.replace(archive)
        finally:
            provisoire.unlink(missing_ok=True)
    return archive, manifeste


# --- Vérifier ---------------------------------------------------------------------------


@dataclass
class ArchiveLue:
    """Une archive vérifiée, extraite dans `dossier` (à supprimer par l'appelant)."""

    manifeste: Manifeste
    dossier: Path
    noms: list[str] = field(default_factory=list)

    @property
    def donnees(self) -> Path:
        return self.dossier / DONNEES

    @property
    def media(self) -> Path:
        return self.dossier / MEDIA


def _nom_sur(nom: str) -> str:
    """Le nom d'un membre de l'archive, refusé s'il sortirait du dossier d'extraction."""
    chemin = PurePosixPath(nom)
    if chemin.is_absolute() or ".." in chemin.parts or not chemin.parts:
        raise ArchiveInvalide(f"L'archive contient un chemin interdit : « {nom} ».")
    return chemin.as_posix()


def _lire_manifeste(octets: bytes) -> Manifeste:
    try:
        contenu = json.loads(octets)
    except ValueError as erreur:
        raise ArchiveInvalide(f"Le manifeste (manifest.json) est illisible : {erreur}.") from erreur
    if not isinstance(contenu, dict) or contenu.get("application") != "clas":
        raise ArchiveInvalide(
            "Le manifeste n'est pas celui d'une sauvegarde de la plateforme Clas."
        )
    if contenu.get("format") != FORMAT:
        raise ArchiveInvalide(
            f"Format de sauvegarde {contenu.get('format')!r} inconnu (attendu : {FORMAT})."
        )
    for cle, genre in (("fichiers", dict), ("lignes", dict), ("migrations", list)):
        if not isinstance(contenu.get(cle), genre):
            raise ArchiveInvalide(f"Le manifeste n'a pas de rubrique « {cle} » valide.")
    if DONNEES not in contenu["fichiers"]:
        raise ArchiveInvalide(f"Le manifeste ne cite pas {DONNEES} : la sauvegarde est partielle.")
    return Manifeste(contenu)


def _extraire(
    tar: tarfile.TarFile, dossier: Path
) -> tuple[bytes | None, dict[str, tuple[str, int]]]:
    """Extrait chaque fichier ordinaire en calculant son SHA-256 ; rend le manifeste (s'il y
    est) et les sommes trouvées."""
    manifeste: bytes | None = None
    trouves: dict[str, tuple[str, int]] = {}
    for membre in tar:
        nom = _nom_sur(membre.name)
        if membre.isdir():
            continue
        if not membre.isfile():
            raise ArchiveInvalide(f"L'archive contient autre chose qu'un fichier : « {nom} ».")
        if nom in trouves or (nom == MANIFESTE and manifeste is not None):
            raise ArchiveInvalide(f"L'archive contient deux fois « {nom} ».")
        flux = tar.extractfile(membre)
        assert flux is not None  # un fichier ordinaire
        if nom == MANIFESTE:
            manifeste = flux.read()
            continue
        cible = dossier / nom
        cible.parent.mkdir(parents=True, exist_ok=True)
        somme, taille = hashlib.sha256(), 0
        with cible.open("wb") as sortie:
            while bloc := flux.read(BLOC):
                somme.update(bloc)
                taille += len(bloc)
                sortie.write(bloc)
        trouves[nom] = (somme.hexdigest(), taille)
    return manifeste, trouves


def verifier_archive(chemin: Path, dossier: Path) -> ArchiveLue:
    """Lit toute l'archive dans `dossier` et la compare au manifeste ; ArchiveInvalide (en
    français) à la première incohérence. Rien d'autre n'est touché."""
    if not chemin.is_file():
        raise ArchiveInvalide(f"{chemin} n'existe pas ou n'est pas un fichier.")
    try:
        with tarfile.open(chemin, "r:gz") as tar:
            brut, trouves = _extraire(tar, dossier)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as erreur:
        raise ArchiveInvalide(
            f"L'archive est abîmée ou tronquée (lecture impossible : {erreur}). Reprenez une "
            "autre sauvegarde."
        ) from erreur
    if brut is None:
        raise ArchiveInvalide(
            "L'archive n'a pas de manifeste (manifest.json) : sauvegarde partielle, ou ce "
            "n'est pas une sauvegarde Clas."
        )
    manifeste = _lire_manifeste(brut)
    attendus = manifeste.fichiers
    manquants = sorted(set(attendus) - set(trouves))
    if manquants:
        raise ArchiveInvalide(
            f"Sauvegarde partielle : {len(manquants)} fichier(s) du manifeste manque(nt) "
            f"dans l'archive, dont « {manquants[0]} »."
        )
    en_trop = sorted(set(trouves) - set(attendus))
    if en_trop:
        raise ArchiveInvalide(
            f"L'archive contient « {en_trop[0]} », absent du manifeste : elle a été modifiée."
        )
    for nom, (somme, taille) in sorted(trouves.items()):
        attendu = attendus[nom]
        if attendu.get("taille") != taille or attendu.get("sha256") != somme:
            raise ArchiveInvalide(
                f"« {nom} » ne correspond pas au manifeste (taille ou SHA-256) : le fichier "
                "est abîmé ou a été modifié."
            )
    return ArchiveLue(manifeste, dossier, sorted(trouves))


# --- Restaurer --------------------------------------------------------------------------


@dataclass(frozen=True)
class Restauration:
    lignes: int
    tables: int
    fichiers: int


def _verifier_cible(lue: ArchiveLue, using: str, ecraser: bool) -> bool:
    """Refuse une cible qui ne convient pas ; rend True s'il faut d'abord créer le schéma."""
    archive = {(a, n) for a, n in lue.manifeste.contenu["migrations"]}
    disque = _migrations_sur_disque(using)
    if archive != disque:
        absentes = sorted(archive - disque)
        if absentes:
            raise RestaurationImpossible(
                f"La sauvegarde vient d'une version plus récente de la plateforme (migration "
                f"{absentes[0][0]}.{absentes[0][1]} inconnue ici) : installez cette version "
                "puis restaurez."
            )
        manque = sorted(disque - archive)[0]
        raise RestaurationImpossible(
            f"La sauvegarde vient d'une version plus ancienne (migration {manque[0]}."
            f"{manque[1]} non appliquée alors) : restaurez avec la version qui l'a faite, "
            "puis migrez."
        )
    appliquees = _migrations_appliquees(using)
    if appliquees and appliquees != disque:
        raise RestaurationImpossible(
            "La base cible n'est ni vide ni à jour : lancez « manage.py migrate » puis recommencez."
        )
    if appliquees and not ecraser:
        comptes = get_user_model()._base_manager.using(using).count()
        if comptes:
            raise RestaurationImpossible(
                f"La base cible n'est pas vide ({comptes} compte(s) d'utilisateur) : "
                "restaurez dans une base vide, ou ajoutez --ecraser pour tout remplacer."
            )
    media = Path(settings.MEDIA_ROOT)
    if not ecraser and media.is_dir() and any(media.iterdir()):
        raise RestaurationImpossible(
            f"Le dossier des fichiers déposés ({media}) n'est pas vide : videz-le, ou ajoutez "
            "--ecraser pour le remplacer."
        )
    return not appliquees


def _vider_les_tables(using: str) -> None:
    """TRUNCATE … CASCADE sur PostgreSQL (le déclencheur du journal ne refuse que UPDATE et
    DELETE ligne à ligne), DELETE sur SQLite (où le journal ne refuse que UPDATE)."""
    connexion = connections[using]
    tables = connexion.introspection.django_table_names(only_existing=True, include_views=False)
    requetes = connexion.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    postgresql = connexion.vendor == "postgresql"
    if postgresql:
        # TRUNCATE refuse une table aux vérifications de clés encore différées dans la
        # transaction : elles sont faites maintenant, puis de nouveau différées (Django les
        # crée DEFERRABLE INITIALLY DEFERRED) pour charger les lignes dans n'importe quel ordre.
        with connexion.cursor() as curseur:
            curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connexion.ops.execute_sql_flush(requetes)
    if postgresql:
        with connexion.cursor() as curseur:
            curseur.execute("SET CONSTRAINTS ALL DEFERRED")


def _mettre_en_place_media(source: Path) -> int:
    """Remplace `MEDIA_ROOT` par les fichiers extraits (un renommage, même disque)."""
    media = Path(settings.MEDIA_ROOT)
    source.mkdir(exist_ok=True)
    nombre = sum(1 for p in source.rglob("*") if p.is_file())
    ancien = media.with_name(f".{media.name}.avant-restauration")
    if media.exists():
        shutil.rmtree(ancien, ignore_errors=True)
        media.rename(ancien)
    source.rename(media)
    shutil.rmtree(ancien, ignore_errors=True)
    return nombre


def restaurer(chemin: Path, using: str = DEFAULT_DB_ALIAS, ecraser: bool = False) -> Restauration:
    """Vérifie l'archive et la cible, puis recharge tout (voir le module). Une archive
    abîmée ou une cible inadaptée : exception en français, rien n'est touché."""
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    # Extraite à côté de MEDIA_ROOT : la mise en place des fichiers est un renommage.
    travail = Path(tempfile.mkdtemp(prefix=".clas-restauration-", dir=media.parent))
    try:
        lue = verifier_archive(chemin, travail)
        if _verifier_cible(lue, using, ecraser):
            call_command("migrate", database=using, interactive=False, verbosity=0)
        with transaction.atomic(using=using):
            _vider_les_tables(using)
            call_command("loaddata", str(lue.donnees), database=using, verbosity=0)
            obtenues = compter_lignes(using)
            if obtenues != lue.manifeste.lignes:
                ecarts = sorted(
                    t
                    for t in set(obtenues) | set(lue.manifeste.lignes)
                    if obtenues.get(t) != lue.manifeste.lignes.get(t)
                )
                raise ArchiveInvalide(
                    f"Après chargement, la table {ecarts[0]} n'a pas le nombre de lignes du "
                    "manifeste : restauration annulée, la base est inchangée."
                )
        fichiers = _mettre_en_place_media(lue.media)
    finally:
        shutil.rmtree(travail, ignore_errors=True)
    return Restauration(
        lignes=sum(lue.manifeste.lignes.values()),
        tables=len(lue.manifeste.lignes),
        fichiers=fichiers,
    )
