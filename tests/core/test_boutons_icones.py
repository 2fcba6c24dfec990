"""Un bouton à icône dans un groupe de boutons DSFR garde son texte seulement si le groupe
dit où va l'icône (`fr-btns-group--icon-left`) : sans cela, le DSFR n'en montre que l'icône
et l'agent voit quatre flèches sans savoir laquelle exporte quoi."""

from __future__ import annotations

import re
from pathlib import Path

GABARITS = Path(__file__).resolve().parents[2] / "clas" / "templates"
GROUPE = re.compile(r'<ul class="(fr-btns-group[^"]*)"(.*?)</ul>', re.S)


def test_chaque_groupe_de_boutons_a_icones_montre_leur_texte() -> None:
    fautifs = []
    for gabarit in GABARITS.rglob("*.html"):
        if gabarit.name == "base.html":  # l'en-tête DSFR place lui-même ses icônes
            continue
        for groupe in GROUPE.finditer(gabarit.read_text(encoding="utf-8")):
            classes, contenu = groupe.groups()
            a_des_icones = "fr-icon-" in contenu or "exports/_boutons.html" in contenu
            if a_des_icones and not re.search(r"fr-btns-group--icon-(left|right)", classes):
                fautifs.append(f"{gabarit.relative_to(GABARITS)} : {classes}")
    assert not fautifs, fautifs


def test_le_controle_voit_un_groupe_fautif() -> None:
    html = '<ul class="fr-btns-group"><li><a class="fr-btn fr-icon-download-line">x</a></li></ul>'
    classes, contenu = GROUPE.search(html).groups()
    assert "fr-icon-" in contenu and "icon-left" not in classes
