"""Fixtures des tests de l'instruction. Chaque équipe préfixe les siennes (`files_` pour les
files de travail et l'enveloppe) pour ne pas se marcher dessus."""

from __future__ import annotations

import pytest

from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.models import NatureDecision

from .outils import creer_campagne, creer_decision, creer_dossier, creer_proposition

E = EtatDossier


@pytest.fixture
def files_collegue(caf_rhone):
    """Un second instructeur de la Caf du Rhône."""
    from tests.factories import AgentCafFactory

    return AgentCafFactory(
        caf=caf_rhone,
        utilisateur__email="collegue@rhone.exemple.fr",
        utilisateur__prenom="Camille",
        utilisateur__nom="Collègue",
    ).utilisateur


@pytest.fixture
def files_campagne_somme(caf_somme, utilisateurs):
    return creer_campagne(
        caf_somme, "2026-2027", ouverte=True, cree_par=utilisateurs["instructeur_autre_caf"]
    )


@pytest.fixture
def files_jeu(
    campagne_rhone, files_campagne_somme, files_collegue, utilisateurs
) -> dict[str, Dossier]:
    """Un dossier du Rhône dans chaque file (nommés par leur structure), un brouillon, et un
    dossier de la Somme.

    | structure                 | état                 | instructeur | PS     | particularité     |
    |---------------------------|----------------------|-------------|--------|-------------------|
    | Déposé Lyon               | déposé               | —           | 1 000  | centre social     |
    | Mien Villeurbanne         | en instruction       | instructeur | 2 000  | rural, association|
    | Collègue Vénissieux       | en instruction       | collègue    | 3 000  | bonus culturel    |
    | Compléments Bron          | compléments demandés | instructeur | 4 000  | bonus parents     |
    | À valider Lyon            | en instruction       | instructeur | 5 000  | proposition 4 500 |
    | Accepté Givors            | accepté              | instructeur | 6 000  | accord 6 000      |
    | Refusé Givors             | refusé               | collègue    | 7 000  |                   |
    | Sans suite Tarare         | sans suite           | —           | —      |                   |
    """
    instructeur, valideur = utilisateurs["instructeur"], utilisateurs["valideur"]
    c = campagne_rhone
    jeu = {
        "Déposé Lyon": creer_dossier(
            c, nom="Déposé Lyon", commune="Lyon", ps_demandee="1000", type_structure="centre_social"
        ),
        "Mien Villeurbanne": creer_dossier(
            c,
            etat=E.EN_INSTRUCTION,
            nom="Mien Villeurbanne",
            commune="Villeurbanne",
            type_structure="association",
            instructeur=instructeur,
            ps_demandee="2000",
            collectifs=[{"milieu_rural": False}, {"milieu_rural": True}],
        ),
        "Collègue Vénissieux": creer_dossier(
            c,
            etat=E.EN_INSTRUCTION,
            nom="Collègue Vénissieux",
            commune="Vénissieux",
            instructeur=files_collegue,
            ps_demandee="3000",
            collectifs=[{"bonus_projets_culturels": True}],
        ),
        "Compléments Bron": creer_dossier(
            c,
            etat=E.COMPLEMENTS_DEMANDES,
            nom="Compléments Bron",
            commune="Bron",
            instructeur=instructeur,
            ps_demandee="4000",
            collectifs=[{"bonus_accompagnement_parents": True}],
        ),
        "À valider Lyon": creer_dossier(
            c,
            etat=E.EN_INSTRUCTION,
            nom="À valider Lyon",
            commune="Lyon",
            instructeur=instructeur,
            ps_demandee="5000",
        ),
        "Accepté Givors": creer_dossier(
            c, nom="Accepté Givors", commune="Givors", instructeur=instructeur, ps_demandee="6000"
        ),
        "Refusé Givors": creer_dossier(
            c, nom="Refusé Givors", commune="Givors", instructeur=files_collegue, ps_demandee="7000"
        ),
        "Sans suite Tarare": creer_dossier(
            c, nom="Sans suite Tarare", commune="Tarare", ps_demandee=None
        ),
    }
    creer_proposition(jeu["À valider Lyon"], instructeur, "4500")
    creer_decision(jeu["Accepté Givors"], instructeur, valideur, "6000")
    creer_decision(
        jeu["Refusé Givors"], files_collegue, valideur, None, nature=NatureDecision.REFUS
    )
    creer_decision(
        jeu["Sans suite Tarare"], instructeur, valideur, None, nature=NatureDecision.SANS_SUITE
    )
    brouillon = creer_dossier(c, etat=E.BROUILLON, nom="Brouillon Lyon")
    Dossier.objects.filter(pk=brouillon.pk).update(numero=None, depose_le=None)
    creer_dossier(
        files_campagne_somme, nom="Somme Abbeville", commune="Abbeville", ps_demandee="1500"
    )
    for dossier in jeu.values():
        dossier.refresh_from_db()
    return jeu


# --- La page d'un dossier côté Caf (préfixe `dossier_`) ------------------------------------


@pytest.fixture
def dossier_depose(structure_a, campagne_rhone, utilisateurs):
    """Le dossier complet de la structure A, déposé (2 collectifs de 10 enfants, 30
    semaines, bonus culturel ; dépenses 15 000 €, cofinancements 10 500 €)."""
    from clas.dossiers.actions import deposer
    from tests.dossiers.suivi_fabrique import dossier_complet

    dossier = dossier_complet(structure_a, campagne_rhone, utilisateurs["porteur"])
    deposer(dossier, utilisateurs["porteur"])
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def dossier_instruit(dossier_depose, utilisateurs):
    """Le même dossier, pris en instruction par le persona « instructeur »."""
    from clas.instruction.actions import prendre

    prendre(dossier_depose, utilisateurs["instructeur"])
    dossier_depose.refresh_from_db()
    return dossier_depose


@pytest.fixture
def dossier_collegue(caf_rhone):
    """Un second instructeur de la Caf du Rhône."""
    from tests.factories import AgentCafFactory

    return AgentCafFactory(
        caf=caf_rhone,
        utilisateur__email="collegue.dossier@rhone.exemple.fr",
        utilisateur__prenom="Dominique",
        utilisateur__nom="Reprise",
    ).utilisateur


# --- Proposition, validation, lettre de décision (préfixe `decision_`) ---------------------


@pytest.fixture
def decision_instruit(structure_a, campagne_rhone, utilisateurs):
    """Le dossier complet de la structure A, déposé puis pris en instruction par le persona
    « instructeur ». Barème : 4 500,00 € (plafonné au reste à charge 15 000 − 10 500)."""
    from clas.dossiers.actions import deposer
    from clas.instruction.actions import prendre
    from tests.dossiers.suivi_fabrique import dossier_complet

    dossier = dossier_complet(structure_a, campagne_rhone, utilisateurs["porteur"])
    deposer(dossier, utilisateurs["porteur"])
    prendre(dossier, utilisateurs["instructeur"])
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def decision_proposition(decision_instruit, utilisateurs):
    """Un accord au montant du barème (4 500,00 €), proposé par l'instructeur."""
    from clas.instruction.decisions import proposer

    return proposer(decision_instruit, utilisateurs["instructeur"], "accord")
