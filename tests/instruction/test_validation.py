"""Valider ou renvoyer une proposition : un valideur de la Caf qui n'en est pas l'auteur ;
la décision garde le barème de ce moment ; la validation groupée vérifie chaque proposition."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.comptes.models import AgentCaf
from clas.core.permissions import LECTURE_SEULE
from clas.dossiers.models import EtatDossier, Evenement
from clas.instruction import decisions
from clas.instruction.actions import prendre
from clas.instruction.models import Decision, MotifRefus, Proposition, StatutProposition
from clas.referentiel.models import ParametresBareme
from tests.conftest import PERSONAS
from tests.outils import texte


@pytest.fixture(autouse=True)
def _sans_lettre(monkeypatch):
    """La lettre et le courriel ont leurs tests (test_lettre.py) : ici, rien après commit."""
    monkeypatch.setattr(decisions, "apres_decision", lambda decision_id: None)


def test_valider_un_accord(decision_proposition, utilisateurs):
    dossier = decision_proposition.dossier
    decision = decisions.valider(decision_proposition, utilisateurs["valideur"], "D'accord.")

    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.ACCEPTE
    assert decision.nature == "accord"
    assert decision.montant == Decimal("4500.00")
    assert decision.instructeur == utilisateurs["instructeur"]
    assert decision.valideur == utilisateurs["valideur"]
    attendus = ParametresBareme.objects.get(annee_scolaire="2026-2027").vers_bareme().vers_dict()
    assert decision.parametres == attendus
    assert decision.resultat["montant_total"] == "4500.00"
    assert decision.resultat["explication"]
    assert len(decision.entree_bareme["collectifs"]) == 2
    assert decision.entree_bareme["depenses_totales"] == "15000.00"
    decision_proposition.refresh_from_db()
    assert decision_proposition.statut == StatutProposition.VALIDEE
    assert decision_proposition.traitee_par == utilisateurs["valideur"]
    assert decision_proposition.commentaire == "D'accord."
    evenement = Evenement.objects.get(dossier=dossier, type="accepter")
    assert evenement.public is True
    assert evenement.auteur == utilisateurs["valideur"]
    assert "accord de 4" in evenement.description


@pytest.mark.parametrize(
    ("nature", "champs", "etat"),
    [
        ("refus", {"motif_refus": MotifRefus.NON_ELIGIBLE, "texte": "Hors Clas."}, "refuse"),
        ("sans_suite", {"texte": "La structure a renoncé."}, "sans_suite"),
    ],
)
def test_valider_un_refus_ou_un_sans_suite(decision_instruit, utilisateurs, nature, champs, etat):
    proposition = decisions.proposer(
        decision_instruit, utilisateurs["instructeur"], nature, **champs
    )
    decision = decisions.valider(proposition, utilisateurs["valideur"])

    decision_instruit.refresh_from_db()
    assert decision_instruit.etat == etat
    assert decision.montant is None
    assert decision.resultat["montant_total"] == "4500.00"  # le barème reste gardé


def test_les_corrections_sont_dans_l_entree_gardee(decision_instruit, utilisateurs):
    from clas.instruction.actions import corriger

    collectif = decision_instruit.collectifs.order_by("ordre").first()
    corriger(
        decision_instruit,
        utilisateurs["instructeur"],
        collectif,
        {"nb_enfants": 3},
        "Trois enfants seulement sur la liste d'appel.",
    )
    proposition = decisions.proposer(decision_instruit, utilisateurs["instructeur"], "accord")
    decision = decisions.valider(proposition, utilisateurs["valideur"])

    assert decision.entree_bareme["collectifs"][0]["nb_enfants"] == 3
    assert decision.resultat["collectifs"][0]["eligible"] is False
    assert (
        decision.montant
        == proposition.montant_bareme
        == Decimal(decision.resultat["montant_total"])
    )


@pytest.mark.parametrize("persona", ["instructeur", "comptable", "instructeur_autre_caf"])
def test_seul_un_valideur_valide(decision_proposition, utilisateurs, persona):
    with pytest.raises(PermissionDenied):
        decisions.valider(decision_proposition, utilisateurs[persona])
    with pytest.raises(PermissionDenied):
        decisions.renvoyer(decision_proposition, utilisateurs[persona], "Non.")
    assert not Decision.objects.exists()


@pytest.fixture
def decision_valideur_instructeur(decision_instruit, utilisateurs):
    """Le persona « valideur », aussi instructeur, a pris le dossier et propose lui-même."""
    AgentCaf.objects.filter(utilisateur=utilisateurs["valideur"]).update(est_instructeur=True)
    valideur = type(utilisateurs["valideur"]).objects.get(pk=utilisateurs["valideur"].pk)
    prendre(decision_instruit, valideur, "Reprise pour congé de l'instructeur.")
    return decisions.proposer(decision_instruit, valideur, "accord"), valideur


def test_un_valideur_ne_valide_jamais_sa_propre_proposition(decision_valideur_instructeur):
    proposition, valideur = decision_valideur_instructeur

    with pytest.raises(PermissionDenied, match="un autre agent"):
        decisions.valider(proposition, valideur)
    with pytest.raises(PermissionDenied):
        decisions.renvoyer(proposition, valideur, "Je me renvoie.")
    assert not Decision.objects.exists()


def test_sa_propre_proposition_sans_bouton_et_refusee_par_le_serveur(
    decision_valideur_instructeur, valideur
):
    proposition, _ = decision_valideur_instructeur
    dossier = proposition.dossier
    from tests.instruction.test_propositions import _partiel

    page = _partiel(dossier, _)
    assert "En attente de validation par un autre agent" in page
    assert "form-valider" not in page
    assert "form-renvoyer" not in page

    assert valideur.post(f"/instruction/propositions/{proposition.pk}/valider/").status_code == 403
    assert (
        valideur.post(
            f"/instruction/propositions/{proposition.pk}/renvoyer/", {"commentaire": "x"}
        ).status_code
        == 403
    )
    proposition.refresh_from_db()
    assert proposition.statut == StatutProposition.EN_ATTENTE


def test_le_valideur_voit_les_boutons(decision_proposition, utilisateurs):
    from tests.instruction.test_propositions import _partiel

    page = _partiel(decision_proposition.dossier, utilisateurs["valideur"])
    assert 'id="form-valider"' in page
    assert 'id="form-renvoyer"' in page
    page_auteur = _partiel(decision_proposition.dossier, utilisateurs["instructeur"])
    assert "En attente de validation par un autre agent" in page_auteur
    assert "form-valider" not in page_auteur


def test_une_seconde_validation_ne_fait_rien(decision_proposition, utilisateurs, caf_rhone):
    from tests.factories import AgentCafFactory

    second = AgentCafFactory(caf=caf_rhone, est_instructeur=False, est_valideur=True).utilisateur
    decisions.valider(decision_proposition, utilisateurs["valideur"])

    with pytest.raises(decisions.ActionImpossible, match="déjà été validée par"):
        decisions.valider(decision_proposition, second)
    with pytest.raises(decisions.ActionImpossible, match="déjà été validée"):
        decisions.renvoyer(decision_proposition, second, "Trop tard.")
    assert Decision.objects.count() == 1
    assert Evenement.objects.filter(type="accepter").count() == 1


def test_un_second_clic_donne_un_message_clair(decision_proposition, valideur):
    url = f"/instruction/propositions/{decision_proposition.pk}/valider/"
    assert valideur.post(url).status_code == 302

    reponse = valideur.post(url, follow=True)
    assert "déjà été validée" in texte(reponse)
    assert Decision.objects.count() == 1


def test_si_le_bareme_a_baisse_la_validation_est_refusee(decision_proposition, utilisateurs):
    parametres = ParametresBareme.objects.get(annee_scolaire="2026-2027")
    parametres.taux = Decimal("0.1")
    parametres.save()

    with pytest.raises(decisions.ActionImpossible, match="renvoyez"):
        decisions.valider(decision_proposition, utilisateurs["valideur"])
    assert not Decision.objects.exists()


# --- Renvoi -----------------------------------------------------------------------------------


def test_renvoyer_avec_un_commentaire(decision_proposition, utilisateurs):
    dossier = decision_proposition.dossier
    with pytest.raises(ValidationError) as erreur:
        decisions.renvoyer(decision_proposition, utilisateurs["valideur"], "  ")
    assert "commentaire" in erreur.value.message_dict

    decisions.renvoyer(decision_proposition, utilisateurs["valideur"], "Revoir les semaines.")

    decision_proposition.refresh_from_db()
    assert decision_proposition.statut == StatutProposition.RENVOYEE
    assert decision_proposition.commentaire == "Revoir les semaines."
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.EN_INSTRUCTION
    evenement = Evenement.objects.get(dossier=dossier, type="renvoi")
    assert evenement.public is False
    assert "Revoir les semaines." in evenement.description
    # L'instructeur peut proposer à nouveau.
    nouvelle = decisions.proposer(dossier, utilisateurs["instructeur"], "sans_suite", texte="x")
    assert nouvelle.statut == StatutProposition.EN_ATTENTE


def test_renvoyer_sans_commentaire_revient_avec_l_erreur(decision_proposition, valideur):
    reponse = valideur.post(
        f"/instruction/propositions/{decision_proposition.pk}/renvoyer/", {"commentaire": ""}
    )

    assert reponse.status_code == 400
    assert 'id="renvoi-commentaire-erreur"' in texte(reponse)
    decision_proposition.refresh_from_db()
    assert decision_proposition.statut == StatutProposition.EN_ATTENTE


def test_renvoyer_par_la_page(decision_proposition, valideur):
    reponse = valideur.post(
        f"/instruction/propositions/{decision_proposition.pk}/renvoyer/",
        {"commentaire": "Justifiez le bonus."},
    )

    assert reponse.status_code == 302
    decision_proposition.refresh_from_db()
    assert decision_proposition.statut == StatutProposition.RENVOYEE


# --- Qui peut valider, renvoyer (toutes les personas) ----------------------------------------

ATTENDU = {
    "anonyme": "connexion",
    "porteur": 404,
    "porteur_autre": 404,
    "instructeur": 403,  # l'auteur de la proposition (et pas valideur)
    "instructeur_autre_caf": 404,
    "valideur": 302,
    "comptable": 403,
    "national": 403,  # lecture seule
}


@pytest.mark.parametrize("action", ["valider", "renvoyer"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_qui_peut_valider_ou_renvoyer(decision_proposition, client_de, persona, action):
    reponse = client_de(persona).post(
        f"/instruction/propositions/{decision_proposition.pk}/{action}/",
        {"commentaire": "Vu."},
    )

    attendu = ATTENDU[persona]
    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")
    else:
        assert reponse.status_code == attendu
    decision_proposition.refresh_from_db()
    traitee = decision_proposition.statut != StatutProposition.EN_ATTENTE
    assert traitee == (persona == "valideur")


# Au niveau de la page (les URL `instruction_valider` et `instruction_renvoyer`, matrice de
# tests/core/test_urls_auditees.py) : la réponse, le message et ce qui est écrit, pour chaque
# persona et deux de plus, le valideur d'une autre Caf et le valideur auteur de la proposition.
REFUS_VALIDEUR = "Seul un valideur de la Caf du dossier valide une proposition."
PAGE_PAR_PERSONA = {
    "anonyme": ("connexion", ""),
    "porteur": (404, ""),
    "porteur_autre": (404, ""),
    "instructeur": (403, REFUS_VALIDEUR),  # l'auteur, instructeur non valideur
    "instructeur_autre_caf": (404, ""),
    "valideur_autre_caf": (404, ""),
    "valideur_auteur": (403, "Vous êtes l'auteur de cette proposition"),
    "valideur": (302, ""),
    "comptable": (403, REFUS_VALIDEUR),
    "national": (403, LECTURE_SEULE),
}
SUCCES = {
    "valider": (StatutProposition.VALIDEE, EtatDossier.ACCEPTE),
    "renvoyer": (StatutProposition.RENVOYEE, EtatDossier.EN_INSTRUCTION),
}


def _client_persona(persona, client_de, utilisateurs, caf_somme):
    from django.test import Client

    from tests.factories import AgentCafFactory

    if persona == "valideur_autre_caf":
        utilisateur = AgentCafFactory(
            caf=caf_somme, est_instructeur=False, est_valideur=True
        ).utilisateur
    elif persona == "valideur_auteur":
        utilisateur = utilisateurs["instructeur"]
        AgentCaf.objects.filter(utilisateur=utilisateur).update(est_valideur=True)
    else:
        return client_de(persona)
    client = Client()
    client.force_login(utilisateur)
    return client


@pytest.mark.parametrize("action", ["valider", "renvoyer"])
@pytest.mark.parametrize("persona", sorted(PAGE_PAR_PERSONA))
def test_valider_et_renvoyer_par_la_page_pour_chaque_persona(
    decision_proposition, client_de, utilisateurs, caf_somme, persona, action
):
    dossier = decision_proposition.dossier
    client = _client_persona(persona, client_de, utilisateurs, caf_somme)
    evenements = Evenement.objects.filter(dossier=dossier).count()

    reponse = client.post(
        f"/instruction/propositions/{decision_proposition.pk}/{action}/",
        {"commentaire": "Le bonus culturel est justifié."},
    )

    statut, message = PAGE_PAR_PERSONA[persona]
    decision_proposition.refresh_from_db()
    dossier.refresh_from_db()
    if statut == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/?next=")
    else:
        assert reponse.status_code == statut
        assert message in texte(reponse)
    if persona == "valideur":
        assert reponse["Location"].endswith(f"/instruction/dossiers/{dossier.pk}/#decision")
        assert (decision_proposition.statut, dossier.etat) == SUCCES[action]
        assert decision_proposition.traitee_par == utilisateurs["valideur"]
        assert Evenement.objects.filter(dossier=dossier).count() > evenements
        assert Decision.objects.filter(dossier=dossier).exists() == (action == "valider")
    else:
        assert decision_proposition.statut == StatutProposition.EN_ATTENTE
        assert dossier.etat == EtatDossier.EN_INSTRUCTION
        assert Evenement.objects.filter(dossier=dossier).count() == evenements
        assert not Decision.objects.exists()


def test_une_proposition_inconnue_donne_404(valideur, decision_proposition):
    assert valideur.post("/instruction/propositions/999999/valider/").status_code == 404


# --- Validation groupée ---------------------------------------------------------------------


def _dossiers_proposes(campagne, utilisateurs, nombre: int) -> list[Proposition]:
    from clas.dossiers.actions import deposer
    from tests.dossiers.suivi_fabrique import dossier_complet
    from tests.factories import MembreStructureFactory, StructureFactory

    propositions = []
    for _ in range(nombre):
        membre = MembreStructureFactory(structure=StructureFactory(caf=campagne.caf))
        dossier = dossier_complet(membre.structure, campagne, membre.utilisateur)
        deposer(dossier, membre.utilisateur)
        prendre(dossier, utilisateurs["instructeur"])
        propositions.append(decisions.proposer(dossier, utilisateurs["instructeur"], "accord"))
    return propositions


ATTENDU_LISTE = {
    "anonyme": "connexion",
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 403,
    "instructeur_autre_caf": 403,
    "valideur": 200,
    "comptable": 403,
    "national": 403,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_qui_voit_la_validation_groupee(decision_proposition, client_de, persona):
    reponse = client_de(persona).get("/instruction/validation/")

    attendu = ATTENDU_LISTE[persona]
    if attendu == "connexion":
        assert reponse["Location"].startswith("/connexion/")
    else:
        assert reponse.status_code == attendu
    if attendu == 200:
        assert str(decision_proposition.dossier) in texte(reponse)


def test_un_valideur_d_une_autre_caf_ne_voit_pas_les_propositions_du_rhone(
    decision_proposition, caf_somme, client
):
    from tests.factories import AgentCafFactory

    autre = AgentCafFactory(caf=caf_somme, est_instructeur=False, est_valideur=True).utilisateur
    client.force_login(autre)
    reponse = client.get("/instruction/validation/")
    assert reponse.status_code == 200
    assert str(decision_proposition.dossier) not in texte(reponse)
    client.post("/instruction/validation/", {"propositions": [decision_proposition.pk]})
    decision_proposition.refresh_from_db()
    assert decision_proposition.statut == StatutProposition.EN_ATTENTE


def test_la_liste_a_valider_en_requetes_constantes(
    decision_proposition, campagne_rhone, utilisateurs, valideur
):
    with CaptureQueriesContext(connection) as une:
        assert valideur.get("/instruction/validation/").status_code == 200
    _dossiers_proposes(campagne_rhone, utilisateurs, 4)
    with CaptureQueriesContext(connection) as cinq:
        reponse = valideur.get("/instruction/validation/")
    assert texte(reponse).count('name="propositions"') == 5
    assert len(cinq) == len(une)


def test_valider_la_selection(
    decision_valideur_instructeur, campagne_rhone, utilisateurs, valideur, caf_rhone
):
    propre, _ = decision_valideur_instructeur
    autres = _dossiers_proposes(campagne_rhone, utilisateurs, 3)
    deja = autres[2]
    from tests.factories import AgentCafFactory

    collegue = AgentCafFactory(caf=caf_rhone, est_instructeur=False, est_valideur=True)
    decisions.valider(deja, collegue.utilisateur)

    page = texte(valideur.get("/instruction/validation/"))
    assert "Votre proposition" in page
    assert f'value="{propre.pk}"' not in page  # pas de case pour sa propre proposition

    reponse = valideur.post(
        "/instruction/validation/",
        {"propositions": [propre.pk, autres[0].pk, autres[1].pk, deja.pk]},
        follow=True,
    )

    page = texte(reponse)
    assert "2 décisions prises" in page
    assert f"{propre.dossier} : non validée — Vous êtes l'auteur" in page
    assert f"{deja.dossier} : non validée — Cette proposition a déjà été validée" in page
    assert set(Decision.objects.values_list("proposition_id", flat=True)) == {
        autres[0].pk,
        autres[1].pk,
        deja.pk,
    }
    propre.refresh_from_db()
    assert propre.statut == StatutProposition.EN_ATTENTE


def test_valider_une_selection_de_refus_seulement(decision_instruit, utilisateurs, valideur):
    """Aucun montant accordé : le total vaut 0,00 € (mypy a montré qu'un total entier 0
    faisait planter le message)."""
    refus = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "refus",
        motif_refus=MotifRefus.NON_ELIGIBLE,
        texte="Hors Clas.",
    )

    reponse = valideur.post("/instruction/validation/", {"propositions": [refus.pk]}, follow=True)

    assert reponse.status_code == 200
    assert "1 décision prise" in texte(reponse)
    assert "montant accordé : 0,00\u00a0€" in texte(reponse)


def test_valider_une_selection_vide(decision_proposition, valideur):
    reponse = valideur.post("/instruction/validation/", {}, follow=True)
    assert "Cochez au moins une proposition" in texte(reponse)


def test_le_partiel_dans_la_page_de_l_agent(decision_instruit, utilisateurs, instructeur, valideur):
    url = f"/instruction/dossiers/{decision_instruit.pk}/"
    page = texte(instructeur.get(url))
    assert 'id="form-proposer"' in page
    assert 'value="4500,00"' in page
    proposition = decisions.proposer(decision_instruit, utilisateurs["instructeur"], "accord")
    assert 'id="form-valider"' in texte(valideur.get(url))
    assert "En attente de validation par un autre agent" in texte(instructeur.get(url))
    decisions.valider(proposition, utilisateurs["valideur"])
    assert 'id="decision-prise"' in texte(valideur.get(url))
