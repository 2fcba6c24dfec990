"""L'enveloppe budgétaire d'une campagne : décidé, proposé, reste ; le dépassement ; son
affichage sur la page des files."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from clas.instruction.enveloppe import Situation, depasse_enveloppe, situation_enveloppe
from clas.instruction.models import NatureDecision, StatutProposition
from tests.outils import texte

from .outils import creer_campagne, creer_decision, creer_dossier, creer_proposition

pytestmark = pytest.mark.django_db

URL = "/instruction/"
D = Decimal


@pytest.fixture
def files_agents(utilisateurs, files_collegue):
    return utilisateurs["instructeur"], files_collegue, utilisateurs["valideur"]


@pytest.fixture
def files_engagements(campagne_rhone, files_agents, caf_rhone, utilisateurs):
    """Sur la campagne du Rhône (enveloppe 150 000 €) : 2 accords décidés (10 000 + 5 000),
    un refus et un classement sans suite décidés, une proposition d'accord en attente
    (3 000), une proposition de refus en attente, une proposition d'accord renvoyée (9 999),
    et, sur une autre campagne du Rhône, un accord décidé de 70 000 €."""
    instructeur, collegue, valideur = files_agents
    c = campagne_rhone
    creer_decision(creer_dossier(c), instructeur, valideur, "10000.00")
    creer_decision(creer_dossier(c), collegue, valideur, "5000.00")
    creer_decision(creer_dossier(c), instructeur, valideur, None, nature=NatureDecision.REFUS)
    creer_decision(creer_dossier(c), instructeur, valideur, None, nature=NatureDecision.SANS_SUITE)
    en_attente = creer_proposition(creer_dossier(c, etat="en_instruction"), instructeur, "3000")
    creer_proposition(
        creer_dossier(c, etat="en_instruction"), collegue, None, nature=NatureDecision.REFUS
    )
    creer_proposition(
        creer_dossier(c, etat="en_instruction"),
        collegue,
        "9999",
        statut=StatutProposition.RENVOYEE,
    )
    autre = creer_campagne(caf_rhone, "2025-2026", cree_par=utilisateurs["valideur"])
    creer_decision(creer_dossier(autre), instructeur, valideur, "70000.00")
    return {"en_attente": en_attente, "autre_campagne": autre}


def test_la_situation_compte_les_accords_decides_et_proposes_de_la_campagne(
    campagne_rhone, files_engagements
) -> None:
    situation = situation_enveloppe(campagne_rhone)
    assert situation.enveloppe == D("150000.00")
    assert situation.decide == D("15000.00")
    assert situation.propose == D("3000.00")
    assert situation.reste == D("132000.00")
    assert situation.engage == D("18000.00")
    assert situation.campagne == campagne_rhone
    assert not situation.depassee


def test_une_campagne_sans_rien_a_tout_son_reste(campagne_rhone) -> None:
    situation = situation_enveloppe(campagne_rhone)
    assert (situation.decide, situation.propose, situation.reste) == (
        D("0"),
        D("0"),
        D("150000.00"),
    )
    assert situation.part_engagee == 0


def test_l_autre_campagne_a_sa_propre_situation(files_engagements) -> None:
    situation = situation_enveloppe(files_engagements["autre_campagne"])
    assert situation.decide == D("70000.00")
    assert situation.propose == D("0")
    assert situation.reste == D("30000.00")


def test_une_proposition_validee_n_est_comptee_qu_une_fois(campagne_rhone, files_agents) -> None:
    instructeur, _, valideur = files_agents
    creer_decision(creer_dossier(campagne_rhone), instructeur, valideur, "4000")
    situation = situation_enveloppe(campagne_rhone)
    assert (situation.decide, situation.propose) == (D("4000.00"), D("0"))


def test_une_enveloppe_depassee_a_un_reste_negatif(campagne_rhone, files_agents) -> None:
    instructeur, _, valideur = files_agents
    creer_decision(creer_dossier(campagne_rhone), instructeur, valideur, "140000")
    creer_proposition(creer_dossier(campagne_rhone, etat="en_instruction"), instructeur, "20000")
    situation = situation_enveloppe(campagne_rhone)
    assert situation.reste == D("-10000.00")
    assert situation.depassee
    assert situation.depassement == D("10000.00")
    assert situation.part_decidee == 93
    assert situation.part_proposee == 7  # la barre ne dépasse jamais 100 %
    assert situation.part_engagee == 106


@pytest.mark.parametrize(
    ("montant", "depasse"),
    [("132000", False), ("132000.00", False), ("132000.01", True), (D("200000"), True), (0, False)],
)
def test_depasse_enveloppe_au_centime_pres(
    campagne_rhone, files_engagements, montant, depasse
) -> None:
    assert depasse_enveloppe(campagne_rhone, montant) is depasse


def test_depasse_enveloppe_ne_compte_pas_la_proposition_exclue(
    campagne_rhone, files_engagements
) -> None:
    proposition = files_engagements["en_attente"]
    # Sans la proposition de 3 000 €, il reste 135 000 €.
    assert depasse_enveloppe(campagne_rhone, "135000", proposition_exclue=proposition) is False
    assert depasse_enveloppe(campagne_rhone, "135000", proposition_exclue=proposition.pk) is False
    assert depasse_enveloppe(campagne_rhone, "135000") is True
    assert depasse_enveloppe(campagne_rhone, "135000.01", proposition_exclue=proposition) is True


def test_les_parts_d_une_enveloppe_nulle() -> None:
    vide = Situation(D("0"), D("0"), D("0"), D("0"))
    assert (vide.part_decidee, vide.part_proposee, vide.part_engagee) == (0, 0, 0)
    pleine = Situation(D("0"), D("10"), D("0"), D("-10"))
    assert pleine.part_proposee == 100 and pleine.depassee


def test_le_gabarit_partiel_s_affiche_seul(campagne_rhone, files_engagements) -> None:
    html = render_to_string(
        "instruction/_enveloppe.html", {"situation": situation_enveloppe(campagne_rhone)}
    )
    assert "Appel à projets Clas 2026-2027" in html
    assert "150\u00a0000,00\u00a0€" in html
    assert "15\u00a0000,00\u00a0€" in html
    assert "3\u00a0000,00\u00a0€" in html
    assert "132\u00a0000,00\u00a0€" in html
    assert 'width="10%"' in html  # décidé : 15 000 / 150 000
    assert 'x="10%" width="2%"' in html  # proposé : 3 000 / 150 000, après le décidé
    assert "dépassée" not in html


def test_le_gabarit_partiel_signale_le_depassement(campagne_rhone, files_agents) -> None:
    instructeur, _, valideur = files_agents
    creer_decision(creer_dossier(campagne_rhone), instructeur, valideur, "151000")
    html = render_to_string(
        "instruction/_enveloppe.html", {"situation": situation_enveloppe(campagne_rhone)}
    )
    assert "L'enveloppe est dépassée de 1\u00a0000,00\u00a0€" in html.replace("&#x27;", "'")


# --- Sur la page des files ---------------------------------------------------------------


def test_la_page_des_files_montre_l_enveloppe_de_la_campagne_en_cours(
    instructeur, campagne_rhone, files_engagements
) -> None:
    reponse = instructeur.get(URL)
    situations = reponse.context["situations"]
    # La campagne 2025-2026 est close et n'a plus de dossier à traiter : pas affichée.
    assert [s.campagne for s in situations] == [campagne_rhone]
    page = texte(reponse)
    assert "Enveloppe budgétaire" in page
    assert "132\u00a0000,00\u00a0€" in page


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable"])
def test_chaque_agent_voit_l_enveloppe_dans_chaque_file(
    client_de, persona, campagne_rhone, files_engagements
) -> None:
    for file in ("a_instruire", "en_instruction", "complements", "a_valider", "decides", "tous"):
        page = texte(client_de(persona).get(URL, {"file": file}))
        assert "132\u00a0000,00\u00a0€" in page, file


def test_la_campagne_choisie_montre_sa_propre_enveloppe(
    instructeur, campagne_rhone, files_engagements
) -> None:
    autre = files_engagements["autre_campagne"]
    reponse = instructeur.get(URL, {"campagne": autre.pk})
    assert [s.campagne for s in reponse.context["situations"]] == [autre]
    assert "30\u00a0000,00\u00a0€" in texte(reponse)


def test_une_campagne_close_avec_des_dossiers_a_traiter_reste_affichee(
    instructeur, campagne_rhone, caf_rhone, utilisateurs
) -> None:
    close = creer_campagne(caf_rhone, "2025-2026", cree_par=utilisateurs["valideur"])
    creer_dossier(close, etat="en_instruction")
    situations = instructeur.get(URL).context["situations"]
    assert {s.campagne for s in situations} == {campagne_rhone, close}


def test_sans_campagne_en_cours_la_plus_recente_est_affichee(
    instructeur, caf_rhone, utilisateurs
) -> None:
    for annee in ("2023-2024", "2024-2025"):
        creer_campagne(caf_rhone, annee, cree_par=utilisateurs["valideur"])
    situations = instructeur.get(URL).context["situations"]
    assert [s.campagne.annee_scolaire for s in situations] == ["2024-2025"]


def test_une_caf_sans_campagne_le_dit(instructeur) -> None:
    assert "Votre Caf n'a encore ouvert aucune campagne." in texte(instructeur.get(URL))


def test_l_enveloppe_d_une_autre_caf_n_est_jamais_montree(
    instructeur_autre_caf, campagne_rhone, files_engagements, files_campagne_somme
) -> None:
    reponse = instructeur_autre_caf.get(URL, {"campagne": campagne_rhone.pk})
    assert [s.campagne for s in reponse.context["situations"]] == [files_campagne_somme]
    assert "150\u00a0000,00\u00a0€" not in texte(reponse)
