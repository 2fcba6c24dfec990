"""Un jeu de données à l'échelle nationale, pour mesurer la plateforme (`generer_national`).

101 Caf avec leurs agents, environ 4 300 dossiers par année scolaire sur trois campagnes,
1 à 8 collectifs chacun, à chaque étape de leur vie : instruction, décision (avec l'entrée,
les paramètres et l'explication du vrai barème), convention, acompte et solde dans des
lots, bilan recalculé sur les réels, indu et remboursements, historique.

Pour tenir en quelques minutes, rien ne passe par les actions une à une : les objets sont
construits en mémoire puis écrits par lots (`bulk_create`). Ils portent pourtant les mêmes
champs que les actions : chaque changement d'état est joué sur la table de transitions de
son flux (`Parcours.appliquer` vérifie l'état de départ et écrit l'événement du catalogue),
le barème est `clas.bareme.calculer` (une fois par projet distinct), le recalcul sur les
réels est `clas.bilans.recalcul.entree_reelle`. Le hasard vient d'une seule graine : deux
générations avec la même graine, le même jour, donnent les mêmes données.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from clas.bareme import (
    CollectifEntree,
    Entree,
    Parametres,
    Resultat,
    arrondir,
    calculer,
    entree_vers_json,
    formater_euros,
    resultat_vers_json,
)
from clas.bilans.etats import BILAN, INDU
from clas.bilans.models import Bilan, BilanCollectif, Indu, LigneBilan, Remboursement
from clas.bilans.recalcul import CollectifDecide, entree_reelle
from clas.campagnes.models import Campagne
from clas.comptes.models import AgentCaf, Utilisateur
from clas.conventions.models import Convention
from clas.core.etats import Table
from clas.core.validators import iban_fr, siret_valide_depuis
from clas.demo.chronologie import PARIS, Horloge
from clas.dossiers.etats import DOSSIER
from clas.dossiers.evenements import TypeEvenement as T
from clas.dossiers.evenements import fiche
from clas.dossiers.models import (
    Collectif,
    DemandeComplements,
    Dossier,
    Evenement,
    Intervenant,
    LigneBudget,
    Message,
    SequenceNumero,
)
from clas.instruction.etats import PROPOSITION
from clas.instruction.models import Annotation, Decision, MotifRefus, Proposition
from clas.referentiel.actions import ajouter_annee
from clas.referentiel.models import Caf, ParametresBareme
from clas.structures.models import MembreStructure, RoleMembre, Structure, TypeStructure
from clas.versements.etats import VERSEMENT
from clas.versements.models import LotPaiement, Mouvement, TypeMouvement, Versement

MOT_DE_PASSE = "demo-clas-2026"  # celui de la démo : un seul mot de passe à retenir
DOMAINE = "national.clas.fr"
PROJETS_PAR_AN = 4300  # CLAS.md : environ 4 300 projets financés en 2020
PART_QUI_DEPOSE = 0.92  # une structure ne dépose pas tous les ans
# Les grosses Caf (part des structures du pays) ; les autres se partagent le reste, avec
# beaucoup de petites. Le Rhône dépasse 400 dossiers par an à l'échelle 1.
GROSSES_CAF = {"69": 0.10, "59": 0.06, "75": 0.055, "13": 0.05, "93": 0.045, "33": 0.03}
LOT = 5000  # lignes par écriture
FORMES = 400  # projets types du catalogue (voir `Generateur.forme`)

TYPES = [
    (TypeStructure.CENTRE_SOCIAL, "Centre social"),
    (TypeStructure.ASSOCIATION, "Association Réussir"),
    (TypeStructure.ASSOCIATION, "Association Coup de pouce"),
    (TypeStructure.ESPACE_VIE_SOCIALE, "Espace de vie sociale"),
    (TypeStructure.ACCUEIL_JEUNES, "Maison des jeunes"),
    (TypeStructure.COLLECTIVITE, "Mairie de"),
]
COMMUNES = [
    "Saint-Martin",
    "Villeneuve",
    "Beaulieu",
    "Montfort",
    "Belleville",
    "Fontaine",
    "Rochefort",
    "Champagne",
    "Le Moulin",
    "Les Ormes",
    "La Plaine",
    "Bellevue",
]
PRENOMS = ["Amina", "Lucas", "Claire", "Karim", "Sophie", "Julien", "Nadia", "Thomas", "Inès"]
NOMS = ["Martin", "Bernard", "Diallo", "Petit", "Durand", "Leroy", "Moreau", "Haddad", "Roux"]
# (nom du collectif, niveaux) : peu de formes distinctes, pour que le barème d'un projet
# serve à beaucoup d'autres.
MODELES_COLLECTIFS = [
    ("CP-CE1", ["CP", "CE1"]),
    ("CE2-CM1", ["CE2", "CM1"]),
    ("CM1-CM2", ["CM1", "CM2"]),
    ("Primaire", ["CP", "CE1", "CE2"]),
    ("6e-5e", ["6e", "5e"]),
    ("4e-3e", ["4e", "3e"]),
    ("Collégiens", ["6e", "5e", "4e", "3e"]),
    ("Lycéens", ["2de", "1re", "Tle"]),
]
HORAIRES = [
    [{"jour": "mardi", "debut": "16:30", "fin": "18:00"}],
    [
        {"jour": "lundi", "debut": "16:45", "fin": "18:15"},
        {"jour": "jeudi", "debut": "16:45", "fin": "18:15"},
    ],
    [{"jour": "mercredi", "debut": "14:00", "fin": "16:00"}],
]
NB_COLLECTIFS = ([1, 2, 3, 4, 5, 6, 7, 8], [30, 25, 17, 10, 7, 5, 3, 3])
COUT_PAR_COLLECTIF = [Decimal(v) for v in ("6000", "7000", "7886", "8000", "9000")]
PART_COFINANCEE = [Decimal(v) for v in ("0.35", "0.45", "0.55")]
ECART_REEL = [Decimal(v) for v in ("0.95", "1.00", "1.00", "1.05")]
# Le dossier témoin des mesures : 30 collectifs, 200 lignes d'historique.
TEMOIN_COLLECTIFS = 30
TEMOIN_EVENEMENTS = 200


@contextmanager
def dates_choisies() -> Iterator[None]:
    """Les champs `auto_now` et `auto_now_add` gardent la date que le générateur leur
    donne (celle de l'étape), le temps de la génération."""
    retenus: list[tuple[models.DateField[Any, Any], bool, bool]] = []
    for modele in apps.get_models():
        for champ in modele._meta.concrete_fields:
            if isinstance(champ, models.DateField) and (champ.auto_now or champ.auto_now_add):
                retenus.append((champ, champ.auto_now, champ.auto_now_add))
                champ.auto_now = champ.auto_now_add = False
    try:
        yield
    finally:
        for champ, auto_now, auto_now_add in retenus:
            champ.auto_now, champ.auto_now_add = auto_now, auto_now_add


def _convertisseur(champ: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """La valeur en base d'un champ, comme Django l'écrirait (dates, montants, JSON,
    fichiers par le champ ; un choix énuméré devient sa valeur)."""
    if isinstance(champ, models.JSONField):
        # Les mêmes explications du barème reviennent sur des milliers de lignes : chacune
        # n'est convertie qu'une fois.
        deja: dict[int, Any] = {}

        def json(valeur: Any) -> Any:
            cle = id(valeur)
            if cle not in deja:
                deja[cle] = champ.get_db_prep_save(valeur, connection=connection)
            return deja[cle]

        return json
    if isinstance(champ, models.DateField | models.DecimalField | models.FileField):
        return partial(champ.get_db_prep_save, connection=connection)
    if isinstance(champ, models.CharField | models.TextField):
        return lambda valeur: valeur if valeur is None else str(valeur)
    return lambda valeur: valeur


def inserer(modele: type[models.Model], objets: list[models.Model] | list[dict[str, Any]]) -> None:
    """Écrit des objets déjà complets (clé primaire comprise), sans passer par `save` ni
    `bulk_create` : le même INSERT (COPY sur PostgreSQL), dix fois plus vite sur des
    centaines de milliers de lignes."""
    if not objets:
        return
    champs = list(modele._meta.concrete_fields)
    convertir = [(champ.attname, _convertisseur(champ)) for champ in champs]
    if isinstance(objets[0], dict):  # des lignes légères (`Generateur.ligne`)
        defauts = {champ.attname: champ.get_default() for champ in champs}
        lignes = [
            tuple(f(o.get(nom, defauts[nom])) for nom, f in convertir)
            for o in objets
            if isinstance(o, dict)
        ]
    else:
        lignes = [tuple(f(getattr(o, nom)) for nom, f in convertir) for o in objets]
    table = connection.ops.quote_name(modele._meta.db_table)
    colonnes = ", ".join(connection.ops.quote_name(str(champ.column)) for champ in champs)
    with connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            brut = curseur.cursor
            with brut.copy(f"COPY {table} ({colonnes}) FROM STDIN") as copie:
                for ligne in lignes:
                    copie.write_row(ligne)
            return
        marques = ", ".join(["%s"] * len(champs))
        requete = f"INSERT INTO {table} ({colonnes}) VALUES ({marques})"  # noqa: S608 — noms tirés des modèles
        for debut in range(0, len(lignes), LOT):
            curseur.executemany(requete, lignes[debut : debut + LOT])


class Fil:
    """Le temps d'un dossier : chaque étape vient après la précédente, jamais après
    `limite` (hier soir pour l'année en cours)."""

    def __init__(
        self, hasard: random.Random, depart: dt.datetime, limite: dt.datetime, rythme: float
    ) -> None:
        self.hasard = hasard
        self.instant = depart
        self.limite = limite
        self.rythme = rythme  # l'année en cours va plus vite : tout tient en six semaines

    def apres(self, jours_min: float, jours_max: float) -> dt.datetime:
        delta = dt.timedelta(days=self.hasard.uniform(jours_min, jours_max) * self.rythme)
        suivant = self.instant + delta
        heure = self.hasard.randint(8, 17)
        suivant = suivant.astimezone(PARIS).replace(hour=heure, minute=self.hasard.randint(0, 59))
        suivant = max(suivant, self.instant + dt.timedelta(minutes=7))
        self.instant = min(suivant, self.limite)
        return self.instant

    def a_au_moins(self, moment: dt.datetime) -> dt.datetime:
        self.instant = min(max(self.instant, moment), self.limite)
        return self.instant


@dataclass(frozen=True)
class Forme:
    """Un projet type : ses collectifs, ses dépenses, la part cofinancée."""

    collectifs: tuple[dict[str, Any], ...]
    depenses: Decimal
    part_cofinancee: Decimal


@dataclass(frozen=True)
class Calcul:
    """Le barème d'une entrée, et ce que la décision ou le bilan en gardent (JSON)."""

    resultat: Resultat
    entree_json: dict[str, object]
    resultat_json: dict[str, object]
    parametres_json: dict[str, dict[str, str]]


@dataclass
class Equipe:
    """Les agents d'une Caf, par rôle."""

    instructeurs: list[Utilisateur] = field(default_factory=list)
    valideurs: list[Utilisateur] = field(default_factory=list)
    comptables: list[Utilisateur] = field(default_factory=list)


@dataclass
class Porteur:
    structure: Structure
    administrateur: Utilisateur
    signataire: Utilisateur


@dataclass
class Annee:
    """Une campagne et ses bornes : `rang` 0 pour l'année en cours, 1 l'an dernier, 2 avant."""

    rang: int
    annee_scolaire: str
    ouverture: dt.datetime
    cloture: dt.datetime


@dataclass
class Projet:
    """Un dossier en mémoire, avec ce qu'il faut pour la suite de son parcours."""

    dossier: Dossier
    porteur: Porteur
    equipe: Equipe
    annee: Annee
    collectifs: list[Collectif]
    entree: Entree
    resultat: Resultat
    fil: Fil
    convention: Convention | None = None
    acompte: Versement | None = None


@dataclass
class Resume:
    """Ce que la génération a écrit : comptes par table, états, montants."""

    lignes: dict[str, int]
    etats: dict[str, dict[str, int]]
    montants: dict[str, str]
    formes_bareme: int
    calculs_bareme: int


class Generateur:
    def __init__(self, echelle: float, graine: int, maintenant: dt.datetime | None = None) -> None:
        self.echelle = echelle
        self.hasard = random.Random(graine)
        # Minuit (heure de Paris) : deux générations du même jour datent tout pareil.
        jour = timezone.localtime(maintenant or timezone.now(), PARIS).date()
        self.horloge = Horloge(dt.datetime.combine(jour, dt.time(0, 30), PARIS))
        self.hier_soir = self.horloge.le(jour - dt.timedelta(days=1), 19)
        self.objets: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        # Les tables les plus nombreuses (historique, intervenants, budget…) : de simples
        # dictionnaires de colonnes, sans objet Django (dix fois moins cher à construire).
        self.legeres: dict[type[models.Model], list[dict[str, Any]]] = defaultdict(list)
        self.defauts: dict[type[models.Model], dict[str, Any]] = {}
        self.prochain: dict[type[models.Model], int] = {}
        self.mot_de_passe = make_password(MOT_DE_PASSE, salt="nationalclas")
        self.parametres: dict[str, Parametres] = {}
        self.calculs: dict[Entree, Calcul] = {}
        self.formes: list[Forme] = []
        self.nb_calculs = 0
        self.lots: dict[tuple[int, dt.date], LotPaiement] = {}
        self.comptables_de_lot: dict[int, Utilisateur] = {}
        self.sequences: Counter[tuple[int, str]] = Counter()
        self.equipes: dict[int, Equipe] = {}
        self.temoin_fait = False
        self.nb_intervenants: dict[int, int] = {}

    # --- Écriture -----------------------------------------------------------------------

    def nouveau(self, modele: type[Any], **champs: Any) -> Any:
        """Un objet avec sa clé primaire déjà choisie (les liens et l'historique la citent
        avant l'écriture), gardé pour l'écriture par lots."""
        objet = modele(pk=self.cle(modele), **champs)
        self.objets[modele].append(objet)
        return objet

    def leger(self, modele: type[Any], **colonnes: Any) -> Any:
        """Un objet du modèle construit sans `Model.__init__` (cinq fois plus rapide) : ses
        colonnes seulement (clés étrangères en `_id`), sans objets liés en mémoire."""
        if modele not in self.defauts:
            self.defauts[modele] = {
                champ.attname: champ.get_default() for champ in modele._meta.concrete_fields
            }
        objet = object.__new__(modele)
        objet._state = ModelState()
        objet.__dict__.update(self.defauts[modele])
        objet.__dict__.update(colonnes)
        objet.pk = self.cle(modele)
        self.objets[modele].append(objet)
        return objet

    def cle(self, modele: type[models.Model]) -> int:
        if modele not in self.prochain:
            dernier = modele._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
            self.prochain[modele] = dernier + 1
        pk = self.prochain[modele]
        self.prochain[modele] += 1
        return pk

    def ligne(self, modele: type[models.Model], **colonnes: Any) -> int:
        """Une ligne légère : ses colonnes (clés étrangères en `_id`), sa clé primaire."""
        pk = self.cle(modele)
        self.legeres[modele].append({"id": pk, **colonnes})
        return pk

    def ecrire(self) -> None:
        ordre: list[type[models.Model]] = [
            Utilisateur,
            AgentCaf,
            Structure,
            MembreStructure,
            Campagne,
            Dossier,
            Collectif,
            Intervenant,
            LigneBudget,
            DemandeComplements,
            Annotation,
            Message,
            Proposition,
            Decision,
            Convention,
            LotPaiement,
            Versement,
            Mouvement,
            Bilan,
            BilanCollectif,
            LigneBilan,
            Indu,
            Remboursement,
        ]
        for modele in ordre:
            objets = self.objets.get(modele, [])
            if modele is Versement:  # une réémission cite le versement rejeté
                objets.sort(key=lambda v: v.reemission_de_id is not None)  # type: ignore[attr-defined]  # Versement
            inserer(modele, objets)
            inserer(modele, self.legeres.get(modele, []))
        inserer(Evenement, self.legeres[Evenement])
        SequenceNumero.objects.bulk_create(
            [
                SequenceNumero(caf_id=caf_id, annee_scolaire=annee, dernier=dernier)
                for (caf_id, annee), dernier in sorted(self.sequences.items())
            ],
            batch_size=LOT,
        )
        with connection.cursor() as curseur:
            for requete in connection.ops.sequence_reset_sql(no_style(), [*ordre, Evenement]):
                curseur.execute(requete)

    # --- Historique et états ----------------------------------------------------------

    def noter(
        self,
        dossier: Dossier,
        type_: str,
        quand: dt.datetime,
        description: str,
        auteur: Utilisateur | None,
        objet: models.Model | None = None,
        avant: str = "",
        apres: str = "",
    ) -> None:
        """Une ligne d'historique, telle que `Evenement.save` l'écrirait (objet et
        visibilité tirés du catalogue)."""
        fiche_ = fiche(type_)
        self.ligne(
            Evenement,
            dossier_id=dossier.pk,
            auteur_id=auteur.pk if auteur else None,
            type=type_,
            objet=fiche_.objet,
            objet_id=(objet or dossier).pk,
            etat_avant=avant,
            etat_apres=apres,
            description=description,
            public=fiche_.public,
            created_at=quand,
        )

    def appliquer(
        self,
        table: Table[Any],
        objet: models.Model,
        nom: str,
        dossier: Dossier,
        auteur: Utilisateur | None,
        quand: dt.datetime,
        description: str,
        **champs: Any,
    ) -> None:
        """La transition `nom` de la table du flux, comme `Table.appliquer` : état de départ
        vérifié, état et champs écrits, événement du catalogue noté."""
        transition = table.transitions[nom]
        avant = getattr(objet, table.champ)
        if avant not in transition.sources:
            raise ValueError(f"{table.objet}.{nom} impossible depuis « {avant} ».")
        for nom_champ, valeur in {**champs, table.champ: transition.cible}.items():
            setattr(objet, nom_champ, valeur)
        if table.horodatage:
            setattr(objet, table.horodatage, quand)
        self.noter(
            dossier,
            transition.evenement,
            quand,
            description,
            auteur,
            objet,
            avant,
            transition.cible,
        )

    # --- Barème ---------------------------------------------------------------------------

    def calculer(self, entree: Entree) -> Calcul:
        """Le vrai barème, une fois par projet distinct (les entrées sont des valeurs)."""
        calcul = self.calculs.get(entree)
        if calcul is None:
            resultat = calculer(entree, self.parametres[entree.annee_scolaire])
            calcul = Calcul(
                resultat,
                entree_vers_json(entree),
                resultat_vers_json(resultat),
                resultat.parametres.vers_dict(),
            )
            self.calculs[entree] = calcul
            self.nb_calculs += 1
        return calcul

    # --- Référentiel, comptes, structures ---------------------------------------------------

    def annees(self) -> list[Annee]:
        h = self.horloge
        annees = []
        for rang in (2, 1):
            debut = h.debut - rang
            annees.append(
                Annee(
                    rang,
                    f"{debut}-{debut + 1}",
                    h.le(dt.date(debut, 5, 5), 9),
                    h.le(dt.date(debut, 7, 18), 23, 59),
                )
            )
        ouverture, cloture = h.campagne_en_cours()
        annees.append(Annee(0, h.annee, ouverture, cloture))
        return annees

    def utilisateur(
        self, email: str, prenom: str, nom: str, quand: dt.datetime, national: bool = False
    ) -> Utilisateur:
        utilisateur: Utilisateur = self.nouveau(
            Utilisateur,
            email=email,
            prenom=prenom,
            nom=nom,
            password=self.mot_de_passe,
            est_admin_national=national,
            created_at=quand,
        )
        return utilisateur

    def personne(self) -> tuple[str, str]:
        return self.hasard.choice(PRENOMS), self.hasard.choice(NOMS)

    def parametres_des_annees(self, annees: list[Annee], national: Utilisateur) -> None:
        for annee in annees:
            if not ParametresBareme.objects.filter(annee_scolaire=annee.annee_scolaire).exists():
                ajouter_annee(annee.annee_scolaire, national)
        self.parametres = {
            ligne.annee_scolaire: ligne.vers_bareme() for ligne in ParametresBareme.objects.all()
        }

    def repartition(self, cafs: list[Caf]) -> dict[int, int]:
        """Le nombre de structures de chaque Caf : quelques grosses, beaucoup de petites."""
        total = round(PROJETS_PAR_AN / PART_QUI_DEPOSE * self.echelle)
        reste = 1 - sum(GROSSES_CAF.values())
        autres = [c for c in cafs if c.departement not in GROSSES_CAF]
        # Plafonnées : une petite Caf tirée très loin dans la queue dépasserait le Rhône.
        poids_autres = [min(8.0, self.hasard.paretovariate(1.6)) for _ in autres]
        somme = sum(poids_autres)
        poids = {c.pk: GROSSES_CAF[c.departement] for c in cafs if c.departement in GROSSES_CAF}
        poids |= {c.pk: reste * p / somme for c, p in zip(autres, poids_autres, strict=True)}
        minimum = 1 if self.echelle >= 0.1 else 0
        return {c.pk: max(minimum, round(total * poids[c.pk])) for c in cafs}

    def equipe(self, caf: Caf, nb_structures: int, quand: dt.datetime) -> Equipe:
        """Au moins un agent de chaque rôle ; un instructeur pour 60 structures."""
        equipe = Equipe()
        roles = (
            ("instructeur", equipe.instructeurs, max(1, math.ceil(nb_structures / 60))),
            ("valideur", equipe.valideurs, 1 + nb_structures // 150),
            ("comptable", equipe.comptables, 1 + nb_structures // 300),
        )
        for role, liste, nombre in roles:
            for rang in range(1, nombre + 1):
                prenom, nom = self.personne()
                agent = self.utilisateur(
                    f"caf{caf.code}.{role}{rang}@{DOMAINE}", prenom, nom, quand
                )
                self.nouveau(
                    AgentCaf,
                    utilisateur=agent,
                    caf=caf,
                    est_instructeur=role == "instructeur",
                    est_valideur=role == "valideur",
                    est_comptable=role == "comptable",
                )
                liste.append(agent)
        return equipe

    def compte_de_la_caf(self, caf: Caf, equipe: Equipe, quand: dt.datetime) -> None:
        """Le compte d'où partent les virements, saisi par un valideur (sans lui, pas de lot)."""
        if caf.a_un_compte:
            return
        caf.titulaire_compte = f"Agent comptable {caf.nom}"[:70]
        caf.iban = iban_fr(f"30001{caf.pk:05d}{caf.pk:011d}")
        caf.bic = "BDFEFRPP"
        caf.compte_modifie_par = equipe.valideurs[0]
        caf.compte_modifie_le = quand

    def code_postal(self, departement: str) -> str:
        if departement in ("2A", "2B"):
            return f"20{self.hasard.randint(0, 2)}{self.hasard.randint(0, 99):02d}"
        if len(departement) == 3:
            return f"{departement}{self.hasard.randint(0, 90):02d}"
        return f"{departement}{self.hasard.randint(0, 9)}{self.hasard.randint(0, 99):02d}"

    def structure(self, numero: int, caf: Caf, quand: dt.datetime) -> Porteur:
        type_structure, prefixe = self.hasard.choice(TYPES)
        commune = self.hasard.choice(COMMUNES)
        association = type_structure == TypeStructure.ASSOCIATION
        prenom, nom = self.personne()
        structure: Structure = self.nouveau(
            Structure,
            nom=f"{prefixe} {commune} n° {numero}",
            type_structure=type_structure,
            siret=siret_valide_depuis(f"9{numero:07d}00001"),
            forme_juridique="association_1901" if association else "",
            rna=f"W{numero:09d}" if association else "",
            adresse=f"{self.hasard.randint(1, 80)} rue de la République",
            commune=commune,
            code_postal=self.code_postal(caf.departement),
            departement=caf.departement,
            caf=caf,
            iban=iban_fr(f"10278{numero % 100000:05d}{numero:011d}"),
            bic="CMCIFRPP",
            representant_prenom=prenom,
            representant_nom=nom,
            representant_qualite="Président(e)" if association else "Directeur ou directrice",
            email=f"contact.s{numero:05d}@{DOMAINE}",
            telephone=f"01 23 {numero % 100:02d} {numero // 100 % 100:02d} 00",
            created_at=quand,
        )
        membres = []
        for role in (RoleMembre.ADMINISTRATEUR, RoleMembre.SIGNATAIRE, RoleMembre.CONTRIBUTEUR):
            if role == RoleMembre.CONTRIBUTEUR and self.hasard.random() > 0.3:
                continue
            prenom, nom = self.personne()
            membre = self.utilisateur(f"s{numero:05d}.{role}@{DOMAINE}", prenom, nom, quand)
            self.ligne(
                MembreStructure,
                utilisateur_id=membre.pk,
                structure_id=structure.pk,
                role=role,
                created_at=quand,
            )
            membres.append(membre)
        return Porteur(structure, membres[0], membres[1])

    # --- Le dossier, de sa création au dépôt ------------------------------------------------

    def tirer_collectif(self, ordre: int) -> dict[str, Any]:
        """Les chiffres d'un collectif (effectif, semaines, bonus, intervenants)."""
        h = self.hasard
        nom, niveaux = MODELES_COLLECTIFS[ordre % len(MODELES_COLLECTIFS)]
        if ordre >= len(MODELES_COLLECTIFS):
            nom = f"{nom} ({ordre // len(MODELES_COLLECTIFS) + 1})"
        rural = h.random() < 0.12
        enfants = h.choice([5, 6, 7]) if rural and h.random() < 0.5 else h.randint(8, 12)
        if h.random() < 0.02:
            enfants = h.choice([4, 13, 14])  # hors effectifs : inéligible, expliqué
        return {
            "nom": nom,
            "niveaux": niveaux,
            "nb_enfants": enfants,
            "milieu_rural": rural,
            "enfant_en_situation_de_handicap": h.random() < 0.03,
            "semaines_de_fonctionnement": 36 if h.random() < 0.75 else h.choice([18, 24, 30]),
            "bonus_projets_culturels": h.random() < 0.6,
            "bonus_accompagnement_parents": h.random() < 0.4,
            "nb_intervenants": 2 if h.random() < 0.85 else h.choice([1, 3, 3]),
        }

    def tirer_forme(self, nombre: int) -> Forme:
        return Forme(
            tuple(self.tirer_collectif(ordre) for ordre in range(nombre)),
            nombre * self.hasard.choice(COUT_PAR_COLLECTIF),
            self.hasard.choice(PART_COFINANCEE),
        )

    def forme(self) -> Forme:
        """Un projet du catalogue : les projets d'une même forme partagent leur barème
        (calculé une fois), comme les vrais projets se ressemblent."""
        if not self.formes:
            nombres = self.hasard.choices(NB_COLLECTIFS[0], NB_COLLECTIFS[1], k=FORMES)
            self.formes = [self.tirer_forme(nombre) for nombre in nombres]
        return self.hasard.choice(self.formes)

    def collectif(
        self, dossier: Dossier, ordre: int, annee: Annee, chiffres: dict[str, Any]
    ) -> Collectif:
        h = self.hasard
        semaines = chiffres["semaines_de_fonctionnement"]
        debut = int(annee.annee_scolaire[:4])
        premiere = dt.date(debut, 9, 15) + dt.timedelta(weeks=36 - semaines)
        champs = {k: v for k, v in chiffres.items() if k != "nb_intervenants"}
        collectif: Collectif = self.leger(
            Collectif,
            dossier_id=dossier.pk,
            ordre=ordre,
            lieu=f"Salle {h.choice(['A', 'B', 'C'])}, {dossier.structure.commune}",
            premiere_semaine=premiere,
            horaires=h.choice(HORAIRES),
            **champs,
        )
        if collectif.bonus_projets_culturels:
            collectif.description_projets_culturels = "Sorties au musée et atelier théâtre."
        if collectif.bonus_accompagnement_parents:
            collectif.description_accompagnement_parents = "Cafés des parents chaque mois."
        self.nb_intervenants[collectif.pk] = chiffres["nb_intervenants"]
        for rang in range(chiffres["nb_intervenants"]):
            prenom, nom = self.personne()
            self.ligne(
                Intervenant,
                collectif_id=collectif.pk,
                nom=f"{prenom} {nom}",
                statut="salarie" if rang == 0 else "benevole",
                qualification="Animateur BPJEPS" if rang == 0 else "Bénévole",
            )
        return collectif

    @staticmethod
    def lignes(depenses: Decimal, cofinancements: Decimal) -> list[dict[str, Any]]:
        """Le budget (ou le compte de résultat) : charges 60 à 64, subventions (74)."""
        lignes = []
        reste = depenses
        for compte, libelle, part in (
            ("60", "Fournitures", "0.08"),
            ("61", "Locaux", "0.10"),
            ("62", "Sorties", "0.12"),
        ):
            montant = arrondir(depenses * Decimal(part))
            reste -= montant
            lignes.append({"compte": compte, "libelle": libelle, "montant": montant})
        lignes.append({"compte": "64", "libelle": "Salaires", "montant": reste})
        for ligne in lignes:
            ligne |= {"nature": "charge", "financeur": ""}
        commune = arrondir(cofinancements * Decimal("0.6"))
        for financeur, libelle, montant in (
            ("commune", "Subvention de la commune", commune),
            ("departement", "Subvention du département", cofinancements - commune),
        ):
            lignes.append(
                {
                    "nature": "produit",
                    "compte": "74",
                    "financeur": financeur,
                    "libelle": libelle,
                    "montant": montant,
                }
            )
        return lignes

    def entree(
        self, annee: Annee, collectifs: list[Collectif], depenses: Decimal, cofinancements: Decimal
    ) -> Entree:
        """Ce que `dossiers.bareme.entree_du_dossier` lirait de ces collectifs."""
        return Entree(
            annee_scolaire=annee.annee_scolaire,
            depenses_totales=depenses,
            cofinancements=cofinancements,
            collectifs=tuple(
                CollectifEntree(
                    nom=c.nom,
                    nb_enfants=c.nb_enfants or 0,
                    nb_intervenants=self.nb_intervenants[c.pk],
                    semaines_de_fonctionnement=c.semaines_de_fonctionnement or 0,
                    milieu_rural=c.milieu_rural,
                    enfant_en_situation_de_handicap=c.enfant_en_situation_de_handicap,
                    bonus_projets_culturels=c.bonus_projets_culturels,
                    bonus_accompagnement_parents=c.bonus_accompagnement_parents,
                )
                for c in collectifs
            ),
        )

    def projet(
        self, porteur: Porteur, equipe: Equipe, campagne: Campagne, annee: Annee, temoin: bool
    ) -> Projet:
        h = self.hasard
        limite = self.hier_soir
        debut = annee.ouverture + dt.timedelta(days=1)
        fin_des_depots = min(annee.cloture, limite) - dt.timedelta(days=2)
        fil = Fil(h, debut, limite, 0.3 if annee.rang == 0 else 1.0)
        cree_le = fil.a_au_moins(debut + (fin_des_depots - debut) * h.uniform(0, 0.7))
        structure = porteur.structure
        dossier: Dossier = self.nouveau(
            Dossier,
            structure=structure,
            campagne=campagne,
            titre=f"Accompagnement à la scolarité {annee.annee_scolaire} — {structure.commune}",
            resume="Aide aux devoirs méthodologique et ouvertures culturelles en petits groupes.",
            axe_enfants="Méthodologie, confiance en soi, lecture.",
            axe_parents="Rencontres mensuelles, aide au suivi de la scolarité.",
            axe_ecole="Liens réguliers avec les enseignants des écoles du quartier.",
            axe_partenaires="Médiathèque, conservatoire, centre de loisirs.",
            orientation_enfants="Enfants orientés par les enseignants, avec l'accord des parents.",
            liens_ecoles_pedt="Inscrit au PEDT de la commune.",
            lieux=f"Locaux de la structure, {structure.commune}",
            cree_par=porteur.administrateur,
            created_at=cree_le,
            updated_at=cree_le,
        )
        forme = self.tirer_forme(TEMOIN_COLLECTIFS) if temoin else self.forme()
        collectifs = [
            self.collectif(dossier, ordre, annee, chiffres)
            for ordre, chiffres in enumerate(forme.collectifs)
        ]
        depenses = forme.depenses
        cofinancements = arrondir(depenses * forme.part_cofinancee)
        for ligne in self.lignes(depenses, cofinancements):
            self.ligne(LigneBudget, dossier_id=dossier.pk, **ligne)
        entree = self.entree(annee, collectifs, depenses, cofinancements)
        resultat = self.calculer(entree).resultat
        dossier.ps_demandee = resultat.montant_total
        self.noter(dossier, T.CREATION, cree_le, "Dossier créé.", porteur.administrateur)
        for _ in range(h.randint(1, 3)):
            quand = fil.apres(0.2, 3)
            self.noter(
                dossier, T.MODIFICATION, quand, "Collectifs et budget.", porteur.administrateur
            )
        dossier.updated_at = fil.instant
        return Projet(dossier, porteur, equipe, annee, collectifs, entree, resultat, fil)

    def deposer(self, p: Projet) -> None:
        d, fil = p.dossier, p.fil
        attestation = fil.apres(0.1, 2)
        d.attestation_par, d.attestation_le = p.porteur.signataire, attestation
        self.noter(
            d, T.ATTESTATION, attestation, "Attestation sur l'honneur signée.", p.porteur.signataire
        )
        quand = fil.apres(0, 1)
        caf = d.campagne.caf
        self.sequences[(caf.pk, p.annee.annee_scolaire)] += 1
        rang = self.sequences[(caf.pk, p.annee.annee_scolaire)]
        numero = f"CLAS-{caf.code}-{p.annee.annee_scolaire[:4]}-{rang:05d}"
        self.appliquer(
            DOSSIER,
            d,
            "deposer",
            d,
            p.porteur.signataire,
            quand,
            f"Dossier déposé sous le numéro {numero}.",
            numero=numero,
            depose_le=quand,
            updated_at=quand,
        )

    # --- L'instruction et la décision -------------------------------------------------------

    def prendre(self, p: Projet) -> None:
        instructeur = self.hasard.choice(p.equipe.instructeurs)
        quand = p.fil.apres(1, 12)
        self.appliquer(
            DOSSIER,
            p.dossier,
            "prendre_en_instruction",
            p.dossier,
            instructeur,
            quand,
            f"Pris en instruction par {instructeur}.",
            instructeur=instructeur,
            updated_at=quand,
        )
        if self.hasard.random() < 0.3:
            self.ligne(
                Annotation,
                dossier_id=p.dossier.pk,
                auteur_id=instructeur.pk,
                texte="Structure connue, bilan précédent conforme.",
                created_at=p.fil.apres(0, 2),
            )

    def complements(self, p: Projet, repondus: bool) -> None:
        d, fil = p.dossier, p.fil
        instructeur = d.instructeur
        quand = fil.apres(1, 6)
        echeance = (quand + dt.timedelta(days=21)).date()
        demande = self.nouveau(
            DemandeComplements,
            dossier=d,
            etapes=["budget"],
            message="Merci de détailler les charges de personnel (compte 64).",
            echeance=echeance,
            demandee_par=instructeur,
            created_at=quand,
        )
        d.etapes_a_completer = ["budget"]
        self.appliquer(
            DOSSIER,
            d,
            "demander_complements",
            d,
            instructeur,
            quand,
            f"Compléments demandés avant le {echeance:%d/%m/%Y} : budget.",
            updated_at=quand,
        )
        self.ligne(
            Message,
            dossier_id=d.pk,
            auteur_id=instructeur.pk if instructeur else None,
            de_la_caf=True,
            texte=demande.message,
            created_at=quand,
        )
        if repondus:
            quand = fil.apres(2, 10)
            demande.repondue_le = quand
            d.etapes_a_completer = []
            self.appliquer(
                DOSSIER,
                d,
                "deposer_complements",
                d,
                p.porteur.signataire,
                quand,
                "Compléments déposés.",
                updated_at=quand,
            )

    def proposer(self, p: Projet, nature: str) -> Proposition:
        d = p.dossier
        quand = p.fil.apres(2, 15)
        montant = p.resultat.montant_total if nature == "accord" else None
        if montant is not None and self.hasard.random() < 0.05:
            montant = arrondir(montant * Decimal("0.9"))
        proposition: Proposition = self.nouveau(
            Proposition,
            dossier=d,
            nature=nature,
            montant=montant,
            montant_bareme=p.resultat.montant_total,
            justification_montant=(
                "Enveloppe contrainte : 90 % du barème."
                if montant is not None and montant < p.resultat.montant_total
                else ""
            ),
            motif_refus=(
                MotifRefus.NON_ELIGIBLE
                if nature == "refus" and p.resultat.montant_total <= 0
                else self.hasard.choice([MotifRefus.NON_ELIGIBLE, MotifRefus.ENVELOPPE_EPUISEE])
                if nature == "refus"
                else ""
            ),
            texte="Projet instruit au regard des critères de l'appel à projets.",
            auteur=d.instructeur,
            created_at=quand,
        )
        resume = {
            "accord": f"accord de {formater_euros(montant or Decimal(0))}",
            "refus": f"refus ({proposition.get_motif_refus_display()})",
            "sans_suite": "classement sans suite",
        }[nature]
        self.noter(
            d,
            T.PROPOSITION,
            quand,
            f"Proposition : {resume}",
            d.instructeur,
            proposition,
            apres=proposition.statut,
        )
        return proposition

    def renvoyer(self, p: Projet, proposition: Proposition) -> None:
        valideur = p.equipe.valideurs[0]
        quand = p.fil.apres(0.5, 5)
        commentaire = "Revoir le nombre de semaines du deuxième collectif."
        self.appliquer(
            PROPOSITION,
            proposition,
            "renvoyer",
            p.dossier,
            valideur,
            quand,
            f"Proposition renvoyée à l'instructeur : {commentaire}",
            traitee_par=valideur,
            traitee_le=quand,
            commentaire=commentaire,
        )

    def decider(self, p: Projet, nature: str) -> None:
        """Proposée par l'instructeur, validée par un valideur : la décision garde l'entrée,
        les paramètres et l'explication du barème ; un accord établit sa convention."""
        d = p.dossier
        if nature == "accord" and p.resultat.montant_total <= 0:
            nature = "refus"  # rien d'éligible : un accord de 0 € n'a pas de sens
        proposition = self.proposer(p, nature)
        valideur = self.hasard.choice(p.equipe.valideurs)
        quand = p.fil.apres(0.5, 8)
        calcul = self.calculer(p.entree)
        self.appliquer(
            PROPOSITION,
            proposition,
            "valider",
            d,
            valideur,
            quand,
            "Proposition validée.",
            traitee_par=valideur,
            traitee_le=quand,
            commentaire="Conforme.",
        )
        decision: Decision = self.nouveau(
            Decision,
            dossier=d,
            proposition=proposition,
            nature=nature,
            montant=proposition.montant if nature == "accord" else None,
            entree_bareme=calcul.entree_json,
            parametres=calcul.parametres_json,
            resultat=calcul.resultat_json,
            instructeur=d.instructeur,
            valideur=valideur,
            decidee_le=quand,
        )
        transition = {"accord": "accepter", "refus": "refuser", "sans_suite": "classer_sans_suite"}
        resume = "accord" if nature == "accord" else transition[nature].replace("_", " ")
        self.appliquer(
            DOSSIER,
            d,
            transition[nature],
            d,
            valideur,
            quand,
            f"Décision de la Caf : {resume}.",
            updated_at=quand,
        )
        if nature == "accord" and decision.montant is not None:
            fin = int(p.annee.annee_scolaire[5:])
            p.convention = self.nouveau(
                Convention,
                dossier=d,
                decision=decision,
                montant_maximal=decision.montant,
                taux_acompte=Decimal(str(decision.parametres["taux_acompte"]["valeur"])),
                date_limite_bilan=dt.date(fin, 9, 30),
                created_at=quand,
            )

    # --- Convention, versements, lots -----------------------------------------------------

    def signer(self, p: Projet) -> None:
        assert p.convention is not None
        c, d = p.convention, p.dossier
        quand = p.fil.apres(1, 10)
        signataire = p.porteur.signataire
        c.signee_par, c.signee_le = signataire, quand
        c.signee_depuis = f"192.0.2.{d.pk % 250 + 1}"
        c.signee_navigateur = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
        self.noter(
            d, T.CONVENTION_SIGNEE, quand, f"Convention signée par {signataire}.", signataire, c
        )
        acompte = self.nouveau(
            Versement,
            convention=c,
            caf_id=d.campagne.caf_id,
            nature="acompte",
            montant=arrondir(c.taux_acompte * c.montant_maximal),
            created_at=quand,
        )
        self.noter(
            d,
            T.ACOMPTE_CREE,
            quand,
            f"Acompte de {formater_euros(acompte.montant)} créé : à valider par la Caf.",
            signataire,
            acompte,
            apres=acompte.etat,
        )
        p.acompte = acompte

    def valider_versement(self, p: Projet, versement: Versement) -> None:
        valideur = self.hasard.choice(p.equipe.valideurs)
        quand = p.fil.apres(1, 10)
        structure = p.porteur.structure
        self.appliquer(
            VERSEMENT,
            versement,
            "valider",
            p.dossier,
            valideur,
            quand,
            f"{versement.get_nature_display()} de {formater_euros(versement.montant)} validé.",
            valide_par=valideur,
            valide_le=quand,
            iban_beneficiaire=structure.iban,
            bic_beneficiaire=structure.bic,
        )

    def lot(self, caf: Caf, jour: dt.date, equipe: Equipe) -> LotPaiement:
        cle = (caf.pk, jour)
        lot = self.lots.get(cle)
        if lot is None:
            comptable = equipe.comptables[0]
            lot = self.nouveau(
                LotPaiement,
                caf=caf,
                numero=f"LOT-{caf.code}-{jour:%Y%m%d}-01",
                date_execution=jour + dt.timedelta(days=2),
                nb_versements=0,
                montant_total=Decimal("0.00"),
                iban_emetteur=caf.iban,
                bic_emetteur=caf.bic,
                titulaire_emetteur=caf.titulaire_compte,
                cree_par=comptable,
                created_at=self.horloge.le(jour, 9),
            )
            self.lots[cle] = lot
        return lot

    def payer_versement(self, p: Projet, versement: Versement, jusqu_a: str) -> Versement:
        """Mis dans le lot de la Caf du mardi qui suit sa validation, puis payé (ou rejeté,
        puis réémis) trois jours plus tard, tant que ces jours sont passés."""
        caf, fil = p.dossier.campagne.caf, p.fil
        assert versement.valide_le is not None
        jour = timezone.localtime(versement.valide_le, PARIS).date() + dt.timedelta(days=1)
        jour += dt.timedelta(days=(1 - jour.weekday()) % 7)
        if self.horloge.le(jour, 9) > self.hier_soir:
            return versement  # validé après le dernier lot : attend le prochain
        lot = self.lot(caf, jour, p.equipe)
        comptable = lot.cree_par
        quand = fil.a_au_moins(self.horloge.le(jour, 9, 5))
        lettre = "A" if versement.nature == "acompte" else "S"
        rang = 2 if versement.reemission_de_id else 1
        reference = f"{p.dossier.numero or ''}-{lettre}{rang}".replace("-", "", 1)
        lot.nb_versements += 1
        lot.montant_total += versement.montant
        self.appliquer(
            VERSEMENT,
            versement,
            "mettre_en_paiement",
            p.dossier,
            comptable,
            quand,
            f"{versement.get_nature_display()} mis en paiement (lot {lot.numero}).",
            lot=lot,
            reference=reference,
        )
        retour = self.horloge.le(jour + dt.timedelta(days=3), 11)
        if jusqu_a == "mis_en_paiement" or retour > self.hier_soir:
            return versement
        quand = fil.a_au_moins(retour)
        lot.traite_le, lot.traite_par = quand, comptable
        if rang == 1 and self.hasard.random() < 0.01:
            self.appliquer(
                VERSEMENT,
                versement,
                "rejeter",
                p.dossier,
                comptable,
                quand,
                "Rejeté par la banque : compte clôturé.",
                motif_rejet="Compte clôturé (AC04).",
                rejete_le=quand,
            )
            nouveau = self.nouveau(
                Versement,
                convention=versement.convention,
                caf_id=versement.caf_id,
                nature=versement.nature,
                montant=versement.montant,
                reemission_de=versement,
                created_at=quand,
            )
            self.noter(
                p.dossier,
                T.VERSEMENT_REEMIS,
                quand,
                "Versement réémis après le rejet de la banque.",
                comptable,
                nouveau,
                apres=nouveau.etat,
            )
            self.valider_versement(p, nouveau)
            return self.payer_versement(p, nouveau, jusqu_a)
        self.appliquer(
            VERSEMENT,
            versement,
            "payer",
            p.dossier,
            comptable,
            quand,
            f"Payé le {retour:%d/%m/%Y} (lot {lot.numero}).",
            paye_le=retour.date(),
            reference_bancaire=f"VIR{lot.pk:06d}{versement.pk:08d}",
        )
        self.nouveau(
            Mouvement,
            convention=versement.convention,
            type=TypeMouvement.VERSEMENT_PAYE,
            montant=versement.montant,
            versement=versement,
            motif=f"{versement.get_nature_display()} payé (lot {lot.numero}).",
            auteur=comptable,
            created_at=quand,
        )
        return versement

    def verser(self, p: Projet, versement: Versement, jusqu_a: str) -> Versement:
        """Le versement va jusqu'à l'état `jusqu_a` (ou aussi loin que les jours le
        permettent) ; renvoie le dernier émis (la réémission d'un rejeté)."""
        if jusqu_a == "a_valider":
            return versement
        self.valider_versement(p, versement)
        if jusqu_a == "valide":
            return versement
        return self.payer_versement(p, versement, jusqu_a)

    # --- Bilan et régularisation ------------------------------------------------------------

    def bilan(self, p: Projet, jusqu_a: str, regularisation: str) -> None:
        """Déposé après la fin de l'année, examiné, recalculé sur les réels avec le même
        barème et les paramètres de la décision ; puis solde, indu ou rien à payer."""
        assert p.convention is not None
        c, d, fil, h = p.convention, p.dossier, p.fil, self.hasard
        fin = int(p.annee.annee_scolaire[5:])
        commence = fil.a_au_moins(self.horloge.le(dt.date(fin, 6, 20), 10))
        bilan: Bilan = self.nouveau(
            Bilan,
            convention=c,
            actions_parents="Cafés des parents, rencontres avec les enseignants.",
            evaluation_enfants="Progrès en méthodologie, confiance retrouvée.",
            evaluation_parents="Parents plus présents aux rencontres.",
            evaluation_ecole="Liens réguliers avec les écoles.",
            evaluation_partenaires="Sorties avec la médiathèque.",
            created_at=commence,
            updated_at=commence,
        )
        self.noter(
            d, T.BILAN_MODIFICATION, commence, "Bilan commencé.", p.porteur.administrateur, bilan
        )
        # L'écart aux prévisions, pour tout le bilan : peu de variantes, pour que le barème
        # sur les réels serve à d'autres bilans.
        ecart = h.choices(["aucun", "un_enfant_de_moins", "arret", "semaines"], [70, 15, 10, 5])[0]
        dernier = len(p.collectifs) - 1
        reels = []
        for rang, (collectif, prevu) in enumerate(
            zip(p.collectifs, p.entree.collectifs, strict=True)
        ):
            a_fonctionne = not (ecart == "arret" and rang == dernier and rang > 0)
            enfants = prevu.nb_enfants - (ecart == "un_enfant_de_moins" and rang == 0)
            semaines = prevu.semaines_de_fonctionnement - 6 * (ecart == "semaines" and rang == 0)
            reels.append(
                self.leger(
                    BilanCollectif,
                    bilan_id=bilan.pk,
                    collectif_id=collectif.pk,
                    a_fonctionne=a_fonctionne,
                    nb_enfants=max(0, enfants),
                    premiere_semaine=collectif.premiere_semaine,
                    semaines_de_fonctionnement=max(0, semaines),
                    nb_seances=max(0, semaines) * 2,
                    nb_intervenants=prevu.nb_intervenants,
                    intervenants="Voir la liste du dossier.",
                    bonus_projets_culturels=prevu.bonus_projets_culturels,
                    bonus_accompagnement_parents=prevu.bonus_accompagnement_parents,
                )
            )
        depenses = arrondir(p.entree.depenses_totales * h.choice(ECART_REEL))
        lignes_bilan: list[LigneBilan] = [
            self.leger(LigneBilan, bilan_id=bilan.pk, **ligne)
            for ligne in self.lignes(depenses, p.entree.cofinancements)
        ]
        if jusqu_a == "brouillon":
            return
        signataire = p.porteur.signataire
        depot = fil.a_au_moins(self.horloge.le(dt.date(fin, 7, 6), 9))
        depot = fil.apres(0, 60)
        self.appliquer(
            BILAN,
            bilan,
            "deposer",
            d,
            signataire,
            depot,
            "Bilan déposé.",
            depose_par=signataire,
            depose_le=depot,
        )
        if jusqu_a == "a_corriger" or (jusqu_a == "accepte" and h.random() < 0.15):
            quand = fil.apres(3, 20)
            texte = "Joignez le compte de résultat signé."
            self.appliquer(
                BILAN,
                bilan,
                "demander_corrections",
                d,
                d.instructeur,
                quand,
                f"Corrections demandées : {texte}",
                commentaire_caf=texte,
            )
            if jusqu_a == "a_corriger":
                return
            quand = fil.apres(2, 15)
            self.appliquer(
                BILAN,
                bilan,
                "deposer",
                d,
                signataire,
                quand,
                "Bilan déposé de nouveau.",
                depose_le=quand,
            )
        if jusqu_a == "depose":
            return
        decides = [
            CollectifDecide(collectif, decide)
            for collectif, decide in zip(p.collectifs, p.entree.collectifs, strict=True)
        ]
        entree = entree_reelle(p.annee.annee_scolaire, decides, reels, lignes_bilan)
        calcul = self.calculer(entree)
        resultat = calcul.resultat
        definitif = min(resultat.montant_total, c.montant_maximal)
        quand = fil.apres(5, 30)
        self.appliquer(
            BILAN,
            bilan,
            "accepter",
            d,
            d.instructeur,
            quand,
            f"Bilan accepté : montant définitif {formater_euros(definitif)}.",
            examine_par=d.instructeur,
            accepte_le=quand,
            entree_reelle=calcul.entree_json,
            resultat_reel=calcul.resultat_json,
            montant_recalcule=resultat.montant_total,
            montant_definitif=definitif,
        )
        c.montant_definitif = definitif
        self.regulariser(p, bilan, definitif, quand, regularisation)

    def regulariser(
        self, p: Projet, bilan: Bilan, definitif: Decimal, quand: dt.datetime, jusqu_a: str
    ) -> None:
        assert p.convention is not None and p.acompte is not None
        c, d = p.convention, p.dossier
        engage = p.acompte.montant
        ecart = definitif - engage
        calcul = (
            f"montant définitif {formater_euros(definitif)} − versements {formater_euros(engage)}"
        )
        agent = d.instructeur
        if ecart > 0:
            solde = self.nouveau(
                Versement,
                convention=c,
                caf_id=d.campagne.caf_id,
                nature="solde",
                montant=ecart,
                created_at=quand,
            )
            self.noter(
                d,
                T.SOLDE_CREE,
                quand,
                f"Solde de {formater_euros(ecart)} créé ({calcul}) : à valider par la Caf.",
                agent,
                solde,
                apres=solde.etat,
            )
            if self.verser(p, solde, jusqu_a).etat == "paye":
                self.cloturer(p)
            return
        if ecart < 0:
            motif = f"Indu notifié ({calcul})."
            mouvement = self.nouveau(
                Mouvement,
                convention=c,
                type=TypeMouvement.INDU_NOTIFIE,
                montant=-ecart,
                motif=motif,
                auteur=agent,
                created_at=quand,
            )
            indu: Indu = self.nouveau(
                Indu,
                convention=c,
                montant=-ecart,
                motif=(
                    f"Les versements ({formater_euros(engage)}) dépassent le montant définitif "
                    f"calculé sur le bilan ({formater_euros(definitif)})."
                ),
                echeance=(quand + dt.timedelta(days=60)).date(),
                notifie_par=agent,
                notifie_le=quand,
                mouvement=mouvement,
            )
            self.noter(
                d,
                T.INDU_NOTIFIE,
                quand,
                f"Indu notifié : {formater_euros(-ecart)} — {motif}",
                agent,
                indu,
                apres=indu.etat,
            )
            if jusqu_a == "a_valider":
                return
            comptable = p.equipe.comptables[0]
            parts = [indu.montant] if jusqu_a == "paye" else [arrondir(indu.montant / 2)]
            for montant in parts:
                recu = p.fil.apres(5, 30)
                mvt = self.nouveau(
                    Mouvement,
                    convention=c,
                    type=TypeMouvement.REMBOURSEMENT,
                    montant=montant,
                    motif="Remboursement reçu.",
                    auteur=comptable,
                    created_at=recu,
                )
                self.nouveau(
                    Remboursement,
                    indu=indu,
                    montant=montant,
                    recu_le=recu.date(),
                    reference=f"VIR-R{indu.pk:06d}",
                    enregistre_par=comptable,
                    created_at=recu,
                    mouvement=mvt,
                )
                self.noter(
                    d,
                    T.REMBOURSEMENT,
                    recu,
                    f"Remboursement de {formater_euros(montant)} reçu.",
                    comptable,
                    indu,
                )
            if jusqu_a == "paye":
                self.appliquer(
                    INDU,
                    indu,
                    "rembourser",
                    d,
                    comptable,
                    p.fil.instant,
                    "Indu entièrement remboursé.",
                    rembourse_le=p.fil.instant,
                )
                self.cloturer(p)
            return
        self.noter(
            d,
            T.RIEN_A_PAYER,
            quand,
            f"Rien à payer ni à rembourser ({calcul} = 0,00 €).",
            agent,
            bilan,
        )
        self.cloturer(p)

    def cloturer(self, p: Projet) -> None:
        quand = p.fil.apres(0, 0.1)
        self.appliquer(
            DOSSIER,
            p.dossier,
            "cloturer",
            p.dossier,
            None,
            quand,
            "Dossier clôturé : tout est réglé.",
            updated_at=quand,
        )

    # --- Les parcours, selon l'année ------------------------------------------------------

    def parcours(self, p: Projet) -> None:
        """L'étape où en est le dossier : tout est terminé il y a deux ans ; l'an dernier,
        les bilans arrivent ; cette année, l'instruction bat son plein."""
        h = self.hasard
        tirage = h.random()
        if p.annee.rang == 0 and tirage < 0.14:
            return  # brouillon
        self.deposer(p)
        if p.annee.rang == 0:
            self.en_cours(p, h.random())
            return
        if tirage < 0.06:
            self.appliquer(
                DOSSIER,
                p.dossier,
                "classer_sans_suite",
                p.dossier,
                h.choice(p.equipe.instructeurs),
                p.fil.apres(5, 30),
                "Classé sans suite : la structure a retiré sa demande.",
            )
            return
        self.prendre(p)
        if h.random() < 0.2:
            self.complements(p, repondus=True)
        if tirage < 0.16:
            self.decider(p, "refus")
            return
        self.decider(p, "accord")
        if p.convention is None:
            return
        self.signer(p)
        assert p.acompte is not None
        if self.verser(p, p.acompte, "paye").etat != "paye":
            return
        if p.annee.rang == 2:
            regularisation = "paye" if h.random() < 0.95 else "a_valider"
            self.bilan(p, "accepte", regularisation)
            return
        etape = h.choices(
            ["aucun", "brouillon", "depose", "a_corriger", "accepte"], [8, 10, 20, 7, 55]
        )[0]
        if etape == "aucun":
            return
        regularisation = h.choice(["a_valider", "valide", "mis_en_paiement", "paye", "paye"])
        self.bilan(p, etape, regularisation)

    def en_cours(self, p: Projet, tirage: float) -> None:
        h = self.hasard
        if tirage < 0.3:
            return  # déposé, pas encore pris
        if tirage < 0.33:
            self.appliquer(
                DOSSIER,
                p.dossier,
                "classer_sans_suite",
                p.dossier,
                h.choice(p.equipe.instructeurs),
                p.fil.apres(1, 5),
                "Classé sans suite : dossier déposé en double.",
            )
            return
        self.prendre(p)
        if tirage < 0.42:
            self.complements(p, repondus=False)
            return
        if tirage < 0.62:
            if h.random() < 0.5:
                proposition = self.proposer(p, "accord")
                if h.random() < 0.3:
                    self.renvoyer(p, proposition)
            return
        if tirage < 0.67:
            self.decider(p, "refus")
            return
        self.decider(p, "accord")
        if p.convention is None or h.random() < 0.2:
            return  # convention à signer
        self.signer(p)
        assert p.acompte is not None
        self.verser(p, p.acompte, h.choice(["a_valider", "valide", "paye", "paye"]))

    def temoin(self, p: Projet) -> None:
        """Le dossier témoin : complété jusqu'à 200 lignes d'historique (relances, notes,
        modifications), pour mesurer la page d'un dossier chargé."""
        d = p.dossier
        deja = sum(1 for e in self.legeres[Evenement] if e["dossier_id"] == d.pk)
        debut = d.created_at
        for rang in range(max(0, TEMOIN_EVENEMENTS - deja)):
            type_ = [T.MODIFICATION, T.NOTE, T.RELANCE_BILAN][rang % 3]
            quand = debut + dt.timedelta(hours=rang)
            self.noter(
                d,
                type_,
                quand,
                f"Étape {rang + 1} du suivi.",
                d.instructeur or p.porteur.administrateur,
            )

    # --- L'ensemble ----------------------------------------------------------------------

    def generer(self) -> None:
        h = self.horloge
        annees = self.annees()
        creation = h.le(dt.date(h.debut - 3, 4, 1), 9)
        national = self.utilisateur(
            f"administration@{DOMAINE}", "Hélène", "Nationale", creation, True
        )
        self.utilisateur(f"administration2@{DOMAINE}", "Karim", "National", creation, True)
        # L'année absente est créée par l'administration nationale (hors des lots : elle
        # doit exister avant le barème) ; elle est donc écrite tout de suite.
        inserer(Utilisateur, self.objets.pop(Utilisateur))
        self.parametres_des_annees(annees, national)
        cafs = list(Caf.objects.order_by("code"))
        repartition = self.repartition(cafs)
        numero = 0
        for caf in cafs:
            equipe = self.equipe(caf, repartition[caf.pk], creation)
            self.equipes[caf.pk] = equipe
            self.compte_de_la_caf(caf, equipe, creation)
            campagnes = {
                a.rang: self.nouveau(
                    Campagne,
                    caf=caf,
                    annee_scolaire=a.annee_scolaire,
                    titre=f"Appel à projets Clas {a.annee_scolaire}",
                    ouverture=a.ouverture,
                    cloture=a.cloture,
                    enveloppe=Decimal(6000 * max(1, repartition[caf.pk])),
                    cree_par=equipe.valideurs[0],
                    created_at=a.ouverture - dt.timedelta(days=14),
                )
                for a in annees
            }
            for _ in range(repartition[caf.pk]):
                numero += 1
                porteur = self.structure(numero, caf, creation)
                for annee in annees:
                    if self.hasard.random() > PART_QUI_DEPOSE:
                        continue
                    temoin = not self.temoin_fait and caf.departement == "69" and annee.rang == 1
                    p = self.projet(porteur, equipe, campagnes[annee.rang], annee, temoin)
                    if temoin:
                        self.temoin_fait = True
                        self.deposer(p)
                        self.prendre(p)
                        self.decider(p, "accord")
                        if p.convention is not None:
                            self.signer(p)
                        self.temoin(p)
                    else:
                        self.parcours(p)
        Caf.objects.bulk_update(
            cafs, ["titulaire_compte", "iban", "bic", "compte_modifie_par", "compte_modifie_le"]
        )
        self.ecrire()

    def resume(self) -> Resume:
        lignes = {
            m.__name__: len(objets)
            for m, objets in sorted(self.objets.items(), key=lambda x: x[0].__name__)
        }
        lignes |= {m.__name__: len(objets) for m, objets in self.legeres.items()}
        lignes = dict(sorted(lignes.items()))
        etats: dict[str, dict[str, int]] = {}
        for modele, champ in (
            (Dossier, "etat"),
            (Proposition, "statut"),
            (Versement, "etat"),
            (Bilan, "etat"),
            (Indu, "etat"),
        ):
            etats[modele.__name__] = dict(
                sorted(Counter(getattr(o, champ) for o in self.objets[modele]).items())
            )
        decisions: list[Any] = self.objets[Decision]
        versements: list[Any] = self.objets[Versement]
        montants = {
            "decisions": str(sum((o.montant or Decimal(0) for o in decisions), Decimal(0))),
            "versements_payes": str(
                sum((o.montant for o in versements if o.etat == "paye"), Decimal(0))
            ),
        }
        return Resume(lignes, etats, montants, len(self.calculs), self.nb_calculs)


def base_vide() -> bool:
    """Ni structure, ni dossier, ni compte : une base tout juste migrée."""
    return not (
        Utilisateur.objects.exists() or Structure.objects.exists() or Dossier.objects.exists()
    )


def generer_national(echelle: float, graine: int) -> Resume:
    generateur = Generateur(echelle, graine)
    with transaction.atomic(), dates_choisies():
        generateur.generer()
    return generateur.resume()


__all__ = ["Generateur", "Resume", "base_vide", "generer_national"]
