"""Les cellules des exports (CSV, XLSX) : un texte qui commence par = + - @, une
tabulation ou un retour chariot serait exécuté comme une formule par le tableur (injection
de formule, OWASP « CSV injection ») ; il est neutralisé par une apostrophe. Les montants
et les dates restent des nombres et des dates.

Les exports de listes des pages (file d'instruction, collectifs, versements, indus) : une
application décrit son `Export`, ce module l'écrit en flux (CSV) ou en mémoire constante
(XLSX) ; au-delà d'un seuil, `core.exports_differes` le produit en tâche de fond."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import xlsxwriter
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils import timezone

from clas.comptes.roles import agent_de

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur

M = TypeVar("M", bound=Model)

DEBUTS_DANGEREUX = ("=", "+", "-", "@", "\t", "\r")


def texte_sur(valeur: str) -> str:
    """« =HYPERLINK(…) » → « '=HYPERLINK(…) » ; tout autre texte tel quel."""
    return "'" + valeur if valeur.startswith(DEBUTS_DANGEREUX) else valeur


def montant_csv(montant: Decimal) -> str:
    """4500 → « 4500,00 », −150 → « -150,00 » : sans séparateur de milliers, lu comme un
    nombre par un tableur français."""
    return f"{Decimal(montant):.2f}".replace(".", ",")


def cellule_csv(valeur: object) -> str:
    """Une cellule d'un CSV : montant à la française, date jj/mm/aaaa, « oui »/« non »
    (comme le XLSX), texte neutralisé."""
    if valeur is None:
        return ""
    if isinstance(valeur, Decimal):
        return montant_csv(valeur)
    if isinstance(valeur, bool):  # avant int : True est un int
        return oui_non(valeur)
    if isinstance(valeur, int):
        return str(valeur)
    if isinstance(valeur, dt.datetime | dt.date):
        return f"{jour(valeur):%d/%m/%Y}"
    return texte_sur(str(valeur))


def ligne_csv(valeurs: Iterable[object]) -> list[str]:
    return [cellule_csv(valeur) for valeur in valeurs]


# --- Les exports de listes (file d'instruction, collectifs, versements, indus) ----------
#
# Une application décrit son export (`Export` : ses colonnes et la requête de ses lignes,
# filtres compris) ; ce module l'écrit en CSV (UTF-8 avec BOM, « ; », virgule décimale) ou
# en XLSX (cellules typées), ligne à ligne : la mémoire ne dépend pas du nombre de lignes.

TAILLE_DES_PAQUETS = 2000  # lignes lues par requête (iterator(chunk_size))
FORMATS = ("csv", "xlsx")
TYPES_MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Colonne:
    """Une colonne : son en-tête et la valeur d'une ligne (texte, Decimal, int, date)."""

    titre: str
    valeur: Callable[[Any], object]
    largeur: int = 16


@dataclass(frozen=True)
class Export:
    """Un export : `lignes(utilisateur, parametres)` rend la requête des lignes que
    l'utilisateur a le droit de voir, filtres de la page (`parametres`) appliqués."""

    nom: str  # début du nom du fichier, ex. « dossiers »
    titre: str  # nom de la feuille XLSX et de la page de suivi
    colonnes: tuple[Colonne, ...]
    lignes: Callable[[Utilisateur, QueryDict], QuerySet[Any]]

    def valeurs(self, ligne: Any) -> list[object]:
        return [colonne.valeur(ligne) for colonne in self.colonnes]


def perimetre_caf(
    requete: QuerySet[M],
    utilisateur: Utilisateur | AnonymousUser,
    champ_caf: str,
    caf_choisie: int | None = None,
) -> QuerySet[M]:
    """Le périmètre d'un export : tout pour l'administration nationale, la Caf de l'agent
    pour un agent (`champ_caf` : le chemin vers l'identifiant de la Caf), rien sinon. Le
    national qui a choisi une Caf sur la page (`caf_choisie`, lue par
    `referentiel.choix_caf.caf_choisie` : une Caf inconnue n'en choisit aucune, comme sur
    la page) n'exporte que celle-là."""
    if not utilisateur.is_authenticated:
        return requete.none()
    if getattr(utilisateur, "est_admin_national", False):
        return requete if caf_choisie is None else requete.filter(**{champ_caf: caf_choisie})
    agent = agent_de(utilisateur)
    if agent is None:
        return requete.none()
    return requete.filter(**{champ_caf: agent.caf_id})


def oui_non(valeur: bool | None) -> str:
    return "" if valeur is None else ("oui" if valeur else "non")


def jour(valeur: dt.datetime | dt.date | None) -> dt.date | None:
    """Le jour (heure de Paris) d'un horodatage : c'est ce que lit une Caf."""
    if isinstance(valeur, dt.datetime):
        return timezone.localdate(valeur) if timezone.is_aware(valeur) else valeur.date()
    return valeur


def parcourir(requete: QuerySet[Any]) -> Iterator[Any]:
    """Les lignes par paquets : une requête par paquet, jamais tout en mémoire."""
    return requete.iterator(chunk_size=TAILLE_DES_PAQUETS)


Progression = Callable[[int], None]


class _Tampon:
    """Le « fichier » de csv.writer : rend la ligne écrite au lieu de la garder."""

    def write(self, texte: str) -> str:
        return texte


def flux_csv(export: Export, lignes: Iterable[Any]) -> Iterator[str]:
    """Le CSV ligne à ligne (pour StreamingHttpResponse ou un fichier) : BOM, en-têtes,
    puis une ligne par élément."""
    ecrivain = csv.writer(_Tampon(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + ecrivain.writerow([texte_sur(c.titre) for c in export.colonnes])
    for ligne in lignes:
        yield ecrivain.writerow(ligne_csv(export.valeurs(ligne)))


def ecrire_csv(
    export: Export, lignes: Iterable[Any], fichier: BinaryIO, progression: Progression
) -> int:
    """Écrit le CSV dans `fichier` ; `progression(n)` est appelée à chaque paquet."""
    nombre = -1  # l'en-tête n'est pas une ligne
    for nombre, texte in enumerate(flux_csv(export, lignes)):
        fichier.write(texte.encode("utf-8"))
        if nombre and nombre % TAILLE_DES_PAQUETS == 0:
            progression(nombre)
    return max(nombre, 0)


def ecrire_xlsx(
    export: Export, lignes: Iterable[Any], fichier: BinaryIO, progression: Progression
) -> int:
    """Écrit le XLSX dans `fichier`, en mémoire constante (XlsxWriter écrit chaque ligne
    sur disque dès la suivante) : nombres, montants et dates restent typés."""
    classeur = xlsxwriter.Workbook(fichier, {"constant_memory": True})
    feuille = classeur.add_worksheet(export.titre[:31])
    formats = {
        "titre": classeur.add_format({"bold": True}),
        "montant": classeur.add_format({"num_format": "#,##0.00"}),
        "date": classeur.add_format({"num_format": "dd/mm/yyyy"}),
    }
    for indice, colonne in enumerate(export.colonnes):
        feuille.set_column(indice, indice, colonne.largeur)
        feuille.write_string(0, indice, texte_sur(colonne.titre), formats["titre"])
    feuille.freeze_panes(1, 0)
    nombre = 0
    for nombre, ligne in enumerate(lignes, start=1):
        for indice, valeur in enumerate(export.valeurs(ligne)):
            _cellule_xlsx(feuille, nombre, indice, valeur, formats)
        if nombre % TAILLE_DES_PAQUETS == 0:
            progression(nombre)
    classeur.close()
    return nombre


def _cellule_xlsx(
    feuille: Any, rang: int, indice: int, valeur: object, formats: dict[str, Any]
) -> None:
    if valeur is None or valeur == "":
        return
    if isinstance(valeur, Decimal):
        feuille.write_number(rang, indice, float(valeur), formats["montant"])
    elif isinstance(valeur, bool):
        feuille.write_string(rang, indice, oui_non(valeur))
    elif isinstance(valeur, int | float):
        feuille.write_number(rang, indice, valeur)
    elif isinstance(valeur, dt.datetime | dt.date):
        jour_ = jour(valeur)
        assert jour_ is not None
        feuille.write_datetime(rang, indice, jour_, formats["date"])
    else:
        # write_string : jamais lu comme une formule ; l'apostrophe protège aussi le
        # fichier une fois réenregistré en CSV par le tableur.
        feuille.write_string(rang, indice, texte_sur(str(valeur)))


def nom_de_fichier(export: Export, format_: str) -> str:
    return f"{export.nom}-{timezone.localdate():%Y-%m-%d}.{format_}"
