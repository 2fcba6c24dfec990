"""La page d'un dossier côté Caf, organisée : un résumé (état, montants, prochaine action,
rubriques) en haut, puis les rubriques dans l'ordre du travail ; la décision à un clic."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clas.instruction.decisions import valider
from tests.outils import texte

pytestmark = pytest.mark.django_db

RUBRIQUES = ("dossier", "calcul", "decision", "echanges", "historique-complet")


def _page(client, dossier) -> str:
    reponse = client.get(reverse("instruction_dossier", args=[dossier.pk]))
    assert reponse.status_code == 200
    return texte(reponse)


def _resume(page: str) -> str:
    debut = page.index('id="resume"')
    return page[debut : page.index("</nav>", debut)]


def _action(page: str) -> tuple[str, str] | None:
    trouve = re.search(r'href="#([\w-]+)" id="prochaine-action">([^<]+)</a>', page)
    return (trouve.group(1), trouve.group(2)) if trouve else None


def test_les_rubriques_viennent_dans_l_ordre_et_le_resume_y_mene(
    instructeur, decision_instruit
) -> None:
    page = _page(instructeur, decision_instruit)
    positions = [page.index(f'id="{ancre}"') for ancre in RUBRIQUES]
    assert positions == sorted(positions)
    # Le résumé vient avant tout le reste, et le contenu du dossier avant le calcul.
    assert (
        page.index('id="resume"') < positions[0] < page.index('id="contenu-dossier"') < positions[1]
    )
    resume = _resume(page)
    for ancre in RUBRIQUES:
        assert f'href="#{ancre}"' in resume
    # Pas encore de décision : pas de rubrique « Après la décision ».
    assert 'href="#apres-decision"' not in resume and 'id="apres-decision"' not in page


def test_l_instructeur_attribue_propose_la_decision_depuis_le_resume(
    instructeur, decision_instruit
) -> None:
    page = _page(instructeur, decision_instruit)
    resume = _resume(page)
    assert "En instruction" in resume and decision_instruit.numero in resume
    assert "Demandé" in resume and "Barème retenu" in resume
    assert "4\u00a0500,00\u00a0€" in resume
    assert _action(page) == ("decision", "Proposer une décision")
    assert 'id="form-proposer"' in page


def test_sans_instructeur_on_prend_le_dossier_depuis_le_resume(instructeur, dossier_depose) -> None:
    page = _page(instructeur, dossier_depose)
    resume = _resume(page)
    assert 'id="form-prendre"' in resume and "Prendre le dossier" in resume
    assert page.count('id="form-prendre"') == 1

    reponse = instructeur.post(
        reverse("instruction_prendre", args=[dossier_depose.pk]), {"instructeur_vu": ""}
    )
    assert reponse.status_code == 302
    dossier_depose.refresh_from_db()
    assert dossier_depose.instructeur is not None
    assert _action(_page(instructeur, dossier_depose)) == ("decision", "Proposer une décision")


def test_le_valideur_voit_le_montant_propose_et_va_valider(
    valideur, instructeur, decision_proposition, decision_instruit
) -> None:
    page = _page(valideur, decision_instruit)
    resume = _resume(page)
    assert "Proposé" in resume and "Proposition à valider" in resume
    assert _action(page) == ("decision", "Valider ou renvoyer la proposition")
    assert 'id="form-valider"' in page
    # L'auteur de la proposition ne valide pas : il voit seulement où elle en est.
    assert _action(_page(instructeur, decision_instruit)) == (
        "decision",
        "Voir la proposition en attente",
    )


def test_apres_l_accord_le_resume_montre_le_montant_decide_et_la_suite(
    valideur,
    utilisateurs,
    decision_proposition,
    decision_instruit,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        valider(decision_proposition, utilisateurs["valideur"])
    page = _page(valideur, decision_instruit)
    resume = _resume(page)
    assert "Décidé" in resume and "4\u00a0500,00\u00a0€" in resume
    assert 'href="#apres-decision"' in resume
    assert _action(page) == ("apres-decision", "Convention, versements et bilan")
    assert page.index('id="historique-complet"') < page.index('id="apres-decision"')
    assert page.index('id="apres-decision"') < page.index('id="convention"')


def test_un_agent_d_une_autre_caf_ne_voit_pas_le_resume(
    instructeur_autre_caf, decision_instruit
) -> None:
    reponse = instructeur_autre_caf.get(reverse("instruction_dossier", args=[decision_instruit.pk]))
    assert reponse.status_code == 404
