"""Les chiffres publics (`/chiffres/`, sans connexion) : par année scolaire et par
département, les projets financés, leurs collectifs et les montants décidés. Seulement des
agrégats : aucun nom, aucune structure, aucun montant d'un dossier seul ne sort d'ici.

Deux requêtes groupées (les dossiers financés, puis leurs collectifs) : compter les
collectifs dans la même requête que les montants ferait compter chaque montant autant de
fois que le dossier a de collectifs."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from clas.core.exports import ligne_csv
from clas.dossiers.models import Collectif, Dossier
from clas.instruction.models import NatureDecision

ZERO = Decimal("0.00")
ENTETES_CSV = [
    "Année scolaire",
    "Département",
    "Caf",
    "Projets financés",
    "Collectifs",
    "Montant décidé (€)",
]


@dataclass
class LigneChiffres:
    annee: str
    departement: str
    caf: str
    projets: int = 0
    collectifs: int = 0
    montant_decide: Decimal = ZERO

    @property
    def libelle(self) -> str:
        return f"{self.departement} — {self.caf}"


@dataclass(frozen=True)
class TotalAnnee:
    annee: str
    projets: int
    collectifs: int
    montant_decide: Decimal


def chiffres_publics() -> list[LigneChiffres]:
    """Une ligne par année scolaire et département qui a au moins un projet financé, dans
    l'ordre des années (la plus récente d'abord) puis des départements."""
    finances = Dossier.objects.filter(decision__nature=NatureDecision.ACCORD).order_by()
    cle = ("campagne__annee_scolaire", "campagne__caf__departement")
    lignes: dict[tuple[str, str], LigneChiffres] = {}
    for ligne in finances.values(*cle, "campagne__caf__nom").annotate(
        projets=Count("pk"), montant=Sum("decision__montant")
    ):
        lignes[(ligne[cle[0]], ligne[cle[1]])] = LigneChiffres(
            ligne[cle[0]],
            ligne[cle[1]],
            ligne["campagne__caf__nom"],
            ligne["projets"],
            montant_decide=ligne["montant"] or ZERO,
        )
    collectifs = (
        Collectif.objects.filter(dossier__decision__nature=NatureDecision.ACCORD)
        .order_by()
        .values("dossier__campagne__annee_scolaire", "dossier__campagne__caf__departement")
        .annotate(nombre=Count("pk"))
    )
    for ligne in collectifs:
        cle_ligne = (
            ligne["dossier__campagne__annee_scolaire"],
            ligne["dossier__campagne__caf__departement"],
        )
        lignes[cle_ligne].collectifs = ligne["nombre"]
    # Par département, puis par année de la plus récente à la plus ancienne (tri stable).
    triees = sorted(lignes.values(), key=lambda ligne: ligne.departement)
    return sorted(triees, key=lambda ligne: ligne.annee, reverse=True)


def totaux_par_annee(lignes: list[LigneChiffres]) -> list[TotalAnnee]:
    """Les totaux nationaux de chaque année, de la plus ancienne à la plus récente."""
    annees = sorted({ligne.annee for ligne in lignes})
    return [
        TotalAnnee(
            annee,
            sum(ligne.projets for ligne in lignes if ligne.annee == annee),
            sum(ligne.collectifs for ligne in lignes if ligne.annee == annee),
            sum((ligne.montant_decide for ligne in lignes if ligne.annee == annee), ZERO),
        )
        for annee in annees
    ]


def csv_des_chiffres(lignes: list[LigneChiffres]) -> str:
    """Le CSV téléchargeable : UTF-8 avec BOM (le tableur le lit en UTF-8), `;`, virgule
    décimale, cellules neutralisées (`core.exports`)."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(ENTETES_CSV)
    for ligne in lignes:
        ecrivain.writerow(
            ligne_csv(
                [
                    ligne.annee,
                    ligne.departement,
                    ligne.caf,
                    ligne.projets,
                    ligne.collectifs,
                    ligne.montant_decide,
                ]
            )
        )
    return "\ufeff" + tampon.getvalue()
