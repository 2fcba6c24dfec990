"""La page de travail de la Caf (`/caf/`) : chaque rôle voit ce qui l'attend, chaque nombre
ouvre la liste filtrée qui montre exactement ces éléments, seulement pour sa Caf, en un
nombre de requêtes qui ne dépend pas du nombre d'éléments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clas.bilans.models import Bilan, EtatBilan, EtatIndu, Indu
from clas.conventions.models import Convention
from clas.dossiers.models import DemandeComplements, EtatDossier
from clas.versements.models import EtatVersement
from tests.conventions.paiements_fabrique import convention_signee
from tests.factories import AgentCafFactory
from tests.instruction.outils import creer_campagne, creer_dossier, creer_proposition
from tests.outils import texte

pytestmark = pytest.mark.django_db

E = EtatDossier
HIER = dt.timedelta(days=-1)


def _complements(dossier, echeance: dt.date, demandee_par) -> None:
    DemandeComplements.objects.create(
        dossier=dossier,
        etapes=["projet"],
        message="Le budget",
        echeance=echeance,
        demandee_par=demandee_par,
    )


def _remplir(caf, utilisateurs, campagne_decidee, campagne_instruction, fois: int = 1) -> None:
    """Un peu de tout, `fois` fois : dossiers dans chaque file, compléments en retard ou non,
    propositions, bilans déposés ou en retard, versements à valider ou à payer, indus."""
    instructeur, valideur = utilisateurs["instructeur"], utilisateurs["valideur"]
    aujourd_hui = timezone.localdate()
    for _ in range(fois):
        creer_dossier(campagne_instruction)
        creer_dossier(campagne_instruction)
        creer_dossier(campagne_instruction, etat=E.EN_INSTRUCTION, instructeur=instructeur)
        creer_dossier(campagne_instruction, etat=E.EN_INSTRUCTION, instructeur=valideur)
        en_retard = creer_dossier(campagne_instruction, etat=E.COMPLEMENTS_DEMANDES)
        _complements(en_retard, aujourd_hui + HIER, instructeur)
        a_temps = creer_dossier(campagne_instruction, etat=E.COMPLEMENTS_DEMANDES)
        _complements(a_temps, aujourd_hui + dt.timedelta(days=5), instructeur)
        propose = creer_dossier(
            campagne_instruction, etat=E.EN_INSTRUCTION, instructeur=instructeur
        )
        creer_proposition(propose, instructeur)

        a_valider = convention_signee(caf, instructeur, valideur, campagne=campagne_decidee)
        valide = convention_signee(
            caf, instructeur, valideur, etat=EtatVersement.VALIDE, campagne=campagne_decidee
        )
        sans_bilan = convention_signee(caf, instructeur, valideur, campagne=campagne_decidee)
        brouillon = convention_signee(caf, instructeur, valideur, campagne=campagne_decidee)
        Convention.objects.filter(
            pk__in=[sans_bilan.convention_id, brouillon.convention_id]
        ).update(date_limite_bilan=aujourd_hui + HIER)
        Bilan.objects.create(convention=brouillon.convention)
        Bilan.objects.create(
            convention=a_valider.convention, etat=EtatBilan.DEPOSE, depose_le=timezone.now()
        )
        Indu.objects.create(
            convention=valide.convention,
            montant=Decimal("100.00"),
            motif="Trop versé",
            echeance=aujourd_hui + HIER,
            notifie_par=valideur,
        )
        Indu.objects.create(
            convention=sans_bilan.convention,
            montant=Decimal("50.00"),
            motif="Trop versé",
            echeance=aujourd_hui + dt.timedelta(days=20),
            notifie_par=valideur,
        )
        Indu.objects.create(
            convention=brouillon.convention,
            montant=Decimal("50.00"),
            motif="Remboursé",
            echeance=aujourd_hui + HIER,
            etat=EtatIndu.REMBOURSE,
            notifie_par=valideur,
        )


@pytest.fixture
def campagnes(caf_rhone, utilisateurs):
    valideur = utilisateurs["valideur"]
    return (
        creer_campagne(caf_rhone, "2025-2026", cree_par=valideur),
        creer_campagne(caf_rhone, "2026-2027", cree_par=valideur, ouverte=True),
    )


@pytest.fixture
def jeu(caf_rhone, caf_somme, utilisateurs, campagnes):
    _remplir(caf_rhone, utilisateurs, *campagnes)
    # Dans la Somme : un dossier à instruire, qu'aucun agent du Rhône ne doit compter.
    somme = creer_campagne(caf_somme, "2026-2027", cree_par=utilisateurs["instructeur_autre_caf"])
    creer_dossier(somme)
    return campagnes


def compteurs(reponse) -> dict[str, object]:
    return {c.definition.code: c for groupe in reponse.context["groupes"] for c in groupe.compteurs}


def lignes(reponse) -> int:
    """Le nombre d'éléments de la liste ouverte : toutes pages comprises."""
    contexte = reponse.context
    if "onglet" in contexte:  # la page des paiements : l'onglet ouvert
        return len(contexte[contexte["onglet"].replace("-", "_")])
    return contexte["page"].paginator.count


ATTENDUS = {
    "instructeur": {
        "a_instruire": 2,
        "mes_dossiers": 1,
        "complements_en_retard": 1,
        "bilans_a_examiner": 1,
        "bilans_en_retard": 2,
    },
    "valideur": {
        "propositions_a_valider": 1,
        "bilans_a_examiner": 1,
        "bilans_en_retard": 2,
        "versements_a_valider": 3,
        "indus_en_retard": 1,
    },
    "comptable": {"versements_a_payer": 1, "indus_en_retard": 1},
}


@pytest.mark.parametrize("persona", ATTENDUS)
def test_chaque_role_voit_ses_nombres_et_chacun_egale_la_liste_qu_il_ouvre(
    client_de, jeu, persona
) -> None:
    client = client_de(persona)
    reponse = client.get("/caf/")
    assert reponse.status_code == 200

    trouves = compteurs(reponse)
    assert {code: c.nombre for code, c in trouves.items()} == ATTENDUS[persona]
    page = texte(reponse)
    for compteur in trouves.values():
        assert f'href="{compteur.url}"' in page
        liste = client.get(compteur.url)
        assert liste.status_code == 200, compteur.url
        assert lignes(liste) == compteur.nombre, compteur.url


def test_les_nombres_suivent_les_donnees(client_de, jeu, caf_rhone, utilisateurs) -> None:
    _remplir(caf_rhone, utilisateurs, *jeu)
    client = client_de("valideur")
    for code, compteur in compteurs(client.get("/caf/")).items():
        assert compteur.nombre == 2 * ATTENDUS["valideur"][code], code
        assert lignes(client.get(compteur.url)) == compteur.nombre, code


def test_un_agent_d_une_autre_caf_ne_compte_que_les_siens(instructeur_autre_caf, jeu) -> None:
    trouves = compteurs(instructeur_autre_caf.get("/caf/"))
    assert {code: c.nombre for code, c in trouves.items()} == {
        "a_instruire": 1,
        "mes_dossiers": 0,
        "complements_en_retard": 0,
        "bilans_a_examiner": 0,
        "bilans_en_retard": 0,
    }
    liste = instructeur_autre_caf.get(trouves["a_instruire"].url)
    assert [d.campagne.caf.departement for d in liste.context["dossiers"]] == ["80"]


@pytest.mark.parametrize("persona", ["porteur", "porteur_autre", "national"])
def test_un_porteur_ou_le_national_sont_refuses(client_de, jeu, persona) -> None:
    reponse = client_de(persona).get("/caf/")
    assert reponse.status_code == 403
    assert "réservée aux agents des Caf" in texte(reponse)


def test_un_anonyme_est_renvoye_vers_la_connexion(anonyme) -> None:
    reponse = anonyme.get("/caf/")
    assert reponse.status_code == 302
    assert reponse["Location"] == "/connexion/?next=/caf/"


def test_un_retard_est_signale_en_rouge_seulement_s_il_y_en_a(client_de, jeu) -> None:
    page = texte(client_de("comptable").get("/caf/"))
    assert 'clas-compteur clas-compteur--retard">1</span> indus en retard' in page
    assert 'clas-compteur">1</span> versements à mettre en paiement' in page


def _requetes(client: Client) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get("/caf/").status_code == 200
    return len(requetes)


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_d_elements(
    caf_rhone, utilisateurs, campagnes
) -> None:
    """Un agent qui a les trois rôles : toutes les requêtes de la page, sur une Caf vide
    puis bien remplie."""
    agent = AgentCafFactory(caf=caf_rhone, est_valideur=True, est_comptable=True)
    client = Client()
    client.force_login(agent.utilisateur)

    a_vide = _requetes(client)
    _remplir(caf_rhone, utilisateurs, *campagnes, fois=3)
    assert _requetes(client) == a_vide
    assert sum(c.nombre for g in client.get("/caf/").context["groupes"] for c in g.compteurs) > 0
