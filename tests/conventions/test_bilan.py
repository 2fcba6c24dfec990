"""Le bilan côté cas d'usage : qui fait quoi, ce qui manque au dépôt, les listes et les
partiels en un nombre constant de requêtes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clas.bilans import actions as actions_bilan
from clas.bilans.models import Bilan, EtatBilan, Indu
from clas.bilans.permissions import capacites_bilan
from clas.conventions.models import Convention
from clas.dossiers.models import EtatDossier
from tests.conventions.bilan_fabrique import (  # noqa: F401
    deposer_complet,
    donnees_completes,
    enregistrer_complet,
    fixture_convention_signee,
)
from tests.instruction.outils import creer_decision, creer_dossier
from tests.outils import champs, rendre_section


def test_les_capacites_suivent_l_etat_du_bilan_et_le_role(
    convention_signee, utilisateurs, convention_contributeur
):
    dossier = convention_signee.dossier

    def droits(nom_ou_utilisateur, bilan=None):
        utilisateur = utilisateurs.get(nom_ou_utilisateur, nom_ou_utilisateur)
        return capacites_bilan(dossier, convention_signee, bilan, utilisateur)

    assert droits("porteur")["deposer"] and droits("porteur")["saisir"]
    assert droits(convention_contributeur)["saisir"]
    assert not droits(convention_contributeur)["deposer"]
    for agent in ("instructeur", "valideur", "comptable"):
        assert droits(agent)["voir_caf"] and not droits(agent)["saisir"]
    assert not droits("instructeur_autre_caf")["voir_caf"]
    depose = deposer_complet(convention_signee, utilisateurs["porteur"])
    assert not droits("porteur", depose)["saisir"]
    assert droits("instructeur", depose)["examiner"]
    assert droits("valideur", depose)["examiner"]
    assert not droits("comptable", depose)["examiner"]


def test_un_comptable_n_examine_pas_meme_en_appelant_l_action(convention_signee, utilisateurs):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    with pytest.raises(PermissionDenied):
        actions_bilan.accepter(convention_signee, utilisateurs["comptable"])
    with pytest.raises(PermissionDenied):
        actions_bilan.demander_corrections(convention_signee, utilisateurs["comptable"], "Non.")
    with pytest.raises(PermissionDenied):
        actions_bilan.accepter(convention_signee, utilisateurs["instructeur_autre_caf"])
    assert Bilan.objects.get().etat == EtatBilan.DEPOSE


def test_on_n_accepte_pas_un_bilan_en_brouillon(convention_signee, utilisateurs):
    enregistrer_complet(convention_signee, utilisateurs["porteur"])
    with pytest.raises(actions_bilan.ActionImpossible, match="seul un bilan déposé"):
        actions_bilan.accepter(convention_signee, utilisateurs["instructeur"])
    assert Bilan.objects.get().montant_definitif is None


def test_les_manques_sont_tous_listes_d_un_coup(convention_signee):
    donnees = donnees_completes(convention_signee)
    assert actions_bilan.manques(donnees) == []
    donnees.collectifs[0].nb_enfants = 0
    donnees.collectifs[0].premiere_semaine = None
    donnees.collectifs[1].intervenants = " "
    donnees.lignes = []
    donnees.evaluation_ecole = ""
    manques = actions_bilan.manques(donnees)
    ancres = [m.ancre for m in manques]
    c1, c2 = (c.collectif_id for c in donnees.collectifs)
    assert ancres == [
        f"id_collectif-{c1}-nb_enfants",
        f"id_collectif-{c1}-premiere_semaine",
        f"id_collectif-{c2}-intervenants",
        "id_compte-charge_60",
        "id_evaluation_ecole",
    ]
    assert manques[0].message.startswith(donnees.collectifs[0].nom)


def test_le_depot_refuse_un_bilan_incomplet_sans_rien_changer(convention_signee, utilisateurs):
    donnees = donnees_completes(convention_signee)
    donnees.actions_parents = ""
    actions_bilan.enregistrer(convention_signee, 0, utilisateurs["porteur"], donnees)
    with pytest.raises(actions_bilan.BilanIncomplet) as erreur:
        actions_bilan.deposer(convention_signee, utilisateurs["porteur"])
    assert [m.ancre for m in erreur.value.manques] == ["id_actions_parents"]
    assert Bilan.objects.get().etat == EtatBilan.BROUILLON


def test_un_bilan_cree_par_une_relance_reste_prerempli(porteur, convention_signee):
    Bilan.objects.create(convention=convention_signee)
    page = porteur.get(reverse("bilan_saisie", args=[convention_signee.dossier_id]))
    valeurs = champs(page)
    assert valeurs["version"] == "1"
    assert valeurs["compte-charge_64"] == "15 000,00"


def _conventions(campagne, utilisateurs, nombre: int) -> None:
    """Des conventions signées avec un bilan déposé, à moindre coût."""
    for _ in range(nombre):
        dossier = creer_dossier(campagne, etat=EtatDossier.ACCEPTE)
        decision = creer_decision(dossier, utilisateurs["instructeur"], utilisateurs["valideur"])
        convention = Convention.objects.create(
            dossier=dossier,
            decision=decision,
            montant_maximal=Decimal("1000.00"),
            taux_acompte=Decimal("0.70"),
            date_limite_bilan=dt.date(2027, 9, 30),
            signee_le=timezone.now(),
        )
        Bilan.objects.create(convention=convention, etat=EtatBilan.DEPOSE, depose_le=timezone.now())


def _requetes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def test_la_liste_des_bilans_a_un_nombre_constant_de_requetes(
    instructeur, campagne_rhone, utilisateurs
):
    _conventions(campagne_rhone, utilisateurs, 2)
    avant = _requetes(instructeur, reverse("bilans_caf"))
    _conventions(campagne_rhone, utilisateurs, 6)
    assert _requetes(instructeur, reverse("bilans_caf")) == avant
    page = instructeur.get(reverse("bilans_caf")).content.decode()
    assert "8 bilans" in page


def test_les_partiels_du_bilan_ont_au_plus_deux_requetes(convention_signee, utilisateurs):
    dossier = convention_signee.dossier
    for gabarit in ("bilans/_bilan_structure.html", "bilans/_bilan_caf.html"):
        with CaptureQueriesContext(connection) as requetes:
            html = rendre_section(gabarit, dossier, utilisateurs["instructeur"])
        assert len(requetes) <= 2
        assert "Bilan de fin d'année" in html
    dossier.etat = EtatDossier.EN_INSTRUCTION
    with CaptureQueriesContext(connection) as requetes:
        assert rendre_section("bilans/_bilan_caf.html", dossier).strip() == ""
    assert len(requetes) == 0


def test_la_page_du_dossier_propose_de_saisir_le_bilan(porteur, instructeur, convention_signee):
    detail = porteur.get(reverse("dossier_detail", args=[convention_signee.dossier_id]))
    page = detail.content.decode()
    assert "Saisir le bilan" in page
    assert "30/09/2027" in page
    assert reverse("bilan_saisie", args=[convention_signee.dossier_id]) in page
    caf = instructeur.get(reverse("instruction_dossier", args=[convention_signee.dossier_id]))
    assert reverse("bilan_examen", args=[convention_signee.dossier_id]) in caf.content.decode()


def test_une_page_ouverte_avant_une_relance_s_enregistre_quand_meme(
    porteur, convention_signee, utilisateurs
):
    donnees = donnees_completes(convention_signee)
    Bilan.objects.create(convention=convention_signee)  # la relance crée le bilan vide
    bilan = actions_bilan.enregistrer(convention_signee, 0, utilisateurs["porteur"], donnees)
    assert bilan.version == 2
    assert bilan.collectifs.count() == 2
    # Mais une fois le bilan enregistré, une page ouverte avant est périmée.
    with pytest.raises(actions_bilan.VersionPerimee):
        actions_bilan.enregistrer(convention_signee, 0, utilisateurs["porteur"], donnees)


def test_le_bilan_ne_s_accepte_pas_tant_qu_un_versement_est_en_route(
    regul_signee, utilisateurs, django_capture_on_commit_callbacks
):
    """L'acompte « à valider » : l'indu porterait sur de l'argent pas encore versé."""
    deposer_complet(regul_signee, utilisateurs["porteur"], fonctionnent=(True, False))
    with pytest.raises(actions_bilan.ActionImpossible, match="est « à valider »"):
        actions_bilan.accepter(regul_signee, utilisateurs["instructeur"])
    regul_signee.bilan.refresh_from_db()
    assert regul_signee.bilan.etat == EtatBilan.DEPOSE
    assert regul_signee.bilan.montant_definitif is None
    assert not Indu.objects.exists()
