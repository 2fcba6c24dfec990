"""Une décision n'est jamais recalculée en silence : modifier les paramètres du barème
après coup ne change ni son montant, ni ses paramètres, ni son résultat, ni sa lettre."""

from __future__ import annotations

import copy
from decimal import Decimal

from clas.instruction import decisions
from clas.instruction.models import Decision
from clas.referentiel.models import ParametresBareme
from tests.outils import texte


def test_modifier_les_parametres_ne_change_pas_la_decision(
    decision_proposition, utilisateurs, porteur, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.valider(decision_proposition, utilisateurs["valideur"])
    decision.refresh_from_db()
    avant = {
        "montant": decision.montant,
        "parametres": copy.deepcopy(decision.parametres),
        "resultat": copy.deepcopy(decision.resultat),
        "entree": copy.deepcopy(decision.entree_bareme),
        "lettre": decision.lettre.read(),
    }
    assert decision.parametres["taux"]["valeur"] == "0.325"

    parametres = ParametresBareme.objects.get(annee_scolaire="2026-2027")
    parametres.taux = Decimal("0.5")
    parametres.montant_max_collectif = Decimal("4000")
    parametres.bonus_projets_culturels = Decimal("900")
    parametres.save()

    apres = Decision.objects.get(pk=decision.pk)
    assert apres.montant == avant["montant"] == Decimal("4500.00")
    assert apres.parametres == avant["parametres"]
    assert apres.resultat == avant["resultat"]
    assert apres.entree_bareme == avant["entree"]
    reponse = porteur.get(f"/dossiers/{decision.dossier_id}/decision.pdf")
    assert b"".join(reponse.streaming_content) == avant["lettre"]
    page = texte(porteur.get(f"/dossiers/{decision.dossier_id}/"))
    for collectif in avant["resultat"]["collectifs"]:
        montant = Decimal(collectif["montant"])
        assert f"{montant:,.2f}".replace(",", "\xa0").replace(".", ",") in page
