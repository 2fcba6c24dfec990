"""Les chiffres du tableau de bord (`/statistiques/`), pour une Caf ou pour la nation, par
année scolaire : un agrégat SQL par sujet, groupé par année, pour toutes les années
comparées à la fois ; le nombre de requêtes ne dépend ni du nombre de dossiers ni du nombre
d'années. Les délais (médiane, 9e décile) se calculent en Python sur les durées lues
groupées (une ligne par année et par durée en jours).

Les définitions (docs/glossaire.md, « tableau de bord ») :
- un dossier compte dès son dépôt (les brouillons ne sont pas comptés) ;
- un projet financé est un dossier dont la décision est un accord ;
- proposé et décidé sont ceux de l'enveloppe (`instruction.enveloppe`) ;
- versé et récupéré viennent du grand livre (mouvements « versement payé » et
  « remboursement reçu ») ;
- les délais se comptent en jours du calendrier, à l'heure de Paris.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from clas.bilans.models import EtatIndu, Indu
from clas.bilans.retards import condition_bilan_en_retard, condition_indu_en_retard
from clas.campagnes.models import Campagne
from clas.conventions.models import Convention
from clas.dossiers.models import Collectif, Dossier, EtatDossier
from clas.instruction.models import Decision, NatureDecision, Proposition, StatutProposition
from clas.referentiel.models import Caf
from clas.structures.models import TypeStructure
from clas.versements.models import EtatVersement, Mouvement, TypeMouvement, Versement

ZERO = Decimal("0.00")
# Les années comparées : l'année choisie et les quatre précédentes.
ANNEES_COMPAREES = 5
ACCORD = Q(decision__nature=NatureDecision.ACCORD)
ETATS_COMPTES = [etat for etat in EtatDossier if etat != EtatDossier.BROUILLON]


@dataclass(frozen=True)
class Perimetre:
    """Ce que regarde le tableau de bord : une Caf, ou toutes (`caf` vide)."""

    caf: Caf | None = None

    @property
    def national(self) -> bool:
        return self.caf is None

    @property
    def libelle(self) -> str:
        return self.caf.nom if self.caf else "toutes les Caf"

    def filtrer(self, requete: QuerySet[Any], chemin_campagne: str) -> QuerySet[Any]:
        """`requete` réduite aux objets de la Caf ; `chemin_campagne` mène à la campagne."""
        if self.caf is None:
            return requete
        prefixe = f"{chemin_campagne}__" if chemin_campagne else ""
        return requete.filter(**{f"{prefixe}caf_id": self.caf.pk})


@dataclass(frozen=True)
class Delais:
    """Des durées en jours : combien, leur médiane et leur 9e décile."""

    nombre: int = 0
    mediane: float | None = None
    decile_9: float | None = None


def delais(durees: Iterable[int]) -> Delais:
    """La médiane (moyenne des deux du milieu si leur nombre est pair) et le 9e décile au
    rang le plus proche (la plus petite durée qui couvre 90 % des cas)."""
    triees = sorted(durees)
    if not triees:
        return Delais()
    rang = math.ceil(0.9 * len(triees)) - 1
    return Delais(len(triees), float(statistics.median(triees)), float(triees[rang]))


def part(nombre: int | Decimal, total: int | Decimal) -> Decimal | None:
    """Une part en %, à un chiffre après la virgule ; rien si le total est nul."""
    if not total:
        return None
    return (Decimal(nombre) * 100 / Decimal(total)).quantize(Decimal("0.1"))


@dataclass
class Annee:
    """Les chiffres d'une année scolaire du périmètre."""

    annee: str
    dossiers_par_etat: dict[str, int] = field(default_factory=dict)
    projets_finances: int = 0
    collectifs: int = 0
    enfants: int = 0
    collectifs_finances: int = 0
    enfants_finances: int = 0
    collectifs_culturels: int = 0
    collectifs_parents: int = 0
    collectifs_ruraux: int = 0
    enveloppe: Decimal = ZERO
    montant_demande: Decimal = ZERO
    montant_propose: Decimal = ZERO
    montant_decide: Decimal = ZERO
    montant_verse: Decimal = ZERO
    montant_recupere: Decimal = ZERO
    conventions_signees: int = 0
    bilans_a_temps: int = 0
    bilans_deposes_en_retard: int = 0
    bilans_en_retard: int = 0
    bilans_attendus: int = 0
    indus_ouverts: int = 0
    montant_indus_ouverts: Decimal = ZERO
    indus_en_retard: int = 0
    delai_decision: Delais = field(default_factory=Delais)
    delai_premier_versement: Delais = field(default_factory=Delais)

    @property
    def dossiers(self) -> int:
        return sum(self.dossiers_par_etat.values())

    @property
    def part_engagee(self) -> Decimal | None:
        """Décidé et proposé rapportés à l'enveloppe."""
        return part(self.montant_decide + self.montant_propose, self.enveloppe)

    @property
    def part_decidee(self) -> Decimal | None:
        return part(self.montant_decide, self.enveloppe)

    @property
    def part_culturels(self) -> Decimal | None:
        return part(self.collectifs_culturels, self.collectifs)

    @property
    def part_parents(self) -> Decimal | None:
        return part(self.collectifs_parents, self.collectifs)

    @property
    def part_rurale(self) -> Decimal | None:
        return part(self.collectifs_ruraux, self.collectifs)


@dataclass(frozen=True)
class Repartition:
    """Une ligne d'une répartition (type de structure, département) pour l'année choisie."""

    cle: str
    libelle: str
    dossiers: int
    projets_finances: int
    montant_decide: Decimal


@dataclass(frozen=True)
class TableauDeBord:
    perimetre: Perimetre
    annee: str
    annees: list[Annee]
    par_type: list[Repartition]
    par_departement: list[Repartition]

    @property
    def courante(self) -> Annee:
        return next(a for a in self.annees if a.annee == self.annee)


def annees_disponibles(perimetre: Perimetre) -> list[str]:
    """Les années scolaires des campagnes du périmètre, la plus récente d'abord."""
    campagnes = perimetre.filtrer(Campagne.objects.all(), "")
    return list(
        campagnes.order_by("-annee_scolaire").values_list("annee_scolaire", flat=True).distinct()
    )


def _dossiers(perimetre: Perimetre, annees: list[str]) -> QuerySet[Dossier]:
    return perimetre.filtrer(
        Dossier.objects.filter(campagne__annee_scolaire__in=annees).exclude(
            etat=EtatDossier.BROUILLON
        ),
        "campagne",
    ).order_by()


def _par_etat(perimetre: Perimetre, annees: list[str], par_annee: dict[str, Annee]) -> None:
    lignes = (
        _dossiers(perimetre, annees)
        .values("campagne__annee_scolaire", "etat")
        .annotate(
            nombre=Count("pk"),
            demande=Sum("ps_demandee"),
            finances=Count("pk", filter=ACCORD),
        )
    )
    for ligne in lignes:
        annee = par_annee[ligne["campagne__annee_scolaire"]]
        annee.dossiers_par_etat[ligne["etat"]] = ligne["nombre"]
        annee.montant_demande += ligne["demande"] or ZERO
        annee.projets_finances += ligne["finances"]


def _collectifs(perimetre: Perimetre, annees: list[str], par_annee: dict[str, Annee]) -> None:
    collectifs = perimetre.filtrer(
        Collectif.objects.filter(dossier__campagne__annee_scolaire__in=annees).exclude(
            dossier__etat=EtatDossier.BROUILLON
        ),
        "dossier__campagne",
    ).order_by()
    finance = Q(dossier__decision__nature=NatureDecision.ACCORD)
    lignes = collectifs.values("dossier__campagne__annee_scolaire").annotate(
        nombre=Count("pk"),
        enfants=Sum("nb_enfants"),
        finances=Count("pk", filter=finance),
        enfants_finances=Sum("nb_enfants", filter=finance),
        culturels=Count("pk", filter=Q(bonus_projets_culturels=True)),
        parents=Count("pk", filter=Q(bonus_accompagnement_parents=True)),
        ruraux=Count("pk", filter=Q(milieu_rural=True)),
    )
    for ligne in lignes:
        annee = par_annee[ligne["dossier__campagne__annee_scolaire"]]
        annee.collectifs = ligne["nombre"]
        annee.enfants = ligne["enfants"] or 0
        annee.collectifs_finances = ligne["finances"]
        annee.enfants_finances = ligne["enfants_finances"] or 0
        annee.collectifs_culturels = ligne["culturels"]
        annee.collectifs_parents = ligne["parents"]
        annee.collectifs_ruraux = ligne["ruraux"]


def _enveloppes(perimetre: Perimetre, annees: list[str], par_annee: dict[str, Annee]) -> None:
    """Les enveloppes, et ce qui y est proposé (propositions d'accord en attente) et décidé
    (accords) : les mêmes sommes que `instruction.enveloppe.avec_enveloppe`, groupées par
    année en trois requêtes plutôt qu'une sous-requête par campagne (300 à l'échelle du pays)."""
    campagnes = perimetre.filtrer(Campagne.objects.filter(annee_scolaire__in=annees), "")
    for ligne in campagnes.order_by().values("annee_scolaire").annotate(total=Sum("enveloppe")):
        par_annee[ligne["annee_scolaire"]].enveloppe += ligne["total"] or ZERO
    chemin = "dossier__campagne__annee_scolaire"
    proposees = Proposition.objects.filter(
        statut=StatutProposition.EN_ATTENTE, nature=NatureDecision.ACCORD
    )
    decidees = Decision.objects.filter(nature=NatureDecision.ACCORD)
    for requete, attribut in ((proposees, "montant_propose"), (decidees, "montant_decide")):
        lignes = (
            perimetre.filtrer(requete.filter(**{f"{chemin}__in": annees}), "dossier__campagne")
            .order_by()
            .values(chemin)
            .annotate(total=Sum("montant"))
        )
        for ligne in lignes:
            annee = par_annee[ligne[chemin]]
            setattr(annee, attribut, getattr(annee, attribut) + (ligne["total"] or ZERO))


def _argent(perimetre: Perimetre, annees: list[str], par_annee: dict[str, Annee]) -> None:
    mouvements = perimetre.filtrer(
        Mouvement.objects.filter(
            convention__dossier__campagne__annee_scolaire__in=annees,
            type__in=[TypeMouvement.VERSEMENT_PAYE, TypeMouvement.REMBOURSEMENT],
        ),
        "convention__dossier__campagne",
    ).order_by()
    for ligne in mouvements.values(
        "convention__dossier__campagne__annee_scolaire", "type"
    ).annotate(total=Sum("montant")):
        annee = par_annee[ligne["convention__dossier__campagne__annee_scolaire"]]
        if ligne["type"] == TypeMouvement.VERSEMENT_PAYE:
            annee.montant_verse = ligne["total"]
        else:
            annee.montant_recupere = ligne["total"]


def _bilans(
    perimetre: Perimetre, annees: list[str], par_annee: dict[str, Annee], aujourd_hui: dt.date
) -> None:
    signees = perimetre.filtrer(
        Convention.objects.filter(
            dossier__campagne__annee_scolaire__in=annees, signee_le__isnull=False
        ),
        "dossier__campagne",
    ).order_by()
    depose = Q(bilan__depose_le__isnull=False)
    a_temps = depose & Q(bilan__depose_le__date__lte=F("date_limite_bilan"))
    en_retard = condition_bilan_en_retard(aujourd_hui)
    lignes = signees.values("dossier__campagne__annee_scolaire").annotate(
        signees=Count("pk"),
        a_temps=Count("pk", filter=a_temps),
        deposes_en_retard=Count("pk", filter=depose & ~a_temps),
        en_retard=Count("pk", filter=en_retard),
    )
    for ligne in lignes:
        annee = par_annee[ligne["dossier__campagne__annee_scolaire"]]
        annee.conventions_signees = ligne["signees"]
        annee.bilans_a_temps = ligne["a_temps"]
        annee.bilans_deposes_en_retard = ligne["deposes_en_retard"]
        annee.bilans_en_retard = ligne["en_retard"]
        annee.bilans_attendus = (
            ligne["signees"] - ligne["a_temps"] - ligne["deposes_en_retard"] - ligne["en_retard"]
        )


def _indus(
    perimetre: Perimetre, annees: list[str], par_annee: dict[str, Annee], aujourd_hui: dt.date
) -> None:
    ouverts = perimetre.filtrer(
        Indu.objects.filter(
            convention__dossier__campagne__annee_scolaire__in=annees, etat=EtatIndu.OUVERT
        ),
        "convention__dossier__campagne",
    ).order_by()
    lignes = ouverts.values("convention__dossier__campagne__annee_scolaire").annotate(
        nombre=Count("pk"),
        montant=Sum("montant"),
        en_retard=Count("pk", filter=condition_indu_en_retard(aujourd_hui)),
    )
    for ligne in lignes:
        annee = par_annee[ligne["convention__dossier__campagne__annee_scolaire"]]
        annee.indus_ouverts = ligne["nombre"]
        annee.montant_indus_ouverts = ligne["montant"] or ZERO
        annee.indus_en_retard = ligne["en_retard"]


def jour_de_paris(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _jours(fin: Any, debut: Any) -> ExpressionWrapper[Any]:
    """Les jours du calendrier de `debut` à `fin`, comptés par la base (à l'heure de Paris
    pour un horodatage) : les délais se lisent groupés par durée, quelques centaines de
    lignes au lieu d'une par dossier."""
    return ExpressionWrapper(fin - debut, output_field=DurationField())


def _jour(champ: str) -> TruncDate:
    return TruncDate(champ, tzinfo=timezone.get_current_timezone())


def _histogramme(requete: QuerySet[Any], chemin_annee: str) -> dict[str, list[int]]:
    """{année: durées en jours}, depuis les lignes (année, durée, nombre)."""
    durees: dict[str, list[int]] = defaultdict(list)
    for ligne in requete.values(chemin_annee, "duree").annotate(n=Count("pk")):
        if ligne["duree"] is not None:  # pas encore de versement payé
            durees[ligne[chemin_annee]] += [ligne["duree"].days] * ligne["n"]
    return durees


def _delais(perimetre: Perimetre, annees: list[str], par_annee: dict[str, Annee]) -> None:
    """Deux requêtes groupées par durée : du dépôt à la décision de chaque dossier décidé ;
    de la décision au premier versement payé de chaque convention."""
    decides = (
        _dossiers(perimetre, annees)
        .filter(decision__isnull=False, depose_le__isnull=False)
        .annotate(duree=_jours(_jour("decision__decidee_le"), _jour("depose_le")))
    )
    premier_paiement = (
        Versement.objects.filter(convention=OuterRef("pk"), etat=EtatVersement.PAYE)
        .order_by("paye_le")
        .values("paye_le")[:1]
    )
    payees = (
        perimetre.filtrer(
            Convention.objects.filter(dossier__campagne__annee_scolaire__in=annees),
            "dossier__campagne",
        )
        .order_by()
        # Sans `filter(premier__isnull=False)`, qui recopierait la sous-requête dans le
        # WHERE (une seconde lecture des versements par convention) : les durées vides
        # sont écartées en Python.
        .annotate(premier=Subquery(premier_paiement, output_field=DateField()))
        .annotate(duree=_jours(F("premier"), _jour("decision__decidee_le")))
    )
    durees = _histogramme(decides, "campagne__annee_scolaire")
    jusqu_au_versement = _histogramme(payees, "dossier__campagne__annee_scolaire")
    for annee, chiffres in par_annee.items():
        chiffres.delai_decision = delais(durees[annee])
        chiffres.delai_premier_versement = delais(jusqu_au_versement[annee])


def _repartition(
    perimetre: Perimetre, annee: str, cle: str, libelle: str | None = None
) -> list[dict[str, Any]]:
    champs = [cle, libelle] if libelle else [cle]
    return list(
        _dossiers(perimetre, [annee])
        .values(*champs)
        .annotate(
            dossiers=Count("pk"),
            finances=Count("pk", filter=ACCORD),
            decide=Sum("decision__montant", filter=ACCORD),
        )
        .order_by(cle)
    )


def repartition_par_type(perimetre: Perimetre, annee: str) -> list[Repartition]:
    libelles = dict(TypeStructure.choices)
    return [
        Repartition(
            ligne["structure__type_structure"],
            str(
                libelles.get(ligne["structure__type_structure"], ligne["structure__type_structure"])
            ),
            ligne["dossiers"],
            ligne["finances"],
            ligne["decide"] or ZERO,
        )
        for ligne in _repartition(perimetre, annee, "structure__type_structure")
    ]


def repartition_par_departement(perimetre: Perimetre, annee: str) -> list[Repartition]:
    """Le département de la Caf de la campagne (une Caf par département)."""
    return [
        Repartition(
            ligne["campagne__caf__departement"],
            f"{ligne['campagne__caf__departement']} — {ligne['campagne__caf__nom']}",
            ligne["dossiers"],
            ligne["finances"],
            ligne["decide"] or ZERO,
        )
        for ligne in _repartition(
            perimetre, annee, "campagne__caf__departement", "campagne__caf__nom"
        )
    ]


def annees_comparees(annee: str, disponibles: list[str]) -> list[str]:
    """L'année choisie et celles d'avant, de la plus ancienne à la plus récente."""
    anterieures = sorted((a for a in disponibles if a <= annee), reverse=True)
    return sorted(anterieures[:ANNEES_COMPAREES])


def tableau_de_bord(
    perimetre: Perimetre, annee: str, disponibles: list[str], aujourd_hui: dt.date | None = None
) -> TableauDeBord:
    """Tous les chiffres de l'année choisie et des années précédentes : douze requêtes au
    plus, quel que soit le nombre de dossiers."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    annees = annees_comparees(annee, disponibles)
    par_annee = {a: Annee(a) for a in annees}
    _par_etat(perimetre, annees, par_annee)
    _collectifs(perimetre, annees, par_annee)
    _enveloppes(perimetre, annees, par_annee)
    _argent(perimetre, annees, par_annee)
    _bilans(perimetre, annees, par_annee, aujourd_hui)
    _indus(perimetre, annees, par_annee, aujourd_hui)
    _delais(perimetre, annees, par_annee)
    return TableauDeBord(
        perimetre=perimetre,
        annee=annee,
        annees=[par_annee[a] for a in annees],
        par_type=repartition_par_type(perimetre, annee),
        par_departement=repartition_par_departement(perimetre, annee) if perimetre.national else [],
    )
