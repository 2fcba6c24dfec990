"""Chaque `# type: ignore` de clas/ nomme son code d'erreur et dit pourquoi il est là :
`# type: ignore[attr-defined]  # la raison`. Un ignore sans raison cache une erreur que
personne ne saura relire (mypy vérifie tout clas/, voir docs/architecture.md)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2] / "clas"
IGNORE = re.compile(r"type:\s*ignore")
# Le code (ou les codes) entre crochets, puis un second commentaire qui donne la raison.
IGNORE_EXPLIQUE = re.compile(r"#\s*type:\s*ignore\[[a-z-]+(?:,\s*[a-z-]+)*\]\s+#\s*\S")


def ignores_sans_raison(source: str, nom: str = "<source>") -> list[str]:
    """Les lignes de `source` dont le commentaire `type: ignore` n'a pas de code ou pas de
    raison. Seuls les commentaires comptent : une chaîne qui cite « type: ignore » non."""
    fautifs = []
    for jeton in tokenize.generate_tokens(io.StringIO(source).readline):
        if jeton.type != tokenize.COMMENT or not IGNORE.search(jeton.string):
            continue
        if not IGNORE_EXPLIQUE.match(jeton.string):
            fautifs.append(f"{nom}:{jeton.start[0]} {jeton.string}")
    return fautifs


@pytest.mark.parametrize(
    "ligne",
    [
        "x = f()  # type: ignore\n",
        "x = f()  # type: ignore[attr-defined]\n",
        "x = f()  # type: ignore[attr-defined]  #\n",
        "x = f()  # type:ignore[arg-type, misc]\n",
        "x = f()  # raison d'abord  # type: ignore[arg-type]\n",
    ],
)
def test_un_ignore_sans_code_ou_sans_raison_est_signale(ligne):
    assert ignores_sans_raison(ligne) == [f"<source>:1 {ligne.split('  ', 1)[1].rstrip()}"]


@pytest.mark.parametrize(
    "ligne",
    [
        "x = f()  # type: ignore[attr-defined]  # posé par la vue pour le gabarit\n",
        "x = f()  # type: ignore[arg-type, misc]  # django-stubs : jointure filtrée\n",
        'texte = "# type: ignore"  # une chaîne, pas un commentaire\n',
    ],
)
def test_un_ignore_explique_passe(ligne):
    assert ignores_sans_raison(ligne) == []


def test_chaque_type_ignore_de_clas_dit_pourquoi():
    fichiers = sorted(RACINE.rglob("*.py"))
    assert len(fichiers) > 100  # le parcours trouve bien le code
    fautifs = [
        faute
        for chemin in fichiers
        for faute in ignores_sans_raison(
            chemin.read_text(encoding="utf-8"), str(chemin.relative_to(RACINE.parent))
        )
    ]
    assert not fautifs, (
        "Ces `type: ignore` doivent nommer leur code et dire pourquoi, par exemple "
        "`# type: ignore[attr-defined]  # posé par la vue pour le gabarit` ; mieux, "
        "corrigez le type :\n" + "\n".join(fautifs)
    )
