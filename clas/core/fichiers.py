"""Contrôle des fichiers déposés, un seul point d'entrée pour tous les dépôts (pièces de la
structure, pièces du dossier, RIB, pièces du bilan, pièces jointes aux messages) :
`verifier_fichier`. Le type est lu dans le contenu, pas dans le nom ; le fichier entier est
examiné (un PDF qui porte du code ou un fichier qui se fait passer pour deux formats est
refusé) ; puis l'analyseur antivirus, s'il est configuré (`CLAS_CLAMD`), le passe en revue.
Tout refus est une `ValidationError` levée avant qu'on enregistre quoi que ce soit."""

from __future__ import annotations

import io
import logging
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

journal = logging.getLogger("clas.fichiers")

TAILLE_MAX = 10 * 1024 * 1024  # 10 Mo
# Un flux compressé d'un PDF n'est décompressé, pour y chercher du code, que jusqu'à cette
# taille (au total) : au-delà, c'est une bombe de décompression et le fichier est refusé.
DECOMPRESSION_MAX = 50 * 1024 * 1024

# Signature en tête de fichier → (type MIME, extensions acceptées pour ce type)
SIGNATURES = {
    b"%PDF-": ("application/pdf", (".pdf",)),
    b"\x89PNG\r\n\x1a\n": ("image/png", (".png",)),
    b"\xff\xd8\xff": ("image/jpeg", (".jpg", ".jpeg")),
}

# Les noms PDF qui font agir le lecteur : code JavaScript, action à l'ouverture, lancement
# d'un programme, fichier embarqué.
NOMS_PDF_ACTIFS = {"JS", "JavaScript", "OpenAction", "Launch", "EmbeddedFile", "EmbeddedFiles"}
NOM_PDF = re.compile(rb"/([A-Za-z0-9#]+)")
FLUX_PDF = re.compile(rb"(?<!end)stream\r?\n")
# Ce qu'un navigateur interpréterait comme une page ou un script. Les balises sont suivies
# d'un espace, d'un « > » ou d'un « / » : des octets compressés ne les forment pas par hasard.
MARQUES_HTML = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta)[\s>/]"
    rb"|<\?php|javascript:",
    re.IGNORECASE,
)

DELAI_ANALYSE = 30.0  # secondes : au-delà, l'analyseur est réputé en panne

REESSAYER = "Le fichier « {nom} » n'a pas pu être vérifié, réessayez plus tard."


@dataclass(frozen=True)
class FichierVerifie:
    nom: str
    taille: int
    type_mime: str


class AnalyseImpossible(Exception):
    """L'analyseur ne répond pas ou n'a pas su analyser le fichier."""


class Analyseur(Protocol):
    """Un analyseur antivirus : renvoie le nom du virus trouvé, ou None si le fichier est
    sain ; lève `AnalyseImpossible` s'il ne peut pas répondre."""

    def analyser(self, contenu: bytes) -> str | None: ...


@dataclass(frozen=True)
class AnalyseurClamAV:
    """ClamAV (démon clamd) par le paquet `clamd` : `tcp://hôte:port` ou chemin de socket
    (`/run/clamav/clamd.ctl`, `unix:///run/clamav/clamd.ctl`)."""

    adresse: str
    delai: float

    def _client(self, clamd: ModuleType) -> Any:
        adresse = urlsplit(self.adresse)
        if adresse.scheme == "tcp":
            return clamd.ClamdNetworkSocket(
                adresse.hostname or "127.0.0.1", adresse.port or 3310, timeout=self.delai
            )
        chemin = adresse.path if adresse.scheme == "unix" else self.adresse
        return clamd.ClamdUnixSocket(chemin, timeout=self.delai)

    def analyser(self, contenu: bytes) -> str | None:
        clamd = _module_clamd()
        try:
            reponse = self._client(clamd).instream(io.BytesIO(contenu))
            etat, signature = reponse["stream"]
        except (clamd.ClamdError, OSError, KeyError, TypeError, ValueError) as erreur:
            raise AnalyseImpossible(str(erreur)) from erreur
        if etat == "OK":
            return None
        if etat == "FOUND":
            return str(signature)
        raise AnalyseImpossible(f"clamd a répondu {etat} : {signature}")


def _module_clamd() -> ModuleType:
    """Importé à la première analyse seulement : clamd (1.0.2) lit sa version par
    `pkg_resources`, qui avertit à chaque démarrage."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import clamd  # type: ignore[import-untyped]  # clamd (1.0.2) n'est pas annoté

    module: ModuleType = clamd
    return module


def analyseur_configure() -> Analyseur | None:
    """L'analyseur des réglages : ClamAV quand `CLAS_CLAMD` est défini, sinon aucun."""
    adresse = getattr(settings, "CLAS_CLAMD", "")
    return AnalyseurClamAV(adresse, DELAI_ANALYSE) if adresse else None


# Un même fichier passe souvent par le formulaire puis par l'action : il n'est lu et analysé
# qu'une fois.
_deja_verifies: WeakKeyDictionary[UploadedFile[bytes], FichierVerifie] = WeakKeyDictionary()


def verifier_fichier(fichier: UploadedFile[bytes]) -> FichierVerifie:
    """Accepte un PDF, un PNG ou un JPEG de 10 Mo au plus, reconnu par son contenu, sans
    contenu actif ni second format caché, et déclaré sain par l'analyseur s'il y en a un."""
    if fichier in _deja_verifies:
        return _deja_verifies[fichier]
    nom = (fichier.name or "fichier").rsplit("/", 1)[-1][:255]
    taille = fichier.size or 0
    if taille == 0:
        raise ValidationError(f"Le fichier « {nom} » est vide.")
    if taille > TAILLE_MAX:
        raise ValidationError(
            f"Le fichier « {nom} » pèse {taille / 1024 / 1024:.1f} Mo : 10 Mo au plus. "
            "Réduisez-le (numérisation en 150 ppp, par exemple) puis déposez-le à nouveau."
        )
    fichier.seek(0)
    contenu = b"".join(fichier.chunks())
    fichier.seek(0)
    type_mime = _type_par_le_contenu(nom, contenu)
    if type_mime == "application/pdf":
        _verifier_pdf(nom, contenu)
    else:
        _verifier_image(nom, contenu)
    _analyser(nom, contenu)
    verifie = FichierVerifie(nom=nom, taille=taille, type_mime=type_mime)
    _deja_verifies[fichier] = verifie
    return verifie


def _type_par_le_contenu(nom: str, contenu: bytes) -> str:
    for signature, (type_mime, extensions) in SIGNATURES.items():
        if contenu.startswith(signature):
            if not nom.lower().endswith(extensions):
                raise ValidationError(
                    f"Le fichier « {nom} » est un {type_mime.split('/')[1].upper()} mais son "
                    f"nom ne se termine pas par {' ou '.join(extensions)} : renommez-le."
                )
            return type_mime
    raise ValidationError(
        f"Le fichier « {nom} » n'est ni un PDF, ni une image PNG ou JPEG (d'après son "
        "contenu). Enregistrez-le dans l'un de ces formats."
    )


def _est_une_archive_zip(contenu: bytes) -> bool:
    # Un lecteur ZIP lit le répertoire central à la fin du fichier : c'est lui qui compte.
    return zipfile.is_zipfile(io.BytesIO(contenu))


def _refus_polyglotte(nom: str, format_declare: str, autre: str) -> ValidationError:
    article = "un" if format_declare == "PDF" else "une image"
    return ValidationError(
        f"Le fichier « {nom} » est {article} {format_declare} qui contient aussi {autre} : il "
        f"est refusé. Ouvrez-le puis enregistrez-le à nouveau en {format_declare} (« Imprimer "
        "en PDF » ou « Exporter »), puis déposez ce nouveau fichier."
    )


def _verifier_image(nom: str, contenu: bytes) -> None:
    format_declare = "PNG" if contenu.startswith(b"\x89PNG") else "JPEG"
    if MARQUES_HTML.search(contenu):
        raise _refus_polyglotte(nom, format_declare, "une page web ou un script")
    if b"%PDF-" in contenu:
        raise _refus_polyglotte(nom, format_declare, "un document PDF")
    if _est_une_archive_zip(contenu):
        raise _refus_polyglotte(nom, format_declare, "une archive ZIP")


def _verifier_pdf(nom: str, contenu: bytes) -> None:
    if _est_une_archive_zip(contenu):
        raise _refus_polyglotte(nom, "PDF", "une archive ZIP")
    hors_flux, objets = _decouper_pdf(nom, contenu)
    # Un navigateur reconnaît une page web dans les premiers octets ; ailleurs, elle se
    # cacherait hors des flux (commentaires, dictionnaires).
    if MARQUES_HTML.search(contenu[:1024]) or MARQUES_HTML.search(hors_flux):
        raise _refus_polyglotte(nom, "PDF", "une page web ou un script")
    actifs = _noms_actifs(hors_flux) | _noms_actifs(objets)
    if actifs:
        raise ValidationError(
            f"Le fichier « {nom} » est un PDF qui contient du contenu actif "
            f"({', '.join('/' + a for a in sorted(actifs))} : code JavaScript, action "
            "automatique ou fichier embarqué) : il est refusé. Enregistrez-le à nouveau avec "
            "« Imprimer en PDF », qui n'en garde que les pages, puis déposez ce nouveau fichier."
        )


def _noms_actifs(contenu: bytes) -> set[str]:
    """Les noms PDF actifs présents ; un nom écrit avec des `#xx` (`/J#61vaScript`) est
    décodé comme le ferait le lecteur."""
    trouves = set()
    for brut in NOM_PDF.findall(contenu):
        decode = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), brut)
        nom = decode.decode("latin-1")
        if nom in NOMS_PDF_ACTIFS:
            trouves.add(nom)
    return trouves


def _decouper_pdf(nom: str, contenu: bytes) -> tuple[bytes, bytes]:
    """(le PDF sans le contenu de ses flux, le contenu décompressé de ses flux d'objets).
    Le contenu des autres flux (pages, polices, images) n'est pas lu : ses octets
    compressés formeraient des noms au hasard. Un flux d'objets (/ObjStm) range des
    dictionnaires, où le code peut se cacher : il est décompressé (Flate)."""
    hors_flux = []
    objets = []
    position = 0
    total = 0
    for debut in FLUX_PDF.finditer(contenu):
        if debut.start() < position:
            continue
        dictionnaire = contenu[position : debut.start()]
        hors_flux.append(dictionnaire)
        fin = contenu.find(b"endstream", debut.end())
        if fin < 0:
            position = len(contenu)
            break
        position = fin
        if b"/ObjStm" not in dictionnaire[dictionnaire.rfind(b"obj") :]:
            continue
        try:
            morceau = zlib.decompressobj().decompress(
                contenu[debut.end() : fin], DECOMPRESSION_MAX - total + 1
            )
        except zlib.error:
            continue
        total += len(morceau)
        if total > DECOMPRESSION_MAX:
            raise ValidationError(
                f"Le fichier « {nom} » est un PDF dont le contenu compressé est démesuré : "
                "il est refusé. Enregistrez-le à nouveau avec « Imprimer en PDF »."
            )
        objets.append(morceau)
    hors_flux.append(contenu[position:])
    return b"\n".join(hors_flux), b"\n".join(objets)


def _analyser(nom: str, contenu: bytes) -> None:
    analyseur = analyseur_configure()
    if analyseur is None:
        return
    try:
        virus = analyseur.analyser(contenu)
    except AnalyseImpossible as erreur:
        journal.error("Analyse antivirus impossible pour « %s » : %s", nom, erreur)
        raise ValidationError(REESSAYER.format(nom=nom), code="analyse_impossible") from None
    if virus is not None:
        journal.warning("Virus %s dans le fichier déposé « %s »", virus, nom)
        raise ValidationError(
            f"Le fichier « {nom} » contient un virus ({virus}) : il est refusé. Faites "
            "analyser votre ordinateur, puis déposez une copie saine du document.",
            code="virus",
        )
