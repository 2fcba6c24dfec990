"""La file se lit d'abord : les résultats avant les filtres (repliés sauf s'ils servent),
l'ancienneté et l'échéance des compléments, des en-têtes en clair, et le filtre des
compléments en retard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clas.dossiers.models import DemandeComplements, EtatDossier
from tests.instruction.outils import creer_campagne, creer_dossier
from tests.outils import texte

pytestmark = pytest.mark.django_db


@pytest.fixture
def campagne(caf_rhone, utilisateurs):
    return creer_campagne(caf_rhone, "2025-2026", cree_par=utilisateurs["valideur"])


def _complements(dossier, jours: int, agent) -> None:
    DemandeComplements.objects.create(
        dossier=dossier,
        etapes=["projet"],
        message="Le budget",
        echeance=timezone.localdate() + dt.timedelta(days=jours),
        demandee_par=agent,
    )


def test_les_resultats_viennent_avant_les_filtres_replies(instructeur, campagne) -> None:
    creer_dossier(campagne, depose_le=timezone.now() - dt.timedelta(days=12))
    page = texte(instructeur.get("/instruction/?file=a_instruire"))
    assert 'aria-controls="accordeon-filtres"' in page
    assert 'aria-expanded="false"' in page
    assert 'class="fr-collapse" id="accordeon-filtres"' in page
    # Le tableau défile dans son cadre (DSFR), les enveloppes viennent après.
    assert page.index('id="table-dossiers"') < page.index('id="titre-enveloppes"')
    assert '<div class="fr-table__wrapper">' in page and "fr-table--no-scroll" not in page
    for entete in ("Dossier", "Prestation demandée", "Ancienneté", "Échéance"):
        assert f">{entete}" in page
    assert "PS demandée" not in page
    assert "12 jours" in page


def test_un_dossier_depose_aujourd_hui_a_0_jour_d_anciennete(instructeur, campagne) -> None:
    creer_dossier(campagne, depose_le=timezone.now())
    page = texte(instructeur.get("/instruction/?file=a_instruire"))
    assert "0 jour<" in page.replace("</td>", "<")
    assert "0 jours" not in page


def test_des_filtres_appliques_gardent_l_accordeon_ouvert(instructeur, campagne) -> None:
    creer_dossier(campagne, commune="Lyon")
    page = texte(instructeur.get("/instruction/?file=a_instruire&commune=Lyon"))
    assert 'aria-expanded="true"' in page
    assert 'class="fr-collapse fr-collapse--expanded" id="accordeon-filtres"' in page
    assert "(1 filtre appliqué)" in page


def test_l_echeance_des_complements_et_le_filtre_en_retard(
    instructeur, campagne, utilisateurs
) -> None:
    agent = utilisateurs["instructeur"]
    en_retard = creer_dossier(campagne, etat=EtatDossier.COMPLEMENTS_DEMANDES)
    _complements(en_retard, -2, agent)
    a_temps = creer_dossier(campagne, etat=EtatDossier.COMPLEMENTS_DEMANDES)
    _complements(a_temps, 5, agent)
    # Une demande déjà satisfaite ne compte plus.
    repondue = creer_dossier(campagne, etat=EtatDossier.COMPLEMENTS_DEMANDES)
    _complements(repondue, -9, agent)
    DemandeComplements.objects.filter(dossier=repondue).update(repondue_le=timezone.now())

    reponse = instructeur.get("/instruction/?file=complements")
    page = texte(reponse)
    assert reponse.context["page"].paginator.count == 3
    echeance = (timezone.localdate() - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    assert echeance in page
    assert page.count(">En retard</span>") == 1

    reponse = instructeur.get("/instruction/?file=complements&en_retard=1")
    assert [d.pk for d in reponse.context["dossiers"]] == [en_retard.pk]
    assert reponse.context["compteurs"]["complements"] == 1
    assert 'id="filtre-en-retard" name="en_retard" value="1" checked' in texte(reponse)
