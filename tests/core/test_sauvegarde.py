"""`manage.py sauvegarder` et `restaurer` : sauvegarder, vider, restaurer rend chaque table
ligne pour ligne et chaque fichier octet pour octet (sur SQLite, et sur PostgreSQL quand
DATABASE_URL l'est) ; une archive abîmée ou partielle est refusée sans rien toucher."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from clas.comptes.models import Utilisateur
from clas.core import sauvegarde
from clas.journal.chaine import ajouter
from clas.journal.models import Entree
from clas.versements.models import Versement
from tests.conventions.paiements_fabrique import convention_signee, donner_un_compte

pytestmark = pytest.mark.django_db

OCTETS = bytes(range(256)) * 3  # tous les octets, y compris NUL et ceux hors UTF-8


@pytest.fixture
def donnees(caf_rhone, utilisateurs):
    """Une plateforme qui a vécu : comptes et agents (journalisés), une convention et son
    versement, des entrées de journal à la microseconde, des fichiers déposés."""
    donner_un_compte(caf_rhone)
    convention_signee(caf_rhone, utilisateurs["instructeur"], utilisateurs["valideur"])
    ajouter("essai", "note", {"texte": "accentué « é » et \u0000 nul"})
    default_storage.save("pieces/binaire.bin", ContentFile(OCTETS))
    default_storage.save("lots/2026/é accent.xml", ContentFile("<x>é</x>".encode()))
    assert Entree.objects.count() > 2 and Versement.objects.exists()


def _etat_de_la_base() -> dict[str, list[tuple[object, ...]]]:
    return {
        modele._meta.label: list(modele._base_manager.order_by("pk").values_list())
        for modele in sauvegarde._modeles()
    }


def _fichiers() -> dict[str, bytes]:
    racine = Path(settings.MEDIA_ROOT)
    return {
        p.relative_to(racine).as_posix(): p.read_bytes() for p in racine.rglob("*") if p.is_file()
    }


def _vider() -> None:
    """La catastrophe : plus une ligne, plus un fichier."""
    with transaction.atomic():
        sauvegarde._vider_les_tables("default")
    shutil.rmtree(settings.MEDIA_ROOT)


def _sauvegarder(tmp_path: Path) -> Path:
    archive = tmp_path / "sauvegardes" / "clas.tar.gz"
    sortie = io.StringIO()
    call_command("sauvegarder", str(archive), stdout=sortie)
    assert "Sauvegarde écrite" in sortie.getvalue()
    return archive


def test_sauvegarder_vider_restaurer_rend_tout_a_l_identique(donnees, tmp_path):
    avant, fichiers_avant = _etat_de_la_base(), _fichiers()
    assert len(fichiers_avant) == 2
    archive = _sauvegarder(tmp_path)

    _vider()
    assert not Utilisateur.objects.exists() and not Entree.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists()

    sortie = io.StringIO()
    call_command("restaurer", str(archive), stdout=sortie)

    assert _etat_de_la_base() == avant
    assert _fichiers() == fichiers_avant
    assert "Sauvegarde restaurée" in sortie.getvalue()
    assert "Journal intact" in sortie.getvalue()
    call_command("verifier_journal", stdout=io.StringIO())
    # Les séquences suivent : une nouvelle ligne ne heurte pas une ligne restaurée.
    Utilisateur.objects.create_user(email="apres.restauration@example.org", password="x" * 12)


def test_le_manifeste_donne_la_somme_de_chaque_fichier(donnees, tmp_path):
    archive = _sauvegarder(tmp_path)
    with tarfile.open(archive, "r:gz") as tar:
        manifeste = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]  # fichier ordinaire
        noms = set(tar.getnames())
    assert set(manifeste["fichiers"]) | {"manifest.json"} == noms
    assert manifeste["fichiers"]["media/pieces/binaire.bin"]["taille"] == len(OCTETS)
    assert len(manifeste["fichiers"]["donnees.jsonl"]["sha256"]) == 64
    assert manifeste["lignes"]["journal.Entree"] == Entree.objects.count()
    assert manifeste["base"] == connection.vendor


def test_une_archive_existante_n_est_pas_ecrasee(donnees, tmp_path):
    archive = _sauvegarder(tmp_path)
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("sauvegarder", str(archive), stdout=io.StringIO())


def test_un_dossier_recoit_une_archive_au_nom_date(donnees, tmp_path):
    dossier = tmp_path / "quotidiennes"  # pas encore créé
    call_command("sauvegarder", str(dossier), stdout=io.StringIO())
    (archive,) = dossier.glob("clas-*.tar.gz")
    assert tarfile.is_tarfile(archive)


# --- Archives abîmées ---------------------------------------------------------------------


def _membres(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]  # fichiers ordinaires
            for m in tar.getmembers()
            if m.isfile()
        }


def _reecrire(archive: Path, membres: dict[str, bytes]) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        for nom, octets in membres.items():
            info = tarfile.TarInfo(nom)
            info.size = len(octets)
            tar.addfile(info, io.BytesIO(octets))


def _tronquer(archive: Path) -> None:
    octets = archive.read_bytes()
    archive.write_bytes(octets[: len(octets) // 2])


def _modifier_un_fichier(archive: Path) -> None:
    membres = _membres(archive)
    membres["media/pieces/binaire.bin"] = b"X" + membres["media/pieces/binaire.bin"][1:]
    _reecrire(archive, membres)


def _modifier_les_donnees(archive: Path) -> None:
    membres = _membres(archive)
    membres["donnees.jsonl"] = membres["donnees.jsonl"].replace(b"essai", b"autre", 1)
    _reecrire(archive, membres)


def _retirer_un_fichier(archive: Path) -> None:
    membres = _membres(archive)
    del membres["media/lots/2026/é accent.xml"]
    _reecrire(archive, membres)


def _retirer_le_manifeste(archive: Path) -> None:
    membres = _membres(archive)
    del membres["manifest.json"]
    _reecrire(archive, membres)


def _ajouter_un_intrus(archive: Path) -> None:
    _reecrire(archive, {**_membres(archive), "media/intrus.sh": b"echo"})


def _sortir_du_dossier(archive: Path) -> None:
    _reecrire(archive, {"../../evasion.txt": b"x", **_membres(archive)})


def _pas_une_archive(archive: Path) -> None:
    archive.write_bytes(b"ceci n'est pas une sauvegarde")


def _manifeste_illisible(archive: Path) -> None:
    _reecrire(archive, {**_membres(archive), "manifest.json": b"{pas du json"})


@pytest.mark.parametrize(
    ("abimer", "message"),
    [
        (_tronquer, "abîmée ou tronquée"),
        (_pas_une_archive, "abîmée ou tronquée"),
        (_modifier_un_fichier, "« media/pieces/binaire.bin » ne correspond pas au manifeste"),
        (_modifier_les_donnees, "« donnees.jsonl » ne correspond pas au manifeste"),
        (_retirer_un_fichier, "Sauvegarde partielle : 1 fichier(s) du manifeste"),
        (_retirer_le_manifeste, "n'a pas de manifeste"),
        (_ajouter_un_intrus, "« media/intrus.sh », absent du manifeste"),
        (_sortir_du_dossier, "chemin interdit : « ../../evasion.txt »"),
        (_manifeste_illisible, "manifeste (manifest.json) est illisible"),
    ],
)
def test_une_archive_abimee_ou_partielle_est_refusee_sans_rien_toucher(
    donnees, tmp_path, abimer, message
):
    archive = _sauvegarder(tmp_path)
    abimer(archive)
    # Une base et des fichiers qui ont changé depuis : même --ecraser ne doit rien toucher.
    Utilisateur.objects.create_user(email="apres.sauvegarde@example.org", password="x" * 12)
    default_storage.save("pieces/nouvelle.txt", ContentFile(b"nouvelle"))
    avant, fichiers_avant = _etat_de_la_base(), _fichiers()

    with pytest.raises(CommandError) as refus:
        call_command("restaurer", str(archive), "--ecraser", stdout=io.StringIO())

    assert str(refus.value).startswith("Archive refusée, rien n'a été touché : ")
    assert message in str(refus.value)
    assert _etat_de_la_base() == avant
    assert _fichiers() == fichiers_avant
    assert not list(Path(settings.MEDIA_ROOT).parent.glob(".clas-restauration-*"))


def test_une_base_non_vide_n_est_remplacee_qu_avec_ecraser(donnees, tmp_path):
    archive = _sauvegarder(tmp_path)
    avant = _etat_de_la_base()
    Utilisateur.objects.create_user(email="apres.sauvegarde@example.org", password="x" * 12)

    with pytest.raises(CommandError, match=r"n'est pas vide .* --ecraser"):
        call_command("restaurer", str(archive), stdout=io.StringIO())
    assert Utilisateur.objects.filter(email="apres.sauvegarde@example.org").exists()

    call_command("restaurer", str(archive), "--ecraser", stdout=io.StringIO())
    assert _etat_de_la_base() == avant


def test_une_sauvegarde_d_une_autre_version_est_refusee(donnees, tmp_path):
    archive = _sauvegarder(tmp_path)
    membres = _membres(archive)
    manifeste = json.loads(membres["manifest.json"])
    manifeste["migrations"].append(["versements", "9999_du_futur"])
    membres["manifest.json"] = json.dumps(manifeste).encode()
    _reecrire(archive, membres)
    _vider()
    with pytest.raises(CommandError, match=r"version plus récente .*9999_du_futur"):
        call_command("restaurer", str(archive), stdout=io.StringIO())
    assert not Utilisateur.objects.exists()


@pytest.mark.postgres
def test_sur_postgresql_le_journal_reste_en_ajout_seul_apres_la_restauration(donnees, tmp_path):
    archive = _sauvegarder(tmp_path)
    _vider()
    call_command("restaurer", str(archive), stdout=io.StringIO())
    with (
        pytest.raises(DatabaseError, match="ajout seul"),
        transaction.atomic(),
        connection.cursor() as curseur,
    ):
        curseur.execute("UPDATE journal_entree SET type = 'autre' WHERE numero = 1")


# --- Restaurer dans une base neuve, sans aucune table (un autre processus) ------------------

RACINE = Path(__file__).resolve().parents[2]
# Lu dans le processus de la base restaurée : chaque ligne de chaque table, en texte.
LIRE_LA_BASE = """
import json, os
from clas.core import sauvegarde
etat = {
    m._meta.label: [repr(l) for l in m._base_manager.order_by("pk").values_list()]
    for m in sauvegarde._modeles()
}
with open(os.environ["CLAS_ETAT"], "w", encoding="utf-8") as sortie:
    json.dump(etat, sortie)
"""


def _etat_en_texte() -> dict[str, list[str]]:
    return {cle: [repr(ligne) for ligne in lignes] for cle, lignes in _etat_de_la_base().items()}


@contextmanager
def _base_neuve(tmp_path: Path) -> Iterator[str]:
    """L'adresse d'une base qui n'a encore aucune table, du même moteur que celle des tests :
    un fichier SQLite qui n'existe pas encore, ou une base PostgreSQL créée pour le test et
    supprimée après."""
    if connection.vendor != "postgresql":
        fichier = tmp_path / "neuve" / "base.sqlite3"
        fichier.parent.mkdir()
        yield f"sqlite:///{fichier}"
        return
    import psycopg

    reglages = connections["default"].settings_dict
    nom = f"clas_restauration_{uuid.uuid4().hex[:12]}"
    acces = {
        "host": reglages["HOST"] or "127.0.0.1",
        "port": reglages["PORT"] or 5432,
        "user": reglages["USER"],
        "password": reglages["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **acces) as admin:
        admin.execute(f'CREATE DATABASE "{nom}"')
    try:
        mot_de_passe = f":{reglages['PASSWORD']}" if reglages["PASSWORD"] else ""
        yield f"postgres://{acces['user']}{mot_de_passe}@{acces['host']}:{acces['port']}/{nom}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **acces) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')


def _gerer(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.lent
def test_restaurer_dans_une_base_sans_aucune_table_rend_tout_a_l_identique(donnees, tmp_path):
    """L'exploitation restaure sur un serveur neuf : `manage.py restaurer`, dans un autre
    processus, sur une base qui n'a jamais été migrée et un dossier de fichiers absent."""
    avant, fichiers_avant = _etat_en_texte(), _fichiers()
    archive = _sauvegarder(tmp_path)
    media = tmp_path / "media-neuf"
    etat = tmp_path / "etat.json"

    with _base_neuve(tmp_path) as adresse:
        env = {
            cle: valeur
            for cle, valeur in os.environ.items()
            if not cle.startswith(("DATABASE_", "MEDIA_ROOT"))
        } | {"DEBUG": "true", "DATABASE_URL": adresse, "MEDIA_ROOT": str(media)}
        vide = _gerer(env, "showmigrations")
        assert vide.returncode == 0, vide.stderr
        # Aucune migration appliquée : la base n'a aucune table.
        assert "[ ]" in vide.stdout and "[X]" not in vide.stdout

        restauration = _gerer(env, "restaurer", str(archive))
        assert restauration.returncode == 0, restauration.stderr
        assert "Sauvegarde restaurée" in restauration.stdout
        assert "Journal intact" in restauration.stdout

        lecture = _gerer(env | {"CLAS_ETAT": str(etat)}, "shell", "-v", "0", "-c", LIRE_LA_BASE)
        assert lecture.returncode == 0, lecture.stderr
        a_jour = _gerer(env, "migrate", "--check")
        assert a_jour.returncode == 0, a_jour.stdout + a_jour.stderr

    apres = json.loads(etat.read_text(encoding="utf-8"))
    assert sum(len(lignes) for lignes in avant.values()) > 10
    assert apres == avant
    restaures = {
        p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()
    }
    assert restaures == fichiers_avant
