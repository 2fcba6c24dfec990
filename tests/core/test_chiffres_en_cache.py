"""Les comptes mis en cache sous la version des données (clas/core/chiffres_en_cache.py) :
une seconde lecture sans écriture ne recompte rien ; après chaque écriture validée, les
pages montrent les nombres des données ; une requête qui lit une table non suivie est
toujours recalculée ; la clé porte les filtres des agrégats (l'agent, le jour).

De vraies transactions : sur PostgreSQL, le numéro avance à la validation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clas.core.chiffres_en_cache import (
    TABLES_SUIVIES,
    PaginateurCompteEnCache,
    agreger_en_cache,
    en_cache_selon_requetes,
)
from clas.dossiers.models import DemandeComplements, Dossier, EtatDossier
from clas.statistiques.models import VersionDonnees
from clas.structures.models import MembreStructure
from clas.versements.models import Versement
from tests.factories import DossierFactory, StructureFactory, VersementFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def cache_actif(settings):
    settings.CLAS_STATISTIQUES_CACHE = True


def numero() -> int:
    return VersionDonnees.objects.get(pk=1).numero


class Compteur:
    """Un calcul qui compte combien de fois il a été fait."""

    def __init__(self, calculer):
        self.calculer, self.fois = calculer, 0

    def __call__(self):
        self.fois += 1
        return self.calculer()


def test_sans_ecriture_un_seul_calcul_apres_une_ecriture_le_nouveau(campagne_rhone):
    DossierFactory(campagne=campagne_rhone)
    requete = Dossier.objects.filter(campagne=campagne_rhone)
    calcul = Compteur(requete.count)
    assert en_cache_selon_requetes("essai", [requete], calcul, int) == 1
    assert en_cache_selon_requetes("essai", [requete], calcul, int) == 1
    assert calcul.fois == 1
    DossierFactory(campagne=campagne_rhone)
    assert en_cache_selon_requetes("essai", [requete], calcul, int) == 2
    assert calcul.fois == 2


def test_une_table_non_suivie_est_toujours_recalculee(utilisateurs):
    assert MembreStructure._meta.db_table not in TABLES_SUIVIES
    requete = MembreStructure.objects.all()
    calcul = Compteur(requete.count)
    en_cache_selon_requetes("essai", [requete], calcul, int)
    en_cache_selon_requetes("essai", [requete], calcul, int)
    assert calcul.fois == 2


def test_la_cle_porte_les_filtres_des_agregats(campagne_rhone, utilisateurs):
    instructeur = utilisateurs["instructeur"]
    DossierFactory(campagne=campagne_rhone, instructeur=instructeur)
    requete = Dossier.objects.filter(campagne=campagne_rhone).order_by()
    for personne, attendu in ((instructeur, 1), (utilisateurs["valideur"], 0)):
        chiffres = agreger_en_cache("essai", requete, n=Count("pk", filter=Q(instructeur=personne)))
        assert chiffres == {"n": attendu}


def test_une_demande_de_complements_avance_le_numero(campagne_rhone, utilisateurs):
    dossier = DossierFactory(campagne=campagne_rhone, etat=EtatDossier.COMPLEMENTS_DEMANDES)
    avant = numero()
    demande = DemandeComplements.objects.create(
        dossier=dossier,
        message="Le budget",
        echeance=timezone.localdate() - dt.timedelta(days=1),
        demandee_par=utilisateurs["instructeur"],
    )
    assert numero() == avant + 1
    DemandeComplements.objects.filter(pk=demande.pk).update(repondue_le=timezone.now())
    assert numero() == avant + 2


def test_le_paginateur_suit_les_donnees(campagne_rhone):
    DossierFactory(campagne=campagne_rhone)
    requete = Dossier.objects.filter(campagne=campagne_rhone).order_by("pk")
    assert PaginateurCompteEnCache(requete, 10).count == 1
    DossierFactory(campagne=campagne_rhone)
    assert PaginateurCompteEnCache(requete, 10).count == 2
    assert PaginateurCompteEnCache([1, 2, 3], 10).count == 3


# --- Les pages ---------------------------------------------------------------------------


def nombres_de_travail(client: Client) -> dict[str, int]:
    reponse = client.get("/caf/")
    assert reponse.status_code == 200
    return {c.definition.code: c.nombre for g in reponse.context["groupes"] for c in g.compteurs}


def test_la_page_de_travail_suit_chaque_ecriture(instructeur, campagne_rhone, utilisateurs):
    dossier = DossierFactory(campagne=campagne_rhone, etat=EtatDossier.COMPLEMENTS_DEMANDES)
    demande = DemandeComplements.objects.create(
        dossier=dossier,
        message="Le budget",
        echeance=timezone.localdate() - dt.timedelta(days=1),
        demandee_par=utilisateurs["instructeur"],
    )
    assert nombres_de_travail(instructeur)["complements_en_retard"] == 1
    assert nombres_de_travail(instructeur)["a_instruire"] == 0
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE)
    assert nombres_de_travail(instructeur)["a_instruire"] == 1
    DemandeComplements.objects.filter(pk=demande.pk).update(repondue_le=timezone.now())
    assert nombres_de_travail(instructeur)["complements_en_retard"] == 0


def test_les_files_et_leur_pagination_suivent_chaque_ecriture(instructeur, campagne_rhone):
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE)
    premiere = instructeur.get("/instruction/?file=a_instruire")
    assert premiere.context["compteurs"]["a_instruire"] == 1
    assert premiere.context["page"].paginator.count == 1
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE)
    seconde = instructeur.get("/instruction/?file=a_instruire")
    assert seconde.context["compteurs"]["a_instruire"] == 2
    assert seconde.context["page"].paginator.count == 2
    assert len(seconde.context["page"].object_list) == 2


def test_la_liste_des_dossiers_suit_chaque_ecriture(national, campagne_rhone):
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE)
    assert national.get("/dossiers/").context["page"].paginator.count == 1
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE)
    assert national.get("/dossiers/").context["page"].paginator.count == 2


def test_le_tableau_national_suit_les_structures(national, caf_rhone):
    def structures_du_rhone() -> int:
        caf = national.get("/national/").context["caf"]
        return next(c.nb_structures for c in caf if c.pk == caf_rhone.pk)

    avant = structures_du_rhone()
    StructureFactory(caf=caf_rhone)
    assert structures_du_rhone() == avant + 1


def test_les_totaux_des_paiements_suivent_chaque_ecriture(comptable, caf_rhone):
    versement = VersementFactory(convention__dossier__campagne__caf=caf_rhone)
    total = comptable.get("/paiements/").context["total_a_valider"]
    assert total == versement.montant
    Versement.objects.filter(pk=versement.pk).update(montant=Decimal("12.34"))
    assert comptable.get("/paiements/").context["total_a_valider"] == Decimal("12.34")


@pytest.mark.parametrize(
    ("persona", "adresse"),
    [
        ("instructeur", "/instruction/"),
        ("instructeur", "/caf/"),
        ("national", "/dossiers/"),
        ("national", "/national/"),
        ("comptable", "/paiements/"),
    ],
)
def test_une_seconde_lecture_sans_ecriture_ne_recompte_rien(
    client_de, campagne_rhone, persona, adresse
):
    DossierFactory(campagne=campagne_rhone, etat=EtatDossier.DEPOSE)
    client = client_de(persona)
    client.get(adresse)
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(adresse).status_code == 200
    # Les agrégats sur toute une grande table (sans LIMIT) ; les petites (agents, lots,
    # transferts) sont toujours comptées.
    grandes = r'^SELECT .*? FROM "(dossiers_dossier|structures_structure|versements_versement)"'
    comptes = [
        q["sql"]
        for q in requetes.captured_queries
        if re.search(r"COUNT\(|SUM\(", q["sql"])
        and re.search(grandes, q["sql"])
        and " LIMIT " not in q["sql"]
    ]
    assert comptes == []


def test_l_enveloppe_sur_la_page_du_dossier_suit_chaque_decision(instructeur, campagne_rhone):
    from clas.instruction.models import Decision

    dossier = DossierFactory(campagne=campagne_rhone, accepte=True)
    adresse = f"/instruction/dossiers/{dossier.pk}/"
    decide = instructeur.get(adresse).context["situation"].decide
    assert decide == Decision.objects.get(dossier=dossier).montant
    Decision.objects.filter(dossier=dossier).update(montant=Decimal("1234.00"))
    assert instructeur.get(adresse).context["situation"].decide == Decimal("1234.00")
    DossierFactory(campagne=campagne_rhone, accepte=True, decision__montant=Decimal("100.00"))
    assert instructeur.get(adresse).context["situation"].decide == Decimal("1334.00")


def test_une_requete_vide_d_avance_est_calculee_sans_erreur(db):
    requete = Dossier.objects.filter(campagne_id__in=[])
    assert en_cache_selon_requetes("essai", [requete], requete.count, int) == 0
    assert PaginateurCompteEnCache(requete.order_by("pk"), 10).count == 0
