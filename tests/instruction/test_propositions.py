"""Proposer une décision : accord au barème ou moins (justifié), jamais plus ; refus avec
motif et texte ; sans suite avec texte ; enveloppe dépassée justifiée."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory

from clas.dossiers.models import EtatDossier, Evenement
from clas.instruction import decisions
from clas.instruction.models import MotifRefus, Proposition, StatutProposition
from clas.instruction.permissions import capacites_agent
from tests.conftest import PERSONAS
from tests.outils import texte

BAREME = Decimal("4500.00")


def test_un_accord_prend_par_defaut_le_montant_du_bareme(decision_instruit, utilisateurs):
    proposition = decisions.proposer(decision_instruit, utilisateurs["instructeur"], "accord")

    assert proposition.montant == BAREME
    assert proposition.montant_bareme == BAREME
    assert proposition.statut == StatutProposition.EN_ATTENTE
    decision_instruit.refresh_from_db()
    assert decision_instruit.etat == EtatDossier.EN_INSTRUCTION
    evenement = Evenement.objects.get(dossier=decision_instruit, type="proposition")
    assert evenement.public is False
    assert evenement.description == "Proposition : accord de 4\xa0500,00\xa0€"


def test_jamais_plus_que_le_bareme(decision_instruit, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        decisions.proposer(
            decision_instruit, utilisateurs["instructeur"], "accord", montant=Decimal("4500.01")
        )

    assert "ne peut pas dépasser" in erreur.value.message_dict["montant"][0]
    assert not Proposition.objects.exists()


def test_un_montant_inferieur_demande_une_justification(decision_instruit, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        decisions.proposer(
            decision_instruit, utilisateurs["instructeur"], "accord", montant=Decimal("4000")
        )
    assert "justification_montant" in erreur.value.message_dict

    proposition = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "accord",
        montant=Decimal("4000"),
        justification_montant="Un collectif démarre en janvier.",
    )
    assert proposition.montant == Decimal("4000")
    assert proposition.montant_bareme == BAREME


def test_un_accord_a_zero_est_refuse(decision_instruit, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        decisions.proposer(
            decision_instruit,
            utilisateurs["instructeur"],
            "accord",
            montant=Decimal("0"),
            justification_montant="rien",
        )
    assert "montant" in erreur.value.message_dict


def test_depasser_l_enveloppe_demande_une_justification(decision_instruit, utilisateurs):
    campagne = decision_instruit.campagne
    campagne.enveloppe = Decimal("1000")
    campagne.save()

    with pytest.raises(ValidationError) as erreur:
        decisions.proposer(decision_instruit, utilisateurs["instructeur"], "accord")
    assert "justification_enveloppe" in erreur.value.message_dict

    proposition = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "accord",
        justification_enveloppe="Projet prioritaire du quartier, crédits redéployés.",
    )
    assert proposition.justification_enveloppe.startswith("Projet prioritaire")


def test_un_refus_demande_un_motif_et_un_texte(decision_instruit, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        decisions.proposer(decision_instruit, utilisateurs["instructeur"], "refus")
    assert set(erreur.value.message_dict) == {"motif_refus", "texte"}

    proposition = decisions.proposer(
        decision_instruit,
        utilisateurs["instructeur"],
        "refus",
        motif_refus=MotifRefus.INCOMPLET,
        texte="Le budget n'est pas équilibré.",
        montant=Decimal("100"),  # ignoré pour un refus
    )
    assert proposition.montant is None
    assert proposition.motif_refus == MotifRefus.INCOMPLET


def test_un_classement_sans_suite_demande_un_texte(decision_instruit, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        decisions.proposer(decision_instruit, utilisateurs["instructeur"], "sans_suite")
    assert set(erreur.value.message_dict) == {"texte"}

    proposition = decisions.proposer(
        decision_instruit, utilisateurs["instructeur"], "sans_suite", texte="Projet abandonné."
    )
    assert proposition.nature == "sans_suite"


def test_une_seule_proposition_en_attente(decision_proposition, utilisateurs):
    with pytest.raises(decisions.ActionImpossible, match="attend déjà"):
        decisions.proposer(
            decision_proposition.dossier, utilisateurs["instructeur"], "sans_suite", texte="x"
        )
    assert Proposition.objects.count() == 1


@pytest.mark.parametrize("persona", ["valideur", "comptable", "instructeur_autre_caf", "porteur"])
def test_seul_l_instructeur_attribue_propose(decision_instruit, utilisateurs, persona):
    with pytest.raises(PermissionDenied):
        decisions.proposer(decision_instruit, utilisateurs[persona], "accord")
    assert not Proposition.objects.exists()


def test_pas_de_proposition_hors_instruction(decision_instruit, utilisateurs):
    from clas.dossiers.etats import appliquer

    appliquer(decision_instruit, "demander_complements", utilisateurs["instructeur"])
    with pytest.raises(decisions.ActionImpossible, match="Compléments demandés"):
        decisions.proposer(decision_instruit, utilisateurs["instructeur"], "accord")


# --- Par la page ----------------------------------------------------------------------------


def _url(dossier) -> str:
    return f"/instruction/dossiers/{dossier.pk}/proposer/"


def test_proposer_par_le_formulaire(decision_instruit, instructeur):
    reponse = instructeur.post(
        _url(decision_instruit),
        {"nature": "accord", "montant": "4 000,00", "justification_montant": "Démarrage tardif."},
    )

    assert reponse.status_code == 302
    assert reponse["Location"] == f"/instruction/dossiers/{decision_instruit.pk}/#decision"
    assert Proposition.objects.get().montant == Decimal("4000.00")


def test_un_montant_trop_haut_revient_avec_l_erreur_et_la_saisie(decision_instruit, instructeur):
    reponse = instructeur.post(
        _url(decision_instruit),
        {"nature": "accord", "montant": "9999,99", "justification_enveloppe": "Ma justification"},
    )

    assert reponse.status_code == 400
    page = texte(reponse)
    assert 'id="proposition-montant-erreur"' in page
    assert "ne peut pas dépasser le résultat du barème" in page
    assert 'value="9999,99"' in page
    assert "Ma justification" in page
    assert not Proposition.objects.exists()


def test_un_refus_incomplet_revient_avec_les_erreurs(decision_instruit, instructeur):
    reponse = instructeur.post(
        _url(decision_instruit), {"nature": "refus", "motif_refus": "", "texte": ""}
    )

    assert reponse.status_code == 400
    page = texte(reponse)
    assert 'id="proposition-motif_refus-erreur"' in page
    assert 'id="proposition-texte-erreur"' in page
    assert 'id="nature-refus" name="nature" value="refus" checked' in page


def test_un_montant_illisible_est_signale(decision_instruit, instructeur):
    reponse = instructeur.post(_url(decision_instruit), {"nature": "accord", "montant": "beaucoup"})

    assert reponse.status_code == 400
    assert "Saisissez un montant en euros" in texte(reponse)


def test_une_seconde_proposition_donne_un_message_clair(decision_proposition, instructeur):
    reponse = instructeur.post(
        _url(decision_proposition.dossier), {"nature": "sans_suite", "texte": "x"}, follow=True
    )

    assert "attend déjà d'être validée" in texte(reponse)
    assert Proposition.objects.count() == 1


# Ce qu'obtient chaque persona en proposant sur un dossier de la Caf du Rhône.
ATTENDU_PROPOSER = {
    "anonyme": "connexion",
    "porteur": 404,
    "porteur_autre": 404,
    "instructeur": 302,
    "instructeur_autre_caf": 404,
    "valideur": 403,
    "comptable": 403,
    "national": 403,  # lecture seule
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_qui_peut_proposer(decision_instruit, client_de, persona):
    reponse = client_de(persona).post(_url(decision_instruit), {"nature": "accord"})

    attendu = ATTENDU_PROPOSER[persona]
    if attendu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")
    else:
        assert reponse.status_code == attendu
    assert Proposition.objects.exists() == (persona == "instructeur")


# --- Le partiel de la page de l'agent ---------------------------------------------------------


def _partiel(dossier, utilisateur, **autres) -> str:
    comparaison, resultat = decisions.calcul_du_dossier(dossier)
    proposition = Proposition.objects.filter(
        dossier=dossier, statut=StatutProposition.EN_ATTENTE
    ).first()
    requete = RequestFactory().get("/")
    requete.user = utilisateur
    return render_to_string(
        "instruction/_decision.html",
        {
            "dossier": dossier,
            "capacites": capacites_agent(dossier, utilisateur, proposition),
            "proposition": proposition,
            "comparaison": comparaison,
            "resultat": resultat,
            **autres,
        },
        request=requete,
    )


def test_le_formulaire_est_prerempli_avec_le_bareme(decision_instruit, utilisateurs):
    page = _partiel(decision_instruit, utilisateurs["instructeur"])

    assert 'id="form-proposer"' in page
    assert 'name="montant" value="4500,00"' in page
    for valeur in MotifRefus.values:
        assert f'<option value="{valeur}"' in page


def test_sans_le_droit_pas_de_formulaire(decision_instruit, utilisateurs):
    page = _partiel(decision_instruit, utilisateurs["valideur"])

    assert 'id="form-proposer"' not in page
    assert "Aucune proposition" in page
