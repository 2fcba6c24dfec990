"""Lire les exports produits (CSV français, XLSX) dans les tests, sans tableur."""

# Les XML lus ici sont ceux que la plateforme vient d'écrire, pas une donnée reçue.
# ruff: noqa: S314

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponseBase

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def contenu(reponse: HttpResponseBase) -> bytes:
    """Le corps de la réponse (un flux ne se lit qu'une fois : gardé sur la réponse)."""
    if not getattr(reponse, "streaming", False):
        return reponse.content  # type: ignore[attr-defined]
    if not hasattr(reponse, "_lu"):
        reponse._lu = b"".join(reponse.streaming_content)  # type: ignore[attr-defined]
    return reponse._lu  # type: ignore[attr-defined]


def lignes_csv(reponse: HttpResponseBase) -> list[list[str]]:
    """Les lignes (en-tête comprise) ; vérifie au passage le BOM UTF-8."""
    brut = contenu(reponse)
    assert brut.startswith(b"\xef\xbb\xbf"), "le CSV commence par le BOM UTF-8"
    texte = brut.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(texte), delimiter=";"))


def dictionnaires_csv(reponse: HttpResponseBase) -> list[dict[str, str]]:
    entete, *lignes = lignes_csv(reponse)
    return [dict(zip(entete, ligne, strict=True)) for ligne in lignes]


def _colonne(reference: str) -> int:
    lettres = re.match(r"[A-Z]+", reference)
    assert lettres
    rang = 0
    for lettre in lettres.group():
        rang = rang * 26 + ord(lettre) - 64
    return rang - 1


def cellules_xlsx(brut: bytes) -> list[list[tuple[str, Any]]]:
    """Chaque ligne de la première feuille : (type, valeur) par cellule, type « n »
    (nombre), « s » (texte) ou « » (vide). Les dates sont des nombres (jours depuis 1900)
    avec un format de date : leur style est rendu à part par `styles_dates`."""
    archive = zipfile.ZipFile(io.BytesIO(brut))
    partages: list[str] = []
    if "xl/sharedStrings.xml" in archive.namelist():
        racine = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        partages = ["".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t")) for si in racine]
    feuille = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    dates = _styles_dates(archive)
    resultat = []
    for ligne in feuille.iter(f"{{{NS['x']}}}row"):
        cellules: list[tuple[str, Any]] = []
        for cellule in ligne.iter(f"{{{NS['x']}}}c"):
            indice = _colonne(cellule.get("r", "A"))
            while len(cellules) < indice:
                cellules.append(("", None))
            genre = cellule.get("t", "n")
            if genre == "s":
                v = cellule.find("x:v", NS)
                cellules.append(("s", partages[int(v.text or 0)] if v is not None else ""))
            elif genre == "inlineStr":
                cellules.append(
                    ("s", "".join(t.text or "" for t in cellule.iter(f"{{{NS['x']}}}t")))
                )
            else:
                v = cellule.find("x:v", NS)
                nombre = float(v.text) if v is not None and v.text else None
                cellules.append(("d" if cellule.get("s") in dates else "n", nombre))
        resultat.append(cellules)
    return resultat


def _styles_dates(archive: zipfile.ZipFile) -> set[str]:
    """Les indices de style (attribut s) dont le format de nombre est une date."""
    styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    formats_dates = {
        f.get("numFmtId")
        for f in styles.iter(f"{{{NS['x']}}}numFmt")
        if "yy" in (f.get("formatCode") or "")
    }
    xfs = styles.find("x:cellXfs", NS)
    assert xfs is not None
    return {str(i) for i, xf in enumerate(xfs) if xf.get("numFmtId") in formats_dates}
