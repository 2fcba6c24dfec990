"""Le tableau de bord (`/statistiques/`) : chaque chiffre est recalculé ici à partir des
lignes (dossiers, collectifs, décisions, versements, bilans, indus) et comparé ; un agent
ne voit que sa Caf, le national la nation ou la Caf qu'il choisit ; le nombre de requêtes
ne dépend pas du nombre de dossiers."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clas.bareme import formater_euros
from clas.bilans.models import EtatIndu, Indu, Remboursement
from clas.conventions.models import Convention
from clas.dossiers.models import Collectif, Dossier, EtatDossier
from clas.instruction.models import Decision, NatureDecision, Proposition, StatutProposition
from clas.statistiques.indicateurs import (
    Perimetre,
    annees_disponibles,
    delais,
    tableau_de_bord,
)
from clas.statistiques.views.tableau_de_bord import annee_par_defaut
from clas.versements.models import EtatVersement, Versement
from tests.instruction.outils import creer_campagne
from tests.outils import texte

from .fabrique import remplir

pytestmark = pytest.mark.django_db

URL = "/statistiques/"


@pytest.fixture
def donnees(caf_rhone, caf_somme, utilisateurs):
    """Le Rhône : deux années (la seconde deux fois plus fournie) ; la Somme : une année."""
    for caf, annee, fois in (
        (caf_rhone, "2024-2025", 1),
        (caf_rhone, "2025-2026", 2),
        (caf_somme, "2025-2026", 1),
    ):
        campagne = creer_campagne(
            caf, annee, enveloppe="20000.00", cree_par=utilisateurs["valideur"]
        )
        remplir(campagne, utilisateurs, fois)
    return utilisateurs


# --- Les chiffres attendus, recalculés ligne à ligne --------------------------------------


def _jour(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def attendu(caf, annee: str) -> dict[str, object]:
    def dans(campagne) -> bool:
        return campagne.annee_scolaire == annee and (caf is None or campagne.caf_id == caf.pk)

    dossiers = [
        d
        for d in Dossier.objects.select_related("campagne")
        if dans(d.campagne) and d.etat != EtatDossier.BROUILLON
    ]
    ids = {d.pk for d in dossiers}
    decisions = {d.dossier_id: d for d in Decision.objects.all() if d.dossier_id in ids}
    accords = {i for i, d in decisions.items() if d.nature == NatureDecision.ACCORD}
    collectifs = [c for c in Collectif.objects.all() if c.dossier_id in ids]
    conventions = [c for c in Convention.objects.select_related("dossier") if c.dossier_id in ids]
    versements = [v for v in Versement.objects.all() if v.convention.dossier_id in ids]
    indus = [i for i in Indu.objects.all() if i.convention.dossier_id in ids]
    aujourd_hui = timezone.localdate()
    premiers: dict[int, dt.date] = {}
    for v in versements:
        if v.etat == EtatVersement.PAYE:
            premiers[v.convention_id] = min(v.paye_le, premiers.get(v.convention_id, v.paye_le))
    jusqu_au_versement = sorted(
        (premiers[c.pk] - _jour(c.decision.decidee_le)).days
        for c in conventions
        if c.pk in premiers
    )
    jusqu_a_la_decision = sorted(
        (_jour(d.decidee_le) - _jour(d.dossier.depose_le)).days for d in decisions.values()
    )

    def decile(durees: list[int]) -> float | None:
        return float(durees[math.ceil(0.9 * len(durees)) - 1]) if durees else None

    bilans = Counter()
    for c in conventions:
        bilan = getattr(c, "bilan", None)
        if bilan and bilan.depose_le:
            bilans["a_temps" if _jour(bilan.depose_le) <= c.date_limite_bilan else "tard"] += 1
        elif c.date_limite_bilan < aujourd_hui:
            bilans["en_retard"] += 1
    ouverts = [i for i in indus if i.etat == EtatIndu.OUVERT]
    return {
        "dossiers_par_etat": dict(Counter(d.etat for d in dossiers)),
        "projets_finances": len(accords),
        "collectifs": len(collectifs),
        "enfants": sum(c.nb_enfants for c in collectifs),
        "collectifs_finances": sum(1 for c in collectifs if c.dossier_id in accords),
        "enfants_finances": sum(c.nb_enfants for c in collectifs if c.dossier_id in accords),
        "collectifs_culturels": sum(c.bonus_projets_culturels for c in collectifs),
        "collectifs_parents": sum(c.bonus_accompagnement_parents for c in collectifs),
        "collectifs_ruraux": sum(c.milieu_rural for c in collectifs),
        "montant_demande": sum((d.ps_demandee for d in dossiers), Decimal(0)),
        "montant_propose": sum(
            (
                p.montant
                for p in Proposition.objects.all()
                if p.dossier_id in ids
                and p.statut == StatutProposition.EN_ATTENTE
                and p.nature == NatureDecision.ACCORD
            ),
            Decimal(0),
        ),
        "montant_decide": sum((decisions[i].montant for i in accords), Decimal(0)),
        "montant_verse": sum(
            (v.montant for v in versements if v.etat == EtatVersement.PAYE), Decimal(0)
        ),
        "montant_recupere": sum(
            (r.montant for r in Remboursement.objects.all() if r.indu in indus), Decimal(0)
        ),
        "conventions_signees": sum(1 for c in conventions if c.signee_le),
        "bilans_a_temps": bilans["a_temps"],
        "bilans_deposes_en_retard": bilans["tard"],
        "bilans_en_retard": bilans["en_retard"],
        "indus_ouverts": len(ouverts),
        "montant_indus_ouverts": sum((i.montant for i in ouverts), Decimal(0)),
        "indus_en_retard": sum(1 for i in ouverts if i.echeance < aujourd_hui),
        "decision_mediane": (
            float(statistics.median(jusqu_a_la_decision)) if jusqu_a_la_decision else None
        ),
        "decision_decile": decile(jusqu_a_la_decision),
        "versement_mediane": (
            float(statistics.median(jusqu_au_versement)) if jusqu_au_versement else None
        ),
        "versement_decile": decile(jusqu_au_versement),
    }


def calcule(caf, annee: str) -> dict[str, object]:
    perimetre = Perimetre(caf)
    chiffres = tableau_de_bord(perimetre, annee, annees_disponibles(perimetre)).courante
    valeurs = {
        cle: getattr(chiffres, cle)
        for cle in (
            "dossiers_par_etat",
            "projets_finances",
            "collectifs",
            "enfants",
            "collectifs_finances",
            "enfants_finances",
            "collectifs_culturels",
            "collectifs_parents",
            "collectifs_ruraux",
            "montant_demande",
            "montant_propose",
            "montant_decide",
            "montant_verse",
            "montant_recupere",
            "conventions_signees",
            "bilans_a_temps",
            "bilans_deposes_en_retard",
            "bilans_en_retard",
            "indus_ouverts",
            "montant_indus_ouverts",
            "indus_en_retard",
        )
    }
    valeurs["decision_mediane"] = chiffres.delai_decision.mediane
    valeurs["decision_decile"] = chiffres.delai_decision.decile_9
    valeurs["versement_mediane"] = chiffres.delai_premier_versement.mediane
    valeurs["versement_decile"] = chiffres.delai_premier_versement.decile_9
    return valeurs


@pytest.mark.parametrize(
    ("departement", "annee"),
    [("69", "2025-2026"), ("69", "2024-2025"), ("80", "2025-2026"), (None, "2025-2026")],
)
def test_chaque_chiffre_est_celui_des_lignes(donnees, departement, annee) -> None:
    from clas.referentiel.models import Caf

    caf = Caf.objects.get(departement=departement) if departement else None
    assert calcule(caf, annee) == attendu(caf, annee)


def test_les_chiffres_du_jeu_de_donnees_sont_ceux_qu_on_attend(donnees, caf_rhone) -> None:
    """Un contrôle à la main de quelques chiffres (le Rhône en 2025-2026, deux fois le jeu)."""
    chiffres = calcule(caf_rhone, "2025-2026")
    assert chiffres["dossiers_par_etat"] == {
        "depose": 2,
        "en_instruction": 2,
        "refuse": 2,
        "accepte": 4,
    }
    assert chiffres["projets_finances"] == 4
    assert chiffres["montant_decide"] == Decimal("15000.00")
    assert chiffres["montant_propose"] == Decimal("3000.00")
    assert chiffres["montant_verse"] == Decimal("10500.00")
    assert chiffres["montant_recupere"] == Decimal("80.00")
    assert chiffres["bilans_a_temps"] == 2 and chiffres["bilans_en_retard"] == 2
    assert chiffres["indus_en_retard"] == 2


def test_la_comparaison_couvre_les_annees_precedentes_et_l_enveloppe(donnees, caf_rhone) -> None:
    perimetre = Perimetre(caf_rhone)
    tableau = tableau_de_bord(perimetre, "2025-2026", annees_disponibles(perimetre))
    assert [a.annee for a in tableau.annees] == ["2024-2025", "2025-2026"]
    courante = tableau.courante
    assert courante.enveloppe == Decimal("20000.00")
    # (15 000 décidés + 3 000 proposés) / 20 000
    assert courante.part_engagee == Decimal("90.0")
    # 2 collectifs ruraux sur 7, deux fois.
    assert courante.part_rurale == Decimal("28.6")


def test_la_mediane_et_le_neuvieme_decile() -> None:
    assert delais([]).mediane is None
    assert delais([5]).mediane == 5 and delais([5]).decile_9 == 5
    assert delais([1, 2, 3, 4]).mediane == 2.5
    # Le 9e décile au rang le plus proche : ceil(0,9 × 10) = 9e valeur.
    assert delais(range(1, 11)).decile_9 == 9
    assert delais(range(1, 12)).decile_9 == 10


# --- La page ---------------------------------------------------------------------------

PERMISSIONS = {
    "anonyme": "connexion",
    "porteur": 403,
    "porteur_autre": 403,
    "instructeur": 200,
    "instructeur_autre_caf": 200,
    "valideur": 200,
    "comptable": 200,
    "national": 200,
}


@pytest.mark.parametrize(("persona", "attendu_"), PERMISSIONS.items())
def test_qui_ouvre_le_tableau_de_bord(client_de, donnees, persona, attendu_) -> None:
    reponse = client_de(persona).get(URL)
    if attendu_ == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next={URL}"
    else:
        assert reponse.status_code == attendu_


def test_un_agent_ne_voit_que_sa_caf_meme_s_il_en_demande_une_autre(
    donnees, instructeur_autre_caf, caf_somme
) -> None:
    page = texte(instructeur_autre_caf.get(URL, {"caf": "069", "annee": "2025-2026"}))
    assert "Statistiques — Caf de la Somme" in page
    somme = calcule(caf_somme, "2025-2026")
    assert f"{somme['dossiers_par_etat']['accepte'] + 3} dossiers déposés" in page.replace(
        "\xa0", " "
    )
    assert formater_euros(somme["montant_decide"]) in page
    # Le Rhône a décidé 15 000,00 € en 2025-2026 : ce chiffre n'apparaît pas.
    assert formater_euros(Decimal("15000.00")) not in page


def test_le_national_voit_la_nation_puis_la_caf_qu_il_choisit(donnees, national, caf_rhone) -> None:
    page = texte(national.get(URL, {"annee": "2025-2026"}))
    assert "Statistiques nationales" in page
    assert formater_euros(Decimal("22500.00")) in page  # 15 000 (Rhône) + 7 500 (Somme)
    assert "Montant décidé par département en 2025-2026" in page
    page = texte(national.get(URL, {"annee": "2025-2026", "caf": caf_rhone.code}))
    assert "Statistiques — Caf du Rhône" in page
    assert "Montant décidé par département" not in page


def test_une_annee_ou_une_caf_inconnue_est_dite_sans_erreur(donnees, national, instructeur) -> None:
    page = texte(national.get(URL, {"annee": "1990-1991", "caf": "zzz"}))
    assert "Aucune campagne pour l'année « 1990-1991 » : voici l'année scolaire en cours." in page
    assert "La Caf « zzz » n'existe pas : voici les chiffres nationaux." in page
    assert instructeur.get(URL, {"annee": "<script>"}).status_code == 200


def test_sans_campagne_la_page_le_dit(national) -> None:
    page = texte(national.get(URL))
    assert "Aucune campagne d'appel à projets pour l'instant" in page


def test_les_graphiques_sont_des_images_accessibles_avec_leurs_donnees(donnees, national) -> None:
    page = texte(national.get(URL, {"annee": "2025-2026"}))
    for identifiant in (
        "graphique-montants",
        "graphique-etats",
        "graphique-delais",
        "graphique-departements",
    ):
        assert f'aria-labelledby="{identifiant}-titre {identifiant}-desc"' in page
        assert f'<title id="{identifiant}-titre">' in page
        assert f'<desc id="{identifiant}-desc">' in page
    assert page.count('role="img"') >= 4
    assert "Données du graphique : montants demandés, décidés, versés et récupérés" in page
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_les_montants_du_graphique_sont_ceux_des_lignes(donnees, caf_rhone) -> None:
    from clas.statistiques.views.tableau_de_bord import graphique_montants

    perimetre = Perimetre(caf_rhone)
    tableau = tableau_de_bord(perimetre, "2025-2026", annees_disponibles(perimetre))
    graphique = graphique_montants(tableau)
    assert graphique.entetes == ["Année scolaire", "Demandé", "Décidé", "Versé", "Récupéré"]
    for ligne, annee in zip(graphique.lignes, ["2024-2025", "2025-2026"], strict=True):
        chiffres = attendu(caf_rhone, annee)
        assert ligne == [
            annee,
            formater_euros(chiffres["montant_demande"]),
            formater_euros(chiffres["montant_decide"]),
            formater_euros(chiffres["montant_verse"]),
            formater_euros(chiffres["montant_recupere"]),
        ]


def _requetes(client, **parametres) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(URL, parametres).status_code == 200
    return len(requetes)


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_dossiers(
    caf_rhone, caf_somme, utilisateurs, national, instructeur
) -> None:
    campagnes = [
        creer_campagne(caf, annee, cree_par=utilisateurs["valideur"])
        for caf in (caf_rhone, caf_somme)
        for annee in ("2024-2025", "2025-2026")
    ]
    for campagne in campagnes:
        remplir(campagne, utilisateurs, 1)
    avant = (_requetes(national), _requetes(instructeur))
    for campagne in campagnes:
        remplir(campagne, utilisateurs, 3)
    assert (_requetes(national), _requetes(instructeur)) == avant
    # Douze agrégats (indicateurs.tableau_de_bord), la session, le compte, le menu.
    assert max(avant) <= 22


@pytest.mark.parametrize(
    ("disponibles", "attendue"),
    [
        (["2027-2028", "2026-2027", "2025-2026"], "2026-2027"),
        (["2027-2028", "2025-2026"], "2025-2026"),
        (["2027-2028"], "2027-2028"),
    ],
)
def test_l_annee_montree_d_abord_est_l_annee_scolaire_en_cours(disponibles, attendue) -> None:
    """Une campagne de l'an prochain tout juste ouverte n'a rien à montrer : la page s'ouvre
    sur l'année en cours (ou la plus récente d'avant)."""
    with time_machine.travel(dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC), tick=False):
        assert annee_par_defaut(disponibles) == attendue


# --- Les répartitions, la comparaison par état et les tableaux des graphiques -------------


def _repartition_attendue(caf, annee: str, cle) -> dict[str, tuple[int, int, Decimal]]:
    """{clé : (dossiers déposés, projets financés, montant décidé)}, ligne à ligne."""
    decisions = {d.dossier_id: d for d in Decision.objects.all()}
    lignes: dict[str, tuple[int, int, Decimal]] = {}
    for dossier in Dossier.objects.select_related("campagne__caf", "structure"):
        campagne = dossier.campagne
        if campagne.annee_scolaire != annee or dossier.etat == EtatDossier.BROUILLON:
            continue
        if caf is not None and campagne.caf_id != caf.pk:
            continue
        decision = decisions.get(dossier.pk)
        accord = decision is not None and decision.nature == NatureDecision.ACCORD
        nombre, finances, decide = lignes.get(cle(dossier), (0, 0, Decimal(0)))
        lignes[cle(dossier)] = (
            nombre + 1,
            finances + accord,
            decide + (decision.montant if accord else Decimal(0)),
        )
    return lignes


def _par_cle(repartition) -> dict[str, tuple[int, int, Decimal]]:
    return {r.cle: (r.dossiers, r.projets_finances, r.montant_decide) for r in repartition}


@pytest.mark.parametrize("departement", ["69", None])
def test_les_repartitions_par_type_et_par_departement_sont_celles_des_lignes(
    donnees, departement
) -> None:
    from clas.referentiel.models import Caf

    caf = Caf.objects.get(departement=departement) if departement else None
    perimetre = Perimetre(caf)
    tableau = tableau_de_bord(perimetre, "2025-2026", annees_disponibles(perimetre))
    par_type = _repartition_attendue(caf, "2025-2026", lambda d: d.structure.type_structure)
    assert _par_cle(tableau.par_type) == par_type and par_type
    if caf is None:
        par_departement = _repartition_attendue(
            None, "2025-2026", lambda d: d.campagne.caf.departement
        )
        assert _par_cle(tableau.par_departement) == par_departement
        assert set(par_departement) == {"69", "80"}
    else:
        assert tableau.par_departement == []  # la répartition par département est nationale


def test_la_comparaison_donne_les_dossiers_par_etat_de_chaque_annee(
    donnees, caf_rhone, instructeur
) -> None:
    from clas.statistiques.views.tableau_de_bord import comparaison

    perimetre = Perimetre(caf_rhone)
    tableau = tableau_de_bord(perimetre, "2025-2026", annees_disponibles(perimetre))
    groupes = dict(comparaison(tableau.annees))
    lignes = {ligne.libelle: ligne.valeurs for ligne in groupes["Dossiers déposés par état"]}
    etats = [etat for etat in EtatDossier if etat != EtatDossier.BROUILLON]
    assert list(lignes) == [str(etat.label) for etat in etats]
    for rang, annee in enumerate(["2024-2025", "2025-2026"]):
        par_etat = attendu(caf_rhone, annee)["dossiers_par_etat"]
        assert [lignes[str(etat.label)][rang] for etat in etats] == [
            str(par_etat.get(etat, 0)) for etat in etats
        ]
    page = texte(instructeur.get(URL, {"annee": "2025-2026"}))
    assert "Dossiers déposés par état" in page


def test_les_tableaux_des_graphiques_sont_ceux_des_lignes(donnees) -> None:
    from clas.statistiques.graphiques import entier, jours
    from clas.statistiques.views.tableau_de_bord import (
        graphique_delais,
        graphique_departements,
        graphique_etats,
    )

    perimetre = Perimetre()
    tableau = tableau_de_bord(perimetre, "2025-2026", annees_disponibles(perimetre))
    par_etat = attendu(None, "2025-2026")["dossiers_par_etat"]
    etats = [etat for etat in EtatDossier if etat != EtatDossier.BROUILLON]
    assert graphique_etats(tableau).lignes == [
        [str(etat.label), entier(par_etat.get(etat, 0))] for etat in etats
    ]

    def en_jours(valeur) -> str:
        return jours(valeur) if valeur else "—"

    lignes_delais = []
    for annee in [a.annee for a in tableau.annees]:
        chiffres = attendu(None, annee)
        lignes_delais.append(
            [annee, en_jours(chiffres["decision_mediane"]), en_jours(chiffres["decision_decile"])]
        )
    assert graphique_delais(tableau).lignes == lignes_delais

    par_departement = _repartition_attendue(None, "2025-2026", lambda d: d.campagne.caf.departement)
    graphique = graphique_departements(tableau)
    assert [ligne[2:] for ligne in graphique.lignes] == [
        [entier(par_departement[r.cle][0]), entier(par_departement[r.cle][1])]
        for r in tableau.par_departement
    ]
    assert [ligne[1] for ligne in graphique.lignes] == [
        formater_euros(par_departement[r.cle][2]) for r in tableau.par_departement
    ]
