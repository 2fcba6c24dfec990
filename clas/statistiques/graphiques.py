"""Les graphiques des tableaux de bord, dessinés sur le serveur en SVG : aucun script, aucun
CDN, rien que la politique de sécurité du contenu refuserait (couleurs en attributs, pas de
`style`). Chaque graphique est une image accessible (`role="img"`, `<title>`, `<desc>` qui
dit l'essentiel en phrases) et porte le tableau de ses données, que le gabarit
`statistiques/_graphique.html` affiche sous l'image."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clas.bareme import formater_euros
from clas.bareme.argent import formater_nombre

Nombre = Decimal | int | float

# Couleurs illustratives du DSFR, choisies pour un contraste d'au moins 3:1 sur fond blanc
# (RGAA 3.3) : bleu France, bleu France 525, vert archipel, rouge marianne, caramel, glycine.
COULEURS = ("#000091", "#6a6af4", "#006a6f", "#c9191e", "#716043", "#6e445a")
TEXTE = "#161616"
GRILLE = "#dddddd"
POLICE = "Marianne, arial, sans-serif"


def entier(valeur: Nombre) -> str:
    """12345 → « 12 345 »."""
    return formater_nombre(int(valeur))


@dataclass(frozen=True)
class Serie:
    """Une suite de valeurs, une par catégorie, et la façon de l'écrire."""

    libelle: str
    valeurs: Sequence[Nombre]
    formater: Callable[[Nombre], str] = entier


@dataclass(frozen=True)
class Graphique:
    """Ce que le gabarit affiche : l'image, sa description et le tableau de ses données."""

    identifiant: str
    titre: str
    description: str
    svg: SafeString
    entetes: list[str]
    lignes: list[list[str]]
    legende: list[tuple[str, str]]


def euros(valeur: Nombre) -> str:
    return formater_euros(Decimal(str(valeur)))


def jours(valeur: Nombre) -> str:
    """12 → « 12 jours », 12.5 → « 12,5 jours »."""
    nombre = Decimal(str(valeur)).quantize(Decimal("0.1")).normalize()
    texte = formater_nombre(nombre if nombre % 1 else int(nombre))
    return f"{texte} jour" if abs(nombre) <= 1 else f"{texte} jours"


def enumeration(morceaux: Sequence[str]) -> str:
    """["a", "b", "c"] → « a, b et c » : les descriptions des graphiques en phrases."""
    if len(morceaux) <= 1:
        return "".join(morceaux)
    return ", ".join(morceaux[:-1]) + " et " + morceaux[-1]


def montant_court(valeur: Nombre) -> str:
    """Les graduations d'un axe d'euros : « 1,5 M€ », « 250 k€ », « 900 € »."""
    valeur = float(valeur)
    for seuil, unite in ((1_000_000, "M€"), (1_000, "k€")):
        if abs(valeur) >= seuil:
            texte = f"{valeur / seuil:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{texte}\u00a0{unite}"
    return f"{int(valeur)}\u00a0€"


def _pas(maximum: float, graduations: int = 4) -> float:
    """Un pas « rond » (1, 2, 2,5 ou 5 × 10ⁿ), jamais moins de 1 (des nombres, des jours,
    des euros), pour environ `graduations` traits."""
    brut = maximum / graduations
    if brut <= 1:
        return 1.0
    puissance = 10.0 ** math.floor(math.log10(brut))
    multiple = next(m for m in (1.0, 2.0, 2.5, 5.0, 10.0) if brut <= m * puissance)
    return multiple * puissance


def _texte(x: float, y: float, contenu: str, **attributs: str) -> str:
    extra = "".join(f' {nom.replace("_", "-")}="{escape(v)}"' for nom, v in attributs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" fill="{TEXTE}" font-size="12" '
        f'font-family="{POLICE}"{extra}>{escape(contenu)}</text>'
    )


def _enveloppe_svg(
    identifiant: str, titre: str, description: str, largeur: int, hauteur: int, corps: list[str]
) -> SafeString:
    return mark_safe(  # noqa: S308 - chaque texte est échappé par `escape` ci-dessus
        f'<svg xmlns="http://www.w3.org/2000/svg" class="clas-graphique" '
        f'viewBox="0 0 {largeur} {hauteur}" width="100%" role="img" focusable="false" '
        f'aria-labelledby="{identifiant}-titre {identifiant}-desc">'
        f'<title id="{identifiant}-titre">{escape(titre)}</title>'
        f'<desc id="{identifiant}-desc">{escape(description)}</desc>' + "".join(corps) + "</svg>"
    )


def _legende(series: Sequence[Serie]) -> list[tuple[str, str]]:
    return [(serie.libelle, COULEURS[rang % len(COULEURS)]) for rang, serie in enumerate(series)]


def _tableau(categories: Sequence[str], series: Sequence[Serie]) -> list[list[str]]:
    return [
        [categorie, *(serie.formater(serie.valeurs[rang]) for serie in series)]
        for rang, categorie in enumerate(categories)
    ]


def barres_verticales(
    identifiant: str,
    titre: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Serie],
    graduer: Callable[[Nombre], str] = entier,
    entete_categorie: str = "Année scolaire",
) -> Graphique:
    """Des barres groupées par catégorie (une couleur par série), axe gradué à gauche."""
    largeur, hauteur = 720, 320
    gauche, droite, haut, bas = 80, 16, 16, 48
    zone_l, zone_h = largeur - gauche - droite, hauteur - haut - bas
    maximum = max((float(v) for s in series for v in s.valeurs), default=0.0)
    pas = _pas(maximum)
    plafond = max(pas, math.ceil(maximum / pas) * pas)
    corps: list[str] = []
    traits = round(plafond / pas)
    for rang in range(traits + 1):
        valeur = rang * pas
        y = haut + zone_h - valeur / plafond * zone_h
        corps.append(
            f'<line x1="{gauche}" x2="{largeur - droite}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRILLE}" stroke-width="1"/>'
        )
        corps.append(_texte(gauche - 6, y + 4, graduer(valeur), text_anchor="end"))
    largeur_groupe = zone_l / max(1, len(categories))
    largeur_barre = min(48.0, largeur_groupe * 0.8 / max(1, len(series)))
    for rang_c, categorie in enumerate(categories):
        debut = gauche + rang_c * largeur_groupe
        decalage = (largeur_groupe - largeur_barre * len(series)) / 2
        for rang_s, serie in enumerate(series):
            valeur = float(serie.valeurs[rang_c])
            h = valeur / plafond * zone_h
            x = debut + decalage + rang_s * largeur_barre
            corps.append(
                f'<rect x="{x:.1f}" y="{haut + zone_h - h:.1f}" width="{largeur_barre - 2:.1f}" '
                f'height="{h:.1f}" fill="{COULEURS[rang_s % len(COULEURS)]}">'
                f"<title>{escape(f'{categorie}, {serie.libelle}')} : "
                f"{escape(serie.formater(valeur))}</title></rect>"
            )
        corps.append(
            _texte(debut + largeur_groupe / 2, hauteur - bas + 18, categorie, text_anchor="middle")
        )
    corps.append(
        f'<line x1="{gauche}" x2="{largeur - droite}" y1="{haut + zone_h}" '
        f'y2="{haut + zone_h}" stroke="{TEXTE}" stroke-width="1"/>'
    )
    return Graphique(
        identifiant=identifiant,
        titre=titre,
        description=description,
        svg=_enveloppe_svg(identifiant, titre, description, largeur, hauteur, corps),
        entetes=[entete_categorie, *(serie.libelle for serie in series)],
        lignes=_tableau(categories, series),
        legende=_legende(series),
    )


def barres_horizontales(
    identifiant: str,
    titre: str,
    description: str,
    categories: Sequence[str],
    serie: Serie,
    entete_categorie: str = "",
    autres_series: Sequence[Serie] = (),
) -> Graphique:
    """Une barre par catégorie, sa valeur écrite au bout ; `autres_series` n'entrent que
    dans le tableau des données (les mêmes lignes, d'autres colonnes)."""
    ligne, gauche, droite, haut = 26, 230, 140, 8
    largeur = 720
    hauteur = haut * 2 + ligne * max(1, len(categories))
    zone_l = largeur - gauche - droite
    maximum = max((float(v) for v in serie.valeurs), default=0.0) or 1.0
    corps: list[str] = []
    for rang, categorie in enumerate(categories):
        valeur = float(serie.valeurs[rang])
        y = haut + rang * ligne
        w = valeur / maximum * zone_l
        court = categorie if len(categorie) <= 34 else categorie[:33] + "…"
        corps.append(_texte(gauche - 8, y + 17, court, text_anchor="end"))
        corps.append(
            f'<rect x="{gauche}" y="{y + 4:.1f}" width="{w:.1f}" height="{ligne - 8}" '
            f'fill="{COULEURS[0]}"><title>{escape(categorie)} : '
            f"{escape(serie.formater(valeur))}</title></rect>"
        )
        corps.append(_texte(gauche + w + 6, y + 17, serie.formater(valeur)))
    series = [serie, *autres_series]
    return Graphique(
        identifiant=identifiant,
        titre=titre,
        description=description,
        svg=_enveloppe_svg(identifiant, titre, description, largeur, hauteur, corps),
        entetes=[entete_categorie, *(s.libelle for s in series)],
        lignes=_tableau(categories, series),
        legende=[],
    )
