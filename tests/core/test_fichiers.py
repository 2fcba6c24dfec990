"""Le contrôle des fichiers déposés (`clas.core.fichiers.verifier_fichier`) : le fichier entier
est lu, le contenu actif d'un PDF et les fichiers à double format sont refusés, l'analyseur
ClamAV (un faux démon qui parle le protocole de clamd) est consulté quand `CLAS_CLAMD` est
défini, et un analyseur muet ou en panne fait refuser proprement, sans rien enregistrer."""

from __future__ import annotations

import io
import socket
import socketserver
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clas.core import fichiers
from clas.core.fichiers import verifier_fichier
from clas.structures.models import PieceJustificative, Structure
from tests.outils import texte

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EICAR = fichiers._module_clamd().EICAR  # le fichier de test des antivirus


def depot(nom: str, contenu: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(nom, contenu)


def refus(nom: str, contenu: bytes) -> str:
    with pytest.raises(ValidationError) as erreur:
        verifier_fichier(depot(nom, contenu))
    return " ".join(erreur.value.messages)


def pdf_avec(objet: bytes) -> bytes:
    return b"%PDF-1.7\n" + objet + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- Type et contenu -----------------------------------------------------------------------


def test_un_pdf_une_png_et_un_jpeg_sains_sont_acceptes() -> None:
    assert verifier_fichier(depot("statuts.pdf", PDF)).type_mime == "application/pdf"
    assert verifier_fichier(depot("photo.png", PNG)).type_mime == "image/png"
    assert verifier_fichier(depot("photo.JPG", JPEG)).type_mime == "image/jpeg"


def test_un_vrai_pdf_produit_par_weasyprint_est_accepte() -> None:
    """Des flux compressés (pages, polices) : leurs octets ne sont pas pris pour du code."""
    import weasyprint

    contenu = weasyprint.HTML(string="<h1>Statuts</h1><p>Article 1. Élan, façon.</p>").write_pdf()
    assert contenu is not None
    assert verifier_fichier(depot("statuts.pdf", contenu)).taille == len(contenu)


@pytest.mark.parametrize(
    "objet",
    [
        b"1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj",
        b"2 0 obj << /S /JavaScript /JS (app.alert\\(1\\)) >> endobj",
        b"2 0 obj << /S /Launch /F (calc.exe) >> endobj",
        b"3 0 obj << /Type /EmbeddedFile /Length 3 >> stream\nMZ\x90\nendstream endobj",
        # Le lecteur décode `#61` en « a » : le nom caché est le même.
        b"2 0 obj << /S /J#61vaScript /J#53 (x) >> endobj",
    ],
    ids=["OpenAction", "JavaScript", "Launch", "EmbeddedFile", "nom-echappe"],
)
def test_un_pdf_avec_du_contenu_actif_est_refuse(objet: bytes) -> None:
    message = refus("dossier.pdf", pdf_avec(objet))
    assert "contient du contenu actif" in message
    assert "Imprimer en PDF" in message


def test_le_code_cache_dans_un_flux_d_objets_compresse_est_trouve() -> None:
    cache = zlib.compress(b"5 0 << /S /JavaScript /JS (app.alert\\(1\\)) >>")
    objet = (
        b"4 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(cache)).encode()
        + b" >> stream\n"
        + cache
        + b"\nendstream endobj"
    )
    assert "/JavaScript" in refus("dossier.pdf", pdf_avec(objet))


def test_des_octets_qui_ressemblent_a_du_code_dans_une_image_du_pdf_ne_le_font_pas_refuser() -> (
    None
):
    # Après les 1 024 premiers octets, où un navigateur chercherait une page web.
    image = b"\x00" * 1024 + b"\x00\x01/JS /Launch <script>\xff" * 10
    objet = (
        b"6 0 obj << /Type /XObject /Subtype /Image /Length "
        + str(len(image)).encode()
        + b" >> stream\n"
        + image
        + b"\nendstream endobj"
    )
    verifier_fichier(depot("plan.pdf", pdf_avec(objet)))


def test_une_bombe_de_decompression_dans_un_flux_d_objets_est_refusee() -> None:
    bombe = zlib.compress(b"\x00" * (fichiers.DECOMPRESSION_MAX + 1024), 9)
    objet = b"4 0 obj << /Type /ObjStm /Filter /FlateDecode >> stream\n" + bombe + b"\nendstream"
    assert "démesuré" in refus("dossier.pdf", pdf_avec(objet))


def _archive(contenu: bytes) -> bytes:
    tampon = io.BytesIO(contenu)
    tampon.seek(0, io.SEEK_END)
    with zipfile.ZipFile(tampon, "a") as archive:
        archive.writestr("charge.exe", b"MZ\x90\x00")
    return tampon.getvalue()


def test_un_pdf_qui_est_aussi_une_archive_zip_est_refuse() -> None:
    assert "contient aussi une archive ZIP" in refus("rib.pdf", _archive(PDF))


def test_un_pdf_qui_est_aussi_une_page_web_est_refuse() -> None:
    polyglotte = b"%PDF-1.4\n%<html><body><script>alert(1)</script>\n" + PDF[9:]
    message = refus("rib.pdf", polyglotte)
    assert "PDF qui contient aussi une page web ou un script" in message


@pytest.mark.parametrize(
    ("nom", "contenu", "autre"),
    [
        ("photo.png", PNG + b"<script>alert(1)</script>", "une page web ou un script"),
        ("photo.jpg", JPEG + b"<HTML >\n<body onload=x>", "une page web ou un script"),
        ("photo.jpg", JPEG + b"<svg/onload=alert(1)>", "une page web ou un script"),
        ("photo.png", PNG + b"<?php system($_GET['c']); ?>", "une page web ou un script"),
        ("photo.png", PNG + b"\n%PDF-1.4\n", "un document PDF"),
        ("photo.png", _archive(PNG), "une archive ZIP"),
    ],
    ids=["png-script", "jpeg-html", "jpeg-svg", "png-php", "png-pdf", "png-zip"],
)
def test_une_image_qui_cache_un_autre_format_est_refusee(
    nom: str, contenu: bytes, autre: str
) -> None:
    assert f"contient aussi {autre}" in refus(nom, contenu)


def test_le_nom_ne_suffit_pas_et_la_taille_est_bornee(settings) -> None:
    assert "n'est ni un PDF, ni une image PNG ou JPEG" in refus("statuts.pdf", b"MZ\x90\x00")
    assert "est vide" in refus("statuts.pdf", b"")
    gros = PDF + b"0" * fichiers.TAILLE_MAX
    assert "10 Mo au plus" in refus("statuts.pdf", gros)


# --- Analyseur antivirus (ClamAV) ---------------------------------------------------------


class FauxClamd(socketserver.BaseRequestHandler):
    """Parle comme clamd à la commande INSTREAM : des morceaux préfixés de leur longueur,
    un morceau vide pour finir, puis « stream: OK » ou « stream: <virus> FOUND »."""

    comportement = "analyser"

    def handle(self) -> None:
        lecteur = self.request.makefile("rb")
        commande = lecteur.readline()
        assert commande.strip() == b"nINSTREAM"
        recu = b""
        while True:
            (taille,) = struct.unpack("!L", lecteur.read(4))
            if taille == 0:
                break
            recu += lecteur.read(taille)
        if self.comportement == "muet":
            threading.Event().wait(2)
            return
        if self.comportement == "erreur":
            reponse = b"stream: Can't allocate memory ERROR\n"
        elif EICAR in recu:
            reponse = b"stream: Eicar-Test-Signature FOUND\n"
        else:
            reponse = b"stream: OK\n"
        self.request.sendall(reponse)


@pytest.fixture
def faux_clamd(settings) -> Iterator[type[FauxClamd]]:
    serveur = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FauxClamd)
    serveur.daemon_threads = True
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    settings.CLAS_CLAMD = f"tcp://127.0.0.1:{serveur.server_address[1]}"
    FauxClamd.comportement = "analyser"
    yield FauxClamd
    serveur.shutdown()
    serveur.server_close()


def test_sans_clas_clamd_aucun_analyseur_n_est_consulte(settings) -> None:
    settings.CLAS_CLAMD = ""
    assert fichiers.analyseur_configure() is None
    verifier_fichier(depot("statuts.pdf", PDF + EICAR))


def test_clamav_accepte_un_fichier_sain_et_refuse_un_virus(faux_clamd) -> None:
    assert verifier_fichier(depot("statuts.pdf", PDF)).type_mime == "application/pdf"
    message = refus("statuts.pdf", PDF + EICAR)
    assert "contient un virus (Eicar-Test-Signature)" in message


def test_une_erreur_de_clamav_fait_refuser_en_demandant_de_reessayer(faux_clamd) -> None:
    faux_clamd.comportement = "erreur"
    assert refus("statuts.pdf", PDF) == (
        "Le fichier « statuts.pdf » n'a pas pu être vérifié, réessayez plus tard."
    )


def test_un_clamav_muet_fait_refuser_au_bout_du_delai(faux_clamd, monkeypatch) -> None:
    faux_clamd.comportement = "muet"
    monkeypatch.setattr(fichiers, "DELAI_ANALYSE", 0.3)
    assert "n'a pas pu être vérifié, réessayez plus tard" in refus("statuts.pdf", PDF)


def test_un_clamav_arrete_fait_refuser_en_demandant_de_reessayer(settings) -> None:
    with socket.socket() as libre:
        libre.bind(("127.0.0.1", 0))
        port = libre.getsockname()[1]
    settings.CLAS_CLAMD = f"tcp://127.0.0.1:{port}"
    assert "n'a pas pu être vérifié, réessayez plus tard" in refus("statuts.pdf", PDF)


def test_clamav_par_une_socket_locale(settings, tmp_path: Path) -> None:
    chemin = tmp_path / "clamd.ctl"
    serveur = socketserver.ThreadingUnixStreamServer(str(chemin), FauxClamd)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    FauxClamd.comportement = "analyser"
    try:
        for adresse in (str(chemin), f"unix://{chemin}"):
            settings.CLAS_CLAMD = adresse
            assert "Eicar-Test-Signature" in refus("statuts.pdf", PDF + EICAR)
        settings.CLAS_CLAMD = str(tmp_path / "absente.ctl")
        assert "réessayez plus tard" in refus("statuts.pdf", PDF)
    finally:
        serveur.shutdown()
        serveur.server_close()


# --- Rien n'est enregistré ------------------------------------------------------------------


@pytest.mark.django_db
def test_un_depot_refuse_par_l_analyseur_n_enregistre_rien(
    porteur: Client, structure_a: Structure, faux_clamd, settings
) -> None:
    faux_clamd.comportement = "erreur"
    reponse = porteur.post(
        f"/structures/{structure_a.pk}/pieces/",
        {"type_piece": "statuts", "fichier": depot("statuts.pdf", PDF)},
    )
    assert reponse.status_code == 200
    assert "n'a pas pu être vérifié, réessayez plus tard" in texte(reponse)
    assert not PieceJustificative.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.django_db
def test_un_rib_avec_un_virus_n_est_pas_enregistre(
    structure_a: Structure, utilisateurs, faux_clamd
) -> None:
    from clas.structures import coordonnees
    from clas.structures.models import ChangementCoordonnees

    with pytest.raises(ValidationError) as erreur:
        coordonnees.proposer_coordonnees(
            structure_a,
            utilisateurs["porteur"],
            "FR7630006000011234567890189",
            "AGRIFRPP",
            depot("rib.pdf", PDF + EICAR),
        )
    assert "contient un virus (Eicar-Test-Signature)" in " ".join(erreur.value.messages)
    assert not ChangementCoordonnees.objects.exists()
