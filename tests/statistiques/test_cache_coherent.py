"""Le cache du tableau de bord (clas/statistiques/cache.py) reste cohérent avec les données :
après chaque sorte d'écriture (save, update, bulk_update, bulk_create, suppression, SQL
brut) sur chaque table lue par le tableau de bord, le tableau relu égale le tableau calculé
sans cache ; sans écriture, la seconde lecture ne coûte qu'une requête (le numéro).

De vraies transactions (`transaction=True`) : sur PostgreSQL, le numéro avance à la
validation (déclencheurs différés), jamais dans la transaction d'un test ordinaire."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clas.bilans.models import Bilan, EtatIndu, Indu
from clas.campagnes.models import Campagne
from clas.conventions.models import Convention
from clas.core import sauvegarde
from clas.dossiers.models import Collectif, Dossier, EtatDossier
from clas.instruction.models import Decision, NatureDecision, Proposition, StatutProposition
from clas.referentiel.models import Caf
from clas.statistiques import version
from clas.statistiques.cache import chiffres_publics_en_cache, tableau_de_bord_en_cache
from clas.statistiques.chiffres_publics import chiffres_publics
from clas.statistiques.indicateurs import (
    Perimetre,
    TableauDeBord,
    annees_disponibles,
    tableau_de_bord,
)
from clas.statistiques.models import VersionDonnees
from clas.structures.models import Structure, TypeStructure
from clas.versements.models import EtatVersement, Mouvement, TypeMouvement, Versement
from tests.factories import siret_valide
from tests.instruction.outils import creer_campagne

from .fabrique import remplir

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ANNEE = "2025-2026"
NATION = Perimetre()


@pytest.fixture(autouse=True)
def cache_actif(settings):
    settings.CLAS_STATISTIQUES_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def donnees(caf_rhone, caf_somme, utilisateurs):
    for caf, annee, fois in (
        (caf_rhone, "2024-2025", 1),
        (caf_rhone, ANNEE, 2),
        (caf_somme, ANNEE, 1),
    ):
        campagne = creer_campagne(
            caf, annee, enveloppe="20000.00", cree_par=utilisateurs["valideur"]
        )
        remplir(campagne, utilisateurs, fois)
    return utilisateurs


def numero() -> int:
    return VersionDonnees.objects.get(pk=1).numero


def en_cache(perimetre: Perimetre = NATION, jour: dt.date | None = None) -> TableauDeBord:
    return tableau_de_bord_en_cache(perimetre, ANNEE, annees_disponibles(perimetre), jour)


def sans_cache(perimetre: Perimetre = NATION, jour: dt.date | None = None) -> TableauDeBord:
    return tableau_de_bord(perimetre, ANNEE, annees_disponibles(perimetre), jour)


def en_cache_sans_calcul(perimetre: Perimetre = NATION) -> TableauDeBord:
    """Lu dans le cache : une requête pour les années, une pour le numéro, rien d'autre."""
    with CaptureQueriesContext(connection) as requetes:
        tableau = en_cache(perimetre)
    assert len(requetes.captured_queries) == 2, [q["sql"] for q in requetes.captured_queries]
    return tableau


# --- Une modification par table, qui change les chiffres --------------------------------


@dataclasses.dataclass(frozen=True)
class Modification:
    modele: type[models.Model]
    lignes: Callable[[], models.QuerySet[Any]]
    champ: str
    nouvelle: Callable[[Any], Any]

    @property
    def table(self) -> str:
        return self.modele._meta.db_table


def _de_l_annee(chemin: str) -> Callable[[models.QuerySet[Any]], models.QuerySet[Any]]:
    return lambda qs: qs.filter(**{chemin: ANNEE})


def _autre_type(actuel: str) -> str:
    return TypeStructure.ASSOCIATION if actuel != TypeStructure.ASSOCIATION else "collectivite"


MODIFICATIONS = {
    "campagnes_campagne": Modification(
        Campagne,
        lambda: Campagne.objects.filter(annee_scolaire=ANNEE),
        "enveloppe",
        lambda v: v + 1000,
    ),
    "dossiers_dossier": Modification(
        Dossier,
        lambda: Dossier.objects.filter(campagne__annee_scolaire=ANNEE).exclude(
            etat=EtatDossier.BROUILLON
        ),
        "ps_demandee",
        lambda v: v + 7,
    ),
    "dossiers_collectif": Modification(
        Collectif,
        lambda: Collectif.objects.filter(dossier__campagne__annee_scolaire=ANNEE),
        "nb_enfants",
        lambda v: v + 1,
    ),
    "instruction_proposition": Modification(
        Proposition,
        lambda: Proposition.objects.filter(
            dossier__campagne__annee_scolaire=ANNEE, statut=StatutProposition.EN_ATTENTE
        ),
        "montant",
        lambda v: v + 5,
    ),
    "instruction_decision": Modification(
        Decision,
        lambda: Decision.objects.filter(
            dossier__campagne__annee_scolaire=ANNEE, nature=NatureDecision.ACCORD
        ),
        "montant",
        lambda v: v + 3,
    ),
    "versements_mouvement": Modification(
        Mouvement,
        lambda: Mouvement.objects.filter(
            convention__dossier__campagne__annee_scolaire=ANNEE,
            type=TypeMouvement.VERSEMENT_PAYE,
        ),
        "montant",
        lambda v: v + 2,
    ),
    "versements_versement": Modification(
        Versement,
        lambda: Versement.objects.filter(
            convention__dossier__campagne__annee_scolaire=ANNEE, etat=EtatVersement.PAYE
        ),
        "paye_le",
        lambda v: v + dt.timedelta(days=10),
    ),
    "conventions_convention": Modification(
        Convention,
        lambda: Convention.objects.filter(dossier__campagne__annee_scolaire=ANNEE),
        "date_limite_bilan",
        lambda v: v - dt.timedelta(days=400),
    ),
    "bilans_bilan": Modification(
        Bilan,
        lambda: Bilan.objects.filter(
            convention__dossier__campagne__annee_scolaire=ANNEE, depose_le__isnull=False
        ),
        "depose_le",
        lambda v: v + dt.timedelta(days=400),
    ),
    "bilans_indu": Modification(
        Indu,
        lambda: Indu.objects.filter(
            convention__dossier__campagne__annee_scolaire=ANNEE, etat=EtatIndu.OUVERT
        ),
        "montant",
        lambda v: v + 1,
    ),
    "structures_structure": Modification(
        Structure,
        lambda: Structure.objects.filter(dossiers__campagne__annee_scolaire=ANNEE).distinct(),
        "type_structure",
        _autre_type,
    ),
    "referentiel_caf": Modification(
        Caf, lambda: Caf.objects.filter(departement="69"), "nom", lambda v: v + " (renommée)"
    ),
}


# Suivies pour les comptes des files et de la page de travail, pas lues par le tableau de
# bord (tests/core/test_chiffres_en_cache.py).
HORS_DU_TABLEAU = {"dossiers_demandecomplements"}


def test_chaque_table_lue_a_sa_modification_et_ses_declencheurs():
    assert set(MODIFICATIONS) == set(version.TABLES) - HORS_DU_TABLEAU
    assert version.declencheurs_presents(connection) == version.declencheurs_attendus(connection)


def test_le_tableau_de_bord_ne_lit_que_des_tables_suivies(donnees):
    with CaptureQueriesContext(connection) as requetes:
        sans_cache(NATION)
        sans_cache(Perimetre(Caf.objects.get(departement="69")))
    lues = {
        table
        for requete in requetes.captured_queries
        for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', requete["sql"])
    }
    assert lues and lues <= set(version.TABLES), lues - set(version.TABLES)


def _par_save(m: Modification) -> None:
    for objet in m.lignes():
        setattr(objet, m.champ, m.nouvelle(getattr(objet, m.champ)))
        objet.save(update_fields=[m.champ])


def _par_update(m: Modification) -> None:
    for pk, valeur in list(m.lignes().values_list("pk", m.champ)):
        m.modele._default_manager.filter(pk=pk).update(**{m.champ: m.nouvelle(valeur)})


def _par_bulk_update(m: Modification) -> None:
    objets = list(m.lignes())
    for objet in objets:
        setattr(objet, m.champ, m.nouvelle(getattr(objet, m.champ)))
    m.modele._default_manager.bulk_update(objets, [m.champ])


def _par_sql(m: Modification) -> None:
    champ = m.modele._meta.get_field(m.champ)
    assert isinstance(champ, models.Field)
    with connection.cursor() as curseur:
        for pk, valeur in list(m.lignes().values_list("pk", m.champ)):
            curseur.execute(
                f'UPDATE "{m.table}" SET "{champ.column}" = %s WHERE "id" = %s',  # noqa: S608  # noms venus des modèles
                [champ.get_db_prep_save(m.nouvelle(valeur), connection), pk],
            )


ECRITURES = {
    "save": _par_save,
    "update": _par_update,
    "bulk_update": _par_bulk_update,
    "sql": _par_sql,
}


@pytest.mark.parametrize("ecriture", ECRITURES)
@pytest.mark.parametrize("table", sorted(MODIFICATIONS))
def test_apres_une_ecriture_le_tableau_relu_est_celui_des_donnees(donnees, table, ecriture):
    modification = MODIFICATIONS[table]
    assert modification.lignes().exists()
    avant = en_cache()
    assert en_cache_sans_calcul() == avant
    numero_avant = numero()

    ECRITURES[ecriture](modification)

    assert numero() > numero_avant
    frais = sans_cache()
    assert frais != avant  # l'écriture change les chiffres : un cache périmé se verrait
    assert en_cache() == frais
    assert en_cache_sans_calcul() == frais


# --- Des lignes ajoutées (bulk_create) ou supprimées ------------------------------------


def _cloner(objet: models.Model, **valeurs: Any) -> models.Model:
    copie = type(objet)._default_manager.get(pk=objet.pk)
    copie.pk = None
    for champ, valeur in valeurs.items():
        setattr(copie, champ, valeur)
    return copie


def _collectifs_deposes() -> models.QuerySet[Collectif]:
    return Collectif.objects.filter(dossier__campagne__annee_scolaire=ANNEE).exclude(
        dossier__etat=EtatDossier.BROUILLON
    )


def _collectifs_ajoutes() -> None:
    modeles = _collectifs_deposes()[:3]
    Collectif.objects.bulk_create([_cloner(c, nom=f"{c.nom} bis") for c in modeles])


def _mouvements_ajoutes() -> None:
    mouvement = Mouvement.objects.filter(
        convention__dossier__campagne__annee_scolaire=ANNEE, type=TypeMouvement.REMBOURSEMENT
    ).first()
    assert mouvement is not None
    Mouvement.objects.bulk_create([_cloner(mouvement, montant=Decimal("10.00"))])


def _campagne_ajoutee() -> None:
    campagne = Campagne.objects.get(annee_scolaire=ANNEE, caf__departement="80")
    Campagne.objects.bulk_create(
        [_cloner(campagne, caf=Caf.objects.get(departement="01"), enveloppe=Decimal("999.00"))]
    )


def _indu_ajoute() -> None:
    indu = Indu.objects.filter(convention__dossier__campagne__annee_scolaire=ANNEE).first()
    sans_indu = Convention.objects.filter(
        dossier__campagne__annee_scolaire=ANNEE, indu__isnull=True
    ).first()
    assert indu is not None and sans_indu is not None
    Indu.objects.bulk_create(
        [_cloner(indu, convention=sans_indu, montant=Decimal("55.00"), mouvement=None)]
    )


def _collectif_supprime() -> None:
    collectif = _collectifs_deposes().first()
    assert collectif is not None
    collectif.delete()


def _collectifs_supprimes_en_sql() -> None:
    pk = _collectifs_deposes().values("pk").first()
    assert pk is not None
    with connection.cursor() as curseur:
        curseur.execute('DELETE FROM "dossiers_collectif" WHERE "id" = %s', [pk["pk"]])


def _collectif_ajoute_en_sql() -> None:
    collectif = _collectifs_deposes().first()
    assert collectif is not None
    copie = _cloner(collectif, nom="Ajouté en SQL")
    colonnes = [f for f in Collectif._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as curseur:
        curseur.execute(
            f'INSERT INTO "dossiers_collectif" ({", ".join(c.column for c in colonnes)}) '  # noqa: S608  # noms venus du modèle
            f"VALUES ({', '.join(['%s'] * len(colonnes))})",
            [c.get_db_prep_save(getattr(copie, c.attname), connection) for c in colonnes],
        )


AJOUTS_ET_SUPPRESSIONS = {
    "collectifs par bulk_create": _collectifs_ajoutes,
    "mouvement par bulk_create": _mouvements_ajoutes,
    "campagne par bulk_create": _campagne_ajoutee,
    "indu par bulk_create": _indu_ajoute,
    "collectif par INSERT en SQL": _collectif_ajoute_en_sql,
    "collectif supprimé par l'ORM": _collectif_supprime,
    "collectif supprimé par DELETE en SQL": _collectifs_supprimes_en_sql,
}


@pytest.mark.parametrize("ecriture", AJOUTS_ET_SUPPRESSIONS)
def test_apres_un_ajout_ou_une_suppression_le_tableau_relu_est_celui_des_donnees(donnees, ecriture):
    avant = en_cache()
    numero_avant = numero()

    AJOUTS_ET_SUPPRESSIONS[ecriture]()

    assert numero() > numero_avant
    frais = sans_cache()
    assert frais != avant
    assert en_cache() == frais


def test_un_ajout_qui_ne_change_pas_les_chiffres_avance_aussi_le_numero(donnees, caf_rhone):
    numero_avant = numero()
    Structure.objects.bulk_create(
        [
            _cloner(
                Structure.objects.filter(caf=caf_rhone).first(),
                siret=siret_valide(987654),
                nom="Nouvelle",
            )
        ]
    )
    assert numero() == numero_avant + 1


# --- Les lectures ------------------------------------------------------------------------


def test_deux_lectures_sans_ecriture_ne_calculent_qu_une_fois(donnees):
    with CaptureQueriesContext(connection) as calcul:
        premier = en_cache()
    assert len(calcul.captured_queries) > 10
    assert en_cache_sans_calcul() == premier == sans_cache()


def test_un_autre_jour_le_tableau_est_recalcule(donnees):
    aujourd_hui = timezone.localdate()
    en_cache(jour=aujourd_hui)
    # Cinq jours plus tôt, le bilan et l'indu échus d'hier n'étaient pas encore en retard.
    autre_jour = aujourd_hui - dt.timedelta(days=5)
    with CaptureQueriesContext(connection) as requetes:
        tableau = en_cache(jour=autre_jour)
    assert len(requetes.captured_queries) > 10
    assert tableau == sans_cache(jour=autre_jour) != sans_cache(jour=aujourd_hui)


def test_une_caf_et_la_nation_ont_chacune_leur_tableau(donnees, caf_rhone):
    rhone = Perimetre(caf_rhone)
    nation = en_cache(NATION)
    with CaptureQueriesContext(connection) as requetes:
        tableau = en_cache(rhone)
    assert len(requetes.captured_queries) > 10
    assert tableau == sans_cache(rhone) != nation
    assert tableau.perimetre == rhone and not tableau.par_departement
    assert en_cache_sans_calcul(rhone) == tableau
    assert en_cache_sans_calcul(NATION) == nation


def test_sans_le_reglage_le_tableau_est_toujours_calcule(donnees, settings):
    settings.CLAS_STATISTIQUES_CACHE = False
    en_cache()
    with CaptureQueriesContext(connection) as requetes:
        en_cache()
    assert len(requetes.captured_queries) > 10


def test_dans_une_transaction_le_cache_n_est_ni_lu_ni_ecrit(donnees):
    """Sur PostgreSQL, le numéro n'avance qu'à la validation : dans la transaction qui écrit,
    le cache rendrait l'ancien tableau."""
    avant = en_cache()
    with transaction.atomic():
        Campagne.objects.filter(annee_scolaire=ANNEE).update(enveloppe=Decimal("1.00"))
        dans_la_transaction = en_cache()
        assert dans_la_transaction == sans_cache() != avant
        transaction.set_rollback(True)
    assert en_cache_sans_calcul() == avant


def test_un_lot_ecrit_en_une_transaction_avance_le_numero_une_fois_sur_postgresql(donnees):
    collectif = Collectif.objects.filter(dossier__campagne__annee_scolaire=ANNEE).first()
    numero_avant = numero()
    with transaction.atomic():
        Collectif.objects.bulk_create([_cloner(collectif, nom=f"Lot {i}") for i in range(50)])
        Collectif.objects.filter(nom__startswith="Lot ").update(nb_enfants=3)
    if connection.vendor == "postgresql":
        assert numero() == numero_avant + 1
    else:
        assert numero() > numero_avant


def test_une_transaction_annulee_ne_change_ni_le_numero_ni_les_chiffres(donnees):
    avant = en_cache()
    numero_avant = numero()
    with transaction.atomic():
        Collectif.objects.all().delete()
        transaction.set_rollback(True)
    assert numero() == numero_avant
    assert en_cache_sans_calcul() == avant


def test_une_restauration_avance_le_numero_et_le_tableau_suit(donnees, tmp_path):
    archive, _ = sauvegarde.sauvegarder(tmp_path / "sauvegarde.tar.gz")
    sauvegarde_faite = sans_cache()
    Decision.objects.update(montant=Decimal("1.00"))
    modifie = en_cache()
    assert modifie != sauvegarde_faite
    numero_avant = numero()

    sauvegarde.restaurer(archive, ecraser=True)

    assert numero() > numero_avant
    assert en_cache() == sans_cache() == sauvegarde_faite


def test_chaque_migrate_remet_les_declencheurs_qui_manquent_et_avance_le_numero(donnees):
    with connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            curseur.execute("DROP TRIGGER statistiques_version ON dossiers_collectif")
        else:
            curseur.execute("DROP TRIGGER statistiques_version_dossiers_collectif_update")
    assert version.declencheurs_presents(connection) != version.declencheurs_attendus(connection)
    numero_avant = numero()

    version.apres_migration(using="default")

    assert version.declencheurs_presents(connection) == version.declencheurs_attendus(connection)
    assert numero() == numero_avant + 1


# --- Les chiffres publics (/chiffres/), sous la même règle ---------------------------------


def test_les_chiffres_publics_ne_lisent_que_des_tables_suivies(donnees):
    with CaptureQueriesContext(connection) as requetes:
        chiffres_publics()
    lues = {
        table
        for requete in requetes.captured_queries
        for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', requete["sql"])
    }
    assert lues and lues <= set(version.TABLES), lues - set(version.TABLES)


@pytest.mark.parametrize("ecriture", ["update", "sql"])
def test_les_chiffres_publics_suivent_chaque_ecriture_et_sinon_sortent_du_cache(donnees, ecriture):
    premiers = chiffres_publics_en_cache()
    with CaptureQueriesContext(connection) as relecture:
        assert chiffres_publics_en_cache() == premiers
    assert len(relecture.captured_queries) == 1  # le numéro seulement

    ECRITURES[ecriture](MODIFICATIONS["instruction_decision"])

    apres = chiffres_publics_en_cache()
    assert apres == chiffres_publics() != premiers


def test_la_page_des_chiffres_sert_le_cache_puis_les_nouveaux_montants(donnees, client):
    decision = Decision.objects.filter(nature=NatureDecision.ACCORD).first()
    assert decision is not None
    premiers = chiffres_publics()
    client.get("/chiffres/")
    with CaptureQueriesContext(connection) as relecture:
        assert client.get("/chiffres/").status_code == 200
    # Le numéro de version et les conventions non publiées : plus aucune agrégation.
    assert not any("SUM(" in q["sql"] for q in relecture.captured_queries)

    Decision.objects.filter(pk=decision.pk).update(montant=decision.montant + Decimal("1000"))

    page = client.get(f"/chiffres/?annee={decision.dossier.campagne.annee_scolaire}")
    frais = [ligne for ligne in chiffres_publics() if ligne.annee == page.context["annee"]]
    assert page.context["lignes"] == frais
    assert sum(ligne.montant_decide for ligne in frais) == sum(
        ligne.montant_decide for ligne in premiers if ligne.annee == page.context["annee"]
    ) + Decimal("1000")
