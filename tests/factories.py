"""Fabriques factory_boy des objets de la plateforme.

Les Caf ne sont pas fabriquées : les 101 Caf viennent de la migration du référentiel
(`Caf.objects.get(departement="69")`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from clas.bareme import entree_vers_json, resultat_vers_json
from clas.bilans.models import Bilan, EtatBilan
from clas.campagnes.models import Campagne
from clas.comptes.models import AgentCaf, Utilisateur
from clas.conventions.models import Convention
from clas.core.validators import siret_valide_depuis
from clas.dossiers.models import Collectif, Dossier, EtatDossier, LigneBudget
from clas.instruction.decisions import calcul_du_dossier
from clas.instruction.models import Decision, NatureDecision, Proposition, StatutProposition
from clas.referentiel.models import Caf
from clas.structures.models import MembreStructure, RoleMembre, Structure, TypeStructure
from clas.versements.actions import payer as payer_versement
from clas.versements.etats import VERSEMENT
from clas.versements.models import EtatVersement, LotPaiement, NatureVersement, Versement

MOT_DE_PASSE = "mot-de-passe-de-test-2026"


def caf_du_departement(departement: str) -> Caf:
    return Caf.objects.get(departement=departement)


def siret_valide(rang: int) -> str:
    """Un SIRET valide (SIREN et SIRET à la bonne clé), différent pour chaque rang."""
    debut = f"{900000000 + rang:09d}{rang % 10000:04d}"
    return siret_valide_depuis(debut)


class UtilisateurFactory(DjangoModelFactory):
    class Meta:
        model = Utilisateur
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    prenom = factory.Faker("first_name", locale="fr_FR")
    nom = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(MOT_DE_PASSE)


class StructureFactory(DjangoModelFactory):
    class Meta:
        model = Structure

    nom = factory.Sequence(lambda n: f"Structure {n:03d}")
    type_structure = TypeStructure.CENTRE_SOCIAL
    siret = factory.Sequence(siret_valide)
    commune = "Lyon"
    code_postal = "69001"
    caf = factory.LazyFunction(lambda: caf_du_departement("69"))


class MembreStructureFactory(DjangoModelFactory):
    class Meta:
        model = MembreStructure

    utilisateur = factory.SubFactory(UtilisateurFactory)
    structure = factory.SubFactory(StructureFactory)
    role = RoleMembre.ADMINISTRATEUR


class AgentCafFactory(DjangoModelFactory):
    class Meta:
        model = AgentCaf

    utilisateur = factory.SubFactory(UtilisateurFactory)
    caf = factory.LazyFunction(lambda: caf_du_departement("69"))
    est_instructeur = True
    est_valideur = False
    est_comptable = False


# --- Le cycle de vie d'un dossier : une seule façon de fabriquer chaque étape -------------
#
# Un dossier décidé : `DossierFactory(accepte=True)` (ou `refuse=True`) ; une convention
# signée : `ConventionFactory(signee=True)` ; un versement validé ou payé :
# `VersementFactory(valide=True)` / `VersementFactory(paye=True)` (payé par les vraies
# transitions et le vrai paiement : lot, grand livre). Les aides des dossiers de tests
# (`tests/instruction/outils.py`, `tests/conventions/*_fabrique.py`) s'appuient sur elles.


def _debut_annee(campagne_annee: str, mois: int, jour: int) -> dt.datetime:
    return dt.datetime(int(campagne_annee[:4]), mois, jour, tzinfo=dt.UTC)


class CampagneFactory(DjangoModelFactory):
    """Une campagne close de la Caf du Rhône ; `ouverte=True` : dépôts ouverts aujourd'hui."""

    class Meta:
        model = Campagne
        django_get_or_create = ("caf", "annee_scolaire")  # une campagne par Caf et par année

    caf = factory.LazyFunction(lambda: caf_du_departement("69"))
    annee_scolaire = "2025-2026"
    titre = factory.LazyAttribute(lambda o: f"Appel à projets Clas {o.annee_scolaire}")
    ouverture = factory.LazyAttribute(lambda o: _debut_annee(o.annee_scolaire, 5, 1))
    cloture = factory.LazyAttribute(lambda o: _debut_annee(o.annee_scolaire, 6, 30))
    enveloppe = Decimal("100000.00")
    cree_par = factory.SubFactory(UtilisateurFactory)

    class Params:
        ouverte = factory.Trait(
            ouverture=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=5)),
            cloture=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30)),
        )


class CollectifFactory(DjangoModelFactory):
    class Meta:
        model = Collectif

    dossier = None
    ordre = 0
    nom = factory.LazyAttribute(lambda o: f"Collectif {o.ordre + 1}")
    nb_enfants = 10
    semaines_de_fonctionnement = 30


class PropositionFactory(DjangoModelFactory):
    """Une proposition d'accord en attente du second agent."""

    class Meta:
        model = Proposition

    dossier = None
    nature = NatureDecision.ACCORD
    montant: Any = Decimal("1000.00")
    auteur = factory.SubFactory(UtilisateurFactory)
    statut = StatutProposition.EN_ATTENTE
    motif_refus = factory.LazyAttribute(
        lambda o: "autre" if o.nature == NatureDecision.REFUS else ""
    )


ETAT_APRES_DECISION = {
    NatureDecision.ACCORD: EtatDossier.ACCEPTE,
    NatureDecision.REFUS: EtatDossier.REFUSE,
    NatureDecision.SANS_SUITE: EtatDossier.SANS_SUITE,
}


class DecisionFactory(DjangoModelFactory):
    """Une décision prise, avec sa proposition validée ; le dossier passe dans l'état que la
    décision lui donne."""

    class Meta:
        model = Decision
        skip_postgeneration_save = True

    dossier = None
    nature = NatureDecision.ACCORD
    montant: Any = Decimal("1000.00")
    instructeur = factory.SubFactory(UtilisateurFactory)
    valideur = factory.SubFactory(UtilisateurFactory)
    proposition = factory.SubFactory(
        PropositionFactory,
        dossier=factory.SelfAttribute("..dossier"),
        nature=factory.SelfAttribute("..nature"),
        montant=factory.SelfAttribute("..montant"),
        auteur=factory.SelfAttribute("..instructeur"),
        statut=StatutProposition.VALIDEE,
    )

    @factory.post_generation
    def etat_du_dossier(decision: Decision, create: bool, extracted: Any, **kwargs: Any) -> None:
        Dossier.objects.filter(pk=decision.dossier_id).update(
            etat=ETAT_APRES_DECISION[NatureDecision(decision.nature)]
        )
        decision.dossier.etat = ETAT_APRES_DECISION[NatureDecision(decision.nature)]


# Un budget prévisionnel simple : deux charges, une subvention de la commune.
BUDGET_SIMPLE = [
    {"nature": "charge", "compte": "64", "libelle": "Animateurs", "montant": Decimal("3000.00")},
    {"nature": "charge", "compte": "60", "libelle": "Fournitures", "montant": Decimal("500.00")},
    {
        "nature": "produit",
        "compte": "74",
        "financeur": "commune",
        "libelle": "Subvention de la commune",
        "montant": Decimal("1000.00"),
    },
]


class DossierFactory(DjangoModelFactory):
    """Un dossier déposé et numéroté, d'une structure neuve de la Caf de sa campagne, avec un
    collectif simple (`collectifs=[{…}, …]` : les champs de chaque collectif) ; `budget=True` :
    le budget `BUDGET_SIMPLE` (`budget=[{…}, …]` : les champs de chaque ligne).

    Traits : `brouillon`, `en_instruction`, `accepte` (accord de `decision__montant`, 1 000 €
    par défaut), `refuse` ; `accepte_calcule` : un accord comme le prend `valider`, avec un
    budget et une décision qui fige l'entrée, les paramètres et l'explication du barème."""

    class Meta:
        model = Dossier
        skip_postgeneration_save = True

    campagne = factory.SubFactory(CampagneFactory)
    structure = factory.SubFactory(StructureFactory, caf=factory.SelfAttribute("..campagne.caf"))
    etat = EtatDossier.DEPOSE
    numero = factory.LazyAttributeSequence(
        lambda o, n: f"CLAS-{o.campagne.caf.code}-{o.campagne.annee_scolaire}-{n + 1:05d}"
    )
    ps_demandee: Any = Decimal("1000.00")
    instructeur = None
    depose_le = factory.LazyFunction(timezone.now)
    cree_par = factory.SelfAttribute("campagne.cree_par")
    titre = factory.Sequence(lambda n: f"Projet {n + 1}")

    class Params:
        brouillon = factory.Trait(etat=EtatDossier.BROUILLON, numero=None, depose_le=None)
        en_instruction = factory.Trait(etat=EtatDossier.EN_INSTRUCTION)
        accepte = factory.Trait(
            decision=factory.RelatedFactory(
                DecisionFactory, factory_related_name="dossier", nature=NatureDecision.ACCORD
            )
        )
        refuse = factory.Trait(
            decision=factory.RelatedFactory(
                DecisionFactory,
                factory_related_name="dossier",
                nature=NatureDecision.REFUS,
                montant=None,
            )
        )
        # Déclarés après `collectifs` et `decision` : le barème lit les collectifs et le
        # budget, et se fige dans la décision.
        accepte_calcule = factory.Trait(
            accepte=True,
            budget=factory.PostGeneration(
                lambda dossier, create, extracted, **kw: ajouter_le_budget(
                    dossier, extracted or BUDGET_SIMPLE
                )
            ),
            bareme_fige=factory.PostGeneration(
                lambda dossier, create, extracted, **kw: figer_le_bareme(dossier)
            ),
        )

    @factory.post_generation
    def collectifs(dossier: Dossier, create: bool, extracted: Any, **kwargs: Any) -> None:
        for ordre, champs in enumerate(extracted if extracted is not None else [{}]):
            CollectifFactory(dossier=dossier, ordre=ordre, **dict(champs))

    @factory.post_generation
    def budget(dossier: Dossier, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted:
            ajouter_le_budget(dossier, BUDGET_SIMPLE if extracted is True else extracted)


def ajouter_le_budget(dossier: Dossier, lignes: list[dict[str, Any]]) -> None:
    for champs in lignes:
        LigneBudget.objects.create(dossier=dossier, **champs)


def figer_le_bareme(dossier: Dossier) -> None:
    """Ce que `instruction.decisions.valider` garde dans la décision : l'entrée, les
    paramètres et le résultat du barème sur les collectifs et le budget du dossier."""
    comparaison, resultat = calcul_du_dossier(dossier)
    figees = Decision.objects.filter(dossier=dossier).update(
        entree_bareme=entree_vers_json(comparaison.retenu),
        parametres=resultat.parametres.vers_dict(),
        resultat=resultat_vers_json(resultat),
    )
    assert figees == 1, "le barème se fige dans une décision (trait accepte)"


class ConventionFactory(DjangoModelFactory):
    """La convention d'un dossier accepté (4 500,00 € par défaut, acompte 70 %) ;
    `signee=True` : signée par la personne qui a créé le dossier."""

    class Meta:
        model = Convention

    dossier = factory.SubFactory(
        DossierFactory, accepte=True, decision__montant=factory.SelfAttribute("...montant")
    )
    decision = factory.LazyAttribute(lambda o: Decision.objects.get(dossier=o.dossier))
    montant_maximal = factory.LazyAttribute(lambda o: o.decision.montant)
    taux_acompte = Decimal("0.70")
    date_limite_bilan = dt.date(2027, 9, 30)

    class Params:
        montant = Decimal("4500.00")
        signee = factory.Trait(
            signee_par=factory.SelfAttribute("dossier.cree_par"),
            signee_le=factory.LazyFunction(timezone.now),
            signee_depuis="192.0.2.10",
        )


class LotPaiementFactory(DjangoModelFactory):
    class Meta:
        model = LotPaiement

    caf = factory.LazyFunction(lambda: caf_du_departement("69"))
    numero = factory.Sequence(lambda n: f"LOT-TEST-{n + 1:05d}")
    date_execution = factory.LazyFunction(timezone.localdate)
    nb_versements = 1
    montant_total = Decimal("0.00")
    iban_emetteur = "FR7630006000011234567890189"
    bic_emetteur = "AGRIFRPP"
    titulaire_emetteur = "Caf"
    cree_par = factory.SubFactory(UtilisateurFactory)


class BilanFactory(DjangoModelFactory):
    """Le bilan déposé d'une convention signée ; `accepte=True` : accepté, au montant
    recalculé (celui de la convention par défaut)."""

    class Meta:
        model = Bilan

    convention = factory.SubFactory("tests.factories.ConventionFactory", signee=True)
    etat = EtatBilan.DEPOSE
    depose_par = factory.SelfAttribute("convention.dossier.cree_par")
    depose_le = factory.LazyFunction(timezone.now)

    class Params:
        accepte = factory.Trait(
            etat=EtatBilan.ACCEPTE,
            accepte_le=factory.LazyFunction(timezone.now),
            montant_recalcule=factory.SelfAttribute("convention.montant_maximal"),
            montant_definitif=factory.SelfAttribute("convention.montant_maximal"),
        )


def payer_par_le_circuit(versement: Versement, comptable: Utilisateur) -> Versement:
    """Ce que fait le circuit des paiements (sans ses contrôles de rôle) : validé, mis en
    paiement dans un lot, payé et inscrit au grand livre, par les vraies transitions."""
    lot = LotPaiementFactory(
        caf=versement.convention.dossier.campagne.caf,
        numero=f"LOT-TEST-V{versement.pk}",
        montant_total=versement.montant,
        cree_par=comptable,
    )
    if versement.etat == EtatVersement.A_VALIDER:
        VERSEMENT.appliquer(versement, "valider", comptable)
    VERSEMENT.appliquer(versement, "mettre_en_paiement", comptable, champs={"lot": lot})
    with transaction.atomic():
        (verrouille,) = Versement.objects.select_for_update().filter(pk=versement.pk)
        payer_versement(verrouille, comptable, timezone.localdate(), "REF-TEST", lot)
    versement.refresh_from_db()
    return versement


class VersementFactory(DjangoModelFactory):
    """L'acompte (70 %) d'une convention signée, à valider ; `valide=True` : validé comme le
    ferait `valider_versements` (sur le compte accepté de la structure à cet instant) ;
    `paye=True` : payé par le circuit des paiements (`payer_par_le_circuit`)."""

    class Meta:
        model = Versement
        skip_postgeneration_save = True

    convention = factory.SubFactory(ConventionFactory, signee=True)
    nature = NatureVersement.ACOMPTE
    montant = factory.LazyAttribute(
        lambda o: (o.convention.montant_maximal * o.convention.taux_acompte).quantize(
            Decimal("0.01")
        )
    )

    class Params:
        valideur = factory.SubFactory(UtilisateurFactory)
        valide = factory.Trait(
            etat=EtatVersement.VALIDE,
            valide_par=factory.SelfAttribute("valideur"),
            valide_le=factory.LazyFunction(timezone.now),
            iban_beneficiaire=factory.SelfAttribute("convention.dossier.structure.iban"),
            bic_beneficiaire=factory.SelfAttribute("convention.dossier.structure.bic"),
        )

    @factory.post_generation
    def paye(versement: Versement, create: bool, extracted: Any, **kwargs: Any) -> None:
        """`paye=True`, ou `paye=<comptable>` : payé par les vraies transitions."""
        if extracted:
            comptable = extracted if isinstance(extracted, Utilisateur) else UtilisateurFactory()
            payer_par_le_circuit(versement, comptable)
