"""Les files de travail de la Caf : quels dossiers dans quelle file, filtres, recherche, tri.

Tout se lit dans l'URL (`?file=…&campagne=…&tri=…`) : une valeur qu'on ne comprend pas est
ignorée avec un avis en français, jamais une erreur.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.core.chiffres_en_cache import en_cache_selon_requetes
from clas.core.forms import ChampMontantEnTexte
from clas.dossiers.models import Collectif, DemandeComplements, Dossier, EtatDossier
from clas.structures.models import TypeStructure

from .models import Proposition, StatutProposition

if TYPE_CHECKING:
    from clas.comptes.models import AgentCaf, Utilisateur
    from clas.instruction.enveloppe import CampagneAvecEnveloppe

E = EtatDossier

# --- Les files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class File:
    code: str
    libelle: str
    aide: str


FILES = (
    File("a_instruire", "À instruire", "Dossiers déposés que personne n'instruit encore."),
    File(
        "en_instruction",
        "En instruction",
        "Dossiers en instruction, hors ceux dont une proposition attend d'être validée.",
    ),
    File("complements", "Compléments demandés", "En attente de la structure."),
    File("a_valider", "À valider", "Une proposition de décision attend un second agent."),
    File("decides", "Décidés", "Acceptés, refusés ou classés sans suite."),
    File("tous", "Tous", "Tous les dossiers déposés de la Caf."),
)
CODES_FILES = tuple(f.code for f in FILES)
ETATS_DECIDES = (E.ACCEPTE, E.REFUSE, E.SANS_SUITE)
DOSSIERS_PAR_PAGE = 50


def condition_file(code: str, utilisateur: Utilisateur | None = None) -> Q:
    """La condition d'une file, sur un queryset annoté par `annoter_attente`.
    `utilisateur` : pour « mes dossiers » en instruction."""
    if code == "a_instruire":
        return Q(etat=E.DEPOSE)
    if code == "en_instruction":
        condition = Q(etat=E.EN_INSTRUCTION, en_attente_validation=False)
        if utilisateur is not None:
            condition &= Q(instructeur_id=utilisateur.pk)
        return condition
    if code == "complements":
        return Q(etat=E.COMPLEMENTS_DEMANDES)
    if code == "a_valider":
        return Q(en_attente_validation=True)
    if code == "decides":
        return Q(etat__in=ETATS_DECIDES)
    return Q()


def annoter_attente(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Ajoute `en_attente_validation` : une proposition du dossier attend d'être validée."""
    return dossiers.annotate(
        en_attente_validation=Exists(
            Proposition.objects.filter(
                dossier_id=OuterRef("pk"), statut=StatutProposition.EN_ATTENTE
            )
        )
    )


def _demandes_ouvertes() -> QuerySet[DemandeComplements]:
    return DemandeComplements.objects.filter(dossier_id=OuterRef("pk"), repondue_le__isnull=True)


def annoter_echeance(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Ajoute `echeance_complements` : la date avant laquelle la structure doit rendre les
    compléments de la demande en cours (la plus récente), ou None."""
    return dossiers.annotate(
        echeance_complements=Subquery(
            _demandes_ouvertes().order_by("-created_at", "-id").values("echeance")[:1]
        )
    )


def complements_echus(aujourd_hui: dt.date | None = None) -> Exists:
    """Vrai si une demande de compléments du dossier attend encore après son échéance."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return Exists(_demandes_ouvertes().filter(echeance__lt=aujourd_hui))


def condition_complements_en_retard(aujourd_hui: dt.date | None = None) -> Q:
    """Compléments demandés dont l'échéance est passée sans réponse de la structure."""
    return Q(etat=E.COMPLEMENTS_DEMANDES) & Q(complements_echus(aujourd_hui))


def compter_files(dossiers: QuerySet[Dossier], utilisateur: Utilisateur) -> dict[str, int]:
    """Le nombre de dossiers de chaque file (et « mes » dossiers en instruction), en deux
    requêtes groupées par état : tous les dossiers, puis ceux dont une proposition attend.
    (Compter chaque file sur l'annotation `en_attente_validation` évaluait sa sous-requête
    trois fois par dossier : 60 ms sur les 25 000 dossiers du pays.)"""
    base = dossiers.order_by()
    attendent = base.filter(
        pk__in=Proposition.objects.filter(statut=StatutProposition.EN_ATTENTE).values("dossier_id")
    )
    requetes = [
        lignes.values("etat").annotate(
            n=Count("pk"), miens=Count("pk", filter=Q(instructeur_id=utilisateur.pk))
        )
        for lignes in (base, attendent)
    ]

    def grouper() -> list[dict[str, tuple[int, int]]]:
        return [
            {ligne["etat"]: (ligne["n"], ligne["miens"]) for ligne in requete}
            for requete in requetes
        ]

    # Tous les dossiers de la Caf (du pays) : comptés une fois par version des données.
    tous, en_attente = en_cache_selon_requetes("files-comptes", requetes, grouper, list)

    def nombre(groupes: dict[str, tuple[int, int]], etats: Sequence[str], rang: int = 0) -> int:
        return sum(groupes.get(etat, (0, 0))[rang] for etat in etats)

    instruction = [E.EN_INSTRUCTION]
    return {
        "a_instruire": nombre(tous, [E.DEPOSE]),
        "en_instruction": nombre(tous, instruction) - nombre(en_attente, instruction),
        "complements": nombre(tous, [E.COMPLEMENTS_DEMANDES]),
        "a_valider": nombre(en_attente, list(en_attente)),
        "decides": nombre(tous, ETATS_DECIDES),
        "tous": nombre(tous, list(tous)),
        "mes_en_instruction": nombre(tous, instruction, 1) - nombre(en_attente, instruction, 1),
    }


# --- Le tri ------------------------------------------------------------------------------

TRIS = {
    "numero": ("numero", "Dossier"),
    "depot": ("depose_le", "Déposé le"),
    "structure": ("structure__nom", "Structure"),
    "montant": ("ps_demandee", "Prestation demandée"),
    "etat": ("etat", "État"),
}
TRI_PAR_DEFAUT = "depot"


def choix_tris() -> list[tuple[str, str]]:
    choix = []
    for cle, (_, libelle) in TRIS.items():
        choix += [(cle, f"{libelle} (croissant)"), (f"-{cle}", f"{libelle} (décroissant)")]
    return choix


def trier(dossiers: QuerySet[Dossier], tri: str) -> QuerySet[Dossier]:
    descendant = tri.startswith("-")
    champ = TRIS[tri.lstrip("-")][0]
    expression = F(champ).desc(nulls_last=True) if descendant else F(champ).asc(nulls_last=True)
    return dossiers.order_by(expression, "-pk" if descendant else "pk")


@dataclass(frozen=True)
class Colonne:
    """Une en-tête de colonne triable : le tri qu'un clic applique, et l'état `aria-sort`."""

    cle: str
    libelle: str
    tri_au_clic: str
    aria_sort: str  # "ascending" | "descending" | "" (non trié)


def colonnes_triables(tri: str) -> dict[str, Colonne]:
    colonnes = {}
    actuelle = tri.lstrip("-")
    for cle, (_, libelle) in TRIS.items():
        if cle == actuelle:
            descendant = tri.startswith("-")
            colonnes[cle] = Colonne(
                cle,
                libelle,
                cle if descendant else f"-{cle}",
                "descending" if descendant else "ascending",
            )
        else:
            colonnes[cle] = Colonne(cle, libelle, cle, "")
    return colonnes


# --- Les filtres -------------------------------------------------------------------------

BONUS = (("culture", "Projets culturels"), ("parents", "Accompagnement des parents"))
NON_ATTRIBUE = "aucun"
ETATS_FILTRABLES = [(v, libelle) for v, libelle in E.choices if v != E.BROUILLON]


def lire_montant(texte: str) -> Decimal:
    """« 2 500,50 », « 2500.50 », « 2 500 € » → Decimal ; ValueError sinon."""
    nettoye = re.sub(r"[\s\u00a0\u202f€]", "", texte).replace(",", ".")
    try:
        montant = Decimal(nettoye)
    except InvalidOperation as erreur:
        raise ValueError(texte) from erreur
    if not montant.is_finite() or montant < 0:
        raise ValueError(texte)
    return montant


class ChampMontant(ChampMontantEnTexte):
    def lire(self, texte: str) -> Decimal:
        try:
            return lire_montant(texte)
        except ValueError:
            raise forms.ValidationError(
                f"« {texte} » n'est pas un montant en euros (exemple : 2 500 ou 2500,50)"
            ) from None


class FiltresFiles(forms.Form):
    """Les paramètres de la page des files, tels qu'ils arrivent dans l'URL. Chaque champ
    refusé est ignoré (voir `avis`), les autres s'appliquent."""

    file = forms.ChoiceField(
        label="File", required=False, choices=[(f.code, f.libelle) for f in FILES]
    )
    mes = forms.BooleanField(label="Mes dossiers seulement", required=False)
    q = forms.CharField(label="Rechercher", required=False, max_length=200, strip=True)
    campagne = forms.ChoiceField(label="Campagne", required=False)
    # Toutes les campagnes d'une année (pour le national : de toutes les Caf).
    annee = forms.ChoiceField(label="Année scolaire", required=False)
    etat = forms.ChoiceField(label="État", required=False, choices=ETATS_FILTRABLES)
    type_structure = forms.ChoiceField(
        label="Type de structure", required=False, choices=TypeStructure.choices
    )
    commune = forms.CharField(label="Commune", required=False, max_length=100, strip=True)
    rural = forms.BooleanField(label="Au moins un collectif en milieu rural", required=False)
    en_retard = forms.BooleanField(label="Compléments attendus après l'échéance", required=False)
    bonus = forms.ChoiceField(label="Bonus demandé", required=False, choices=BONUS)
    montant_min = ChampMontant(label="Prestation demandée (minimum)", required=False)
    montant_max = ChampMontant(label="Prestation demandée (maximum)", required=False)
    instructeur = forms.ChoiceField(label="Instructeur", required=False)
    tri = forms.ChoiceField(label="Tri", required=False, choices=choix_tris())
    # L'administration nationale seulement : les dossiers d'une Caf.
    caf = forms.ChoiceField(label="Caf", required=False)

    def __init__(
        self,
        *args: Any,
        campagnes: Sequence[CampagneAvecEnveloppe],
        instructeurs: list[AgentCaf],
        cafs: Sequence[tuple[int, str]] = (),
        annees: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """`annees` : les années scolaires des campagnes du périmètre, la plus récente
        d'abord."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["annee"]).choices = [(a, a) for a in annees]
        self.fields["annee"].error_messages["invalid_choice"] = (
            "aucune campagne n'a lieu pendant l'année scolaire « %(value)s »"
        )
        cast(forms.ChoiceField, self.fields["caf"]).choices = [(str(pk), nom) for pk, nom in cafs]
        self.fields["caf"].error_messages["invalid_choice"] = "cette Caf n'existe pas"
        self.campagnes = {str(c.pk): c for c in campagnes}
        cast(forms.ChoiceField, self.fields["campagne"]).choices = [
            (str(c.pk), c.titre) for c in campagnes
        ]
        self.fields["campagne"].error_messages["invalid_choice"] = (
            "cette campagne n'est pas une campagne de votre Caf"
        )
        cast(forms.ChoiceField, self.fields["instructeur"]).choices = [
            (NON_ATTRIBUE, "Non attribué")
        ] + [(str(a.utilisateur_id), str(a.utilisateur)) for a in instructeurs]
        self.fields["instructeur"].error_messages["invalid_choice"] = (
            "cet agent n'est pas un instructeur de votre Caf"
        )
        for nom in ("file", "etat", "type_structure", "bonus", "tri"):
            self.fields[nom].error_messages["invalid_choice"] = "« %(value)s » n'est pas reconnu"

    def clean(self) -> dict[str, Any]:
        super().clean()
        donnees = self.cleaned_data
        minimum, maximum = donnees.get("montant_min"), donnees.get("montant_max")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add_error(
                "montant_max", "le maximum est inférieur au minimum : la fourchette est ignorée"
            )
            donnees.pop("montant_min", None)
        return donnees

    def valeurs(self) -> dict[str, Any]:
        """Les valeurs retenues : celles qui sont valides (les autres sont vides)."""
        self.is_valid()
        return {nom: self.cleaned_data.get(nom) for nom in self.fields}

    def avis(self) -> list[str]:
        """Un avis en français par paramètre ignoré."""
        self.is_valid()
        messages = []
        for nom, erreurs in self.errors.items():
            libelle = self.fields[nom].label if nom in self.fields else "Filtre"
            for erreur in erreurs:
                messages.append(f"{libelle} : {erreur}. Ce critère n'est pas appliqué.")
        return messages

    @property
    def campagne_choisie(self) -> CampagneAvecEnveloppe | None:
        return self.campagnes.get(self.valeurs()["campagne"] or "")

    def nombre_de_filtres(self) -> int:
        """Combien de filtres (hors file, tri, recherche) sont appliqués."""
        valeurs = self.valeurs()
        noms = (
            "caf",
            "annee",
            "campagne",
            "etat",
            "type_structure",
            "commune",
            "rural",
            "en_retard",
            "bonus",
            "montant_min",
            "montant_max",
            "instructeur",
        )
        return sum(1 for nom in noms if valeurs[nom] not in (None, "", False))


def annees_des_campagnes(campagnes: Iterable[Campagne]) -> list[str]:
    """Les années scolaires de ces campagnes, sans doublon, la plus récente d'abord."""
    return sorted({c.annee_scolaire for c in campagnes}, reverse=True)


def annees_de_toutes_les_campagnes() -> list[str]:
    """Pour l'administration nationale : les années de toutes les Caf (une requête, mise
    en cache sous la version des données)."""
    requete = (
        Campagne.objects.order_by("-annee_scolaire")
        .values_list("annee_scolaire", flat=True)
        .distinct()
    )
    return en_cache_selon_requetes("files-annees", [requete], lambda: list(requete), list)


def filtrer(dossiers: QuerySet[Dossier], valeurs: dict[str, Any]) -> QuerySet[Dossier]:
    """Applique les filtres et la recherche (pas la file) : sans doublon, sans jointure
    multiple (les conditions sur les collectifs passent par EXISTS)."""
    if valeurs.get("caf"):
        dossiers = dossiers.filter(campagne__caf_id=int(valeurs["caf"]))
    if valeurs.get("annee"):
        dossiers = dossiers.filter(campagne__annee_scolaire=valeurs["annee"])
    if valeurs["campagne"]:
        dossiers = dossiers.filter(campagne_id=int(valeurs["campagne"]))
    if valeurs["etat"]:
        dossiers = dossiers.filter(etat=valeurs["etat"])
    if valeurs["type_structure"]:
        dossiers = dossiers.filter(structure__type_structure=valeurs["type_structure"])
    if valeurs["commune"]:
        dossiers = dossiers.filter(structure__commune__icontains=valeurs["commune"])
    collectifs = Collectif.objects.filter(dossier_id=OuterRef("pk"))
    if valeurs["rural"]:
        dossiers = dossiers.filter(Exists(collectifs.filter(milieu_rural=True)))
    if valeurs["bonus"] == "culture":
        dossiers = dossiers.filter(Exists(collectifs.filter(bonus_projets_culturels=True)))
    elif valeurs["bonus"] == "parents":
        dossiers = dossiers.filter(Exists(collectifs.filter(bonus_accompagnement_parents=True)))
    if valeurs["montant_min"] is not None:
        dossiers = dossiers.filter(ps_demandee__gte=valeurs["montant_min"])
    if valeurs["montant_max"] is not None:
        dossiers = dossiers.filter(ps_demandee__lte=valeurs["montant_max"])
    if valeurs["instructeur"] == NON_ATTRIBUE:
        dossiers = dossiers.filter(instructeur__isnull=True)
    elif valeurs["instructeur"]:
        dossiers = dossiers.filter(instructeur_id=int(valeurs["instructeur"]))
    if valeurs["en_retard"]:
        dossiers = dossiers.filter(condition_complements_en_retard())
    if valeurs["q"]:
        dossiers = dossiers.filter(recherche(valeurs["q"]))
    return dossiers


def recherche(texte: str) -> Q:
    """Par numéro de dossier, nom ou commune de la structure, ou SIRET (les espaces du SIRET
    sont ignorés)."""
    condition = (
        Q(numero__icontains=texte)
        | Q(structure__nom__icontains=texte)
        | Q(structure__commune__icontains=texte)
    )
    chiffres = re.sub(r"[\s\u00a0\u202f]", "", texte)
    if chiffres.isdigit():
        condition |= Q(structure__siret__contains=chiffres)
    return condition
