"""Les paramètres d'une année déjà utilisée par une campagne ne changent qu'à quatre yeux :
un administrateur national propose, un autre approuve ou refuse ; l'historique nomme les
deux. Une année qu'aucune campagne n'utilise change directement (test_parametres.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clas.comptes.models import Utilisateur
from clas.core.exceptions import ActionImpossible
from clas.referentiel.actions import (
    annee_utilisee,
    approuver_parametres,
    modifier_parametres,
    proposer_parametres,
    refuser_parametres,
)
from clas.referentiel.models import (
    EtatApprobation,
    EvenementParametres,
    ModificationParametre,
    ParametresBareme,
    PropositionParametres,
)
from tests.factories import UtilisateurFactory
from tests.instruction.outils import creer_campagne
from tests.outils import formulaire_parametres, texte

pytestmark = pytest.mark.django_db

ANNEE = "2025-2026"
CHEMIN = f"/national/parametres/{ANNEE}/"
A = EtatApprobation


def annee() -> ParametresBareme:
    return ParametresBareme.objects.get(annee_scolaire=ANNEE)


@pytest.fixture
def utilisee(caf_rhone, utilisateurs):
    return creer_campagne(caf_rhone, ANNEE, cree_par=utilisateurs["valideur"])


@pytest.fixture
def national2() -> Utilisateur:
    return UtilisateurFactory(email="national2@exemple.fr", est_admin_national=True)


@pytest.fixture
def client_national2(national2) -> Client:
    client = Client()
    client.force_login(national2)
    return client


def _proposer(auteur, taux="0.35", motif="Circulaire Cnaf 2026-012"):
    parametres = annee()
    return proposer_parametres(
        parametres,
        parametres.valeurs() | {"taux": Decimal(taux)},
        parametres.sources,
        motif,
        auteur,
        parametres.updated_at.isoformat(),
    )


def test_une_annee_est_utilisee_des_qu_une_campagne_existe(caf_rhone, utilisateurs):
    assert not annee_utilisee(ANNEE)
    creer_campagne(caf_rhone, ANNEE, cree_par=utilisateurs["valideur"])
    assert annee_utilisee(ANNEE)
    assert not annee_utilisee("2026-2027")


def test_une_annee_utilisee_ne_se_modifie_pas_directement(utilisee, utilisateurs):
    parametres = annee()
    with pytest.raises(ActionImpossible, match="proposez la modification"):
        modifier_parametres(
            parametres,
            parametres.valeurs() | {"taux": Decimal("0.4")},
            parametres.sources,
            "motif",
            utilisateurs["national"],
            parametres.updated_at.isoformat(),
        )
    assert annee().taux == Decimal("0.3250")


def test_la_proposition_ne_s_applique_qu_approuvee_par_un_autre_national(
    utilisee, utilisateurs, national2
):
    national = utilisateurs["national"]
    proposition = _proposer(national)

    assert proposition is not None and proposition.etat == A.A_APPROUVER
    assert annee().taux == Decimal("0.3250")
    assert proposition.changements == [["taux", "0.3250", "0.35"]]
    with pytest.raises(ActionImpossible, match="séparation des tâches"):
        approuver_parametres(proposition, national)
    assert annee().taux == Decimal("0.3250")

    modifications = approuver_parametres(proposition, national2)

    assert annee().taux == Decimal("0.35")
    (modification,) = modifications
    modification = ModificationParametre.objects.get(pk=modification.pk)
    assert (modification.auteur, modification.approuve_par) == (national, national2)
    assert modification.proposition == proposition
    proposition.refresh_from_db()
    assert proposition.etat == A.APPROUVEE and proposition.examine_par == national2
    approuve = EvenementParametres.objects.get(type="parametres_approuves")
    assert str(national) in approuve.description and str(national2) in approuve.description


@pytest.mark.parametrize(
    "persona",
    ["porteur", "instructeur", "instructeur_autre_caf", "valideur", "comptable"],
)
def test_seul_le_national_propose_approuve_ou_refuse(utilisee, utilisateurs, persona):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _proposer(utilisateurs[persona])
    proposition = _proposer(utilisateurs["national"])
    with pytest.raises(PermissionDenied):
        approuver_parametres(proposition, utilisateurs[persona])
    with pytest.raises(PermissionDenied):
        refuser_parametres(proposition, utilisateurs[persona], "Non")
    assert annee().taux == Decimal("0.3250")


def test_une_nouvelle_proposition_remplace_celle_en_attente(utilisee, utilisateurs, national2):
    premiere = _proposer(utilisateurs["national"])
    seconde = _proposer(national2, taux="0.34")
    premiere.refresh_from_db()
    assert premiere.etat == A.REMPLACEE
    assert seconde.etat == A.A_APPROUVER
    assert PropositionParametres.objects.filter(etat=A.A_APPROUVER).count() == 1
    # Revenir aux valeurs en vigueur retire la proposition.
    assert _proposer(utilisateurs["national"], taux="0.325") is None
    seconde.refresh_from_db()
    assert seconde.etat == A.REMPLACEE


# --- Les pages ----------------------------------------------------------------------------


def test_le_national_propose_par_la_page_puis_un_autre_approuve(
    national, client_national2, utilisee, utilisateurs
):
    donnees = formulaire_parametres(ANNEE, motif="Circulaire Cnaf 2026-012")
    donnees["taux"] = "0.35"

    page = texte(national.post(CHEMIN, donnees, follow=True))

    assert "Modification proposée pour 2025-2026" in page
    assert "Modification à approuver" in page
    assert "Vous avez proposé cette modification" in page
    assert "Approuver cette modification" not in page
    assert annee().taux == Decimal("0.3250")

    page = texte(client_national2.get(CHEMIN))
    assert "Approuver cette modification" in page
    assert "0.3250 → " in page
    proposition = PropositionParametres.objects.get()
    reponse = client_national2.post(
        reverse("parametres_approuver", args=[ANNEE, proposition.pk]), follow=True
    )

    page = texte(reponse)
    assert "approuvée par" in page
    assert annee().taux == Decimal("0.35")
    assert "national@exemple.fr" in page and "approuvé par national2@exemple.fr" in page
    assert "Modification à approuver" not in page


def test_une_erreur_puis_sa_correction_sur_une_annee_utilisee(national, utilisee):
    donnees = formulaire_parametres(ANNEE, motif="")
    donnees["taux"] = "0.35"
    reponse = national.post(CHEMIN, donnees)
    assert reponse.status_code == 400
    assert not PropositionParametres.objects.exists()
    assert 'value="0.35"' in reponse.content.decode()

    donnees["motif"] = "Circulaire Cnaf 2026-012"
    reponse = national.post(CHEMIN, donnees, follow=True)
    assert reponse.redirect_chain == [(CHEMIN, 302)]
    assert PropositionParametres.objects.get().motif == "Circulaire Cnaf 2026-012"


def test_un_refus_sans_motif_puis_avec_motif(client_national2, utilisee, utilisateurs):
    proposition = _proposer(utilisateurs["national"])
    chemin = reverse("parametres_refuser", args=[ANNEE, proposition.pk])

    reponse = client_national2.post(chemin, {"motif_refus": " "})
    assert reponse.status_code == 400
    assert "Indiquez le motif du refus." in texte(reponse)

    page = texte(
        client_national2.post(chemin, {"motif_refus": "Pas le taux de la circulaire"}, follow=True)
    )
    assert "Proposition refusée" in page
    assert "Pas le taux de la circulaire" in page  # l'historique des propositions
    proposition.refresh_from_db()
    assert proposition.etat == A.REFUSEE
    assert annee().taux == Decimal("0.3250")


def test_l_auteur_qui_approuve_par_la_page_lit_pourquoi_c_est_refuse(
    national, utilisee, utilisateurs
):
    proposition = _proposer(utilisateurs["national"])
    page = texte(
        national.post(reverse("parametres_approuver", args=[ANNEE, proposition.pk]), follow=True)
    )
    assert "séparation des tâches" in page
    assert annee().taux == Decimal("0.3250")


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 403),
        ("instructeur", 403),
        ("instructeur_autre_caf", 403),
        ("valideur", 403),
        ("comptable", 403),
        ("national", 302),  # l'auteur : redirigé avec le refus, rien ne change
        ("national2", 302),
    ],
)
def test_qui_approuve_et_qui_refuse_par_la_page(
    client_de, client_national2, utilisee, utilisateurs, persona, statut
):
    client = client_national2 if persona == "national2" else client_de(persona)
    for action, donnees in (
        ("parametres_refuser", {"motif_refus": "Non"}),
        (
            "parametres_approuver",
            {},
        ),
    ):
        proposition = _proposer(utilisateurs["national"], taux="0.35")
        reponse = client.post(reverse(action, args=[ANNEE, proposition.pk]), donnees)
        assert reponse.status_code == statut
        proposition.refresh_from_db()
        agit = persona == "national2"
        attendu = (
            (A.REFUSEE if action == "parametres_refuser" else A.APPROUVEE)
            if agit
            else (A.A_APPROUVER)
        )
        assert proposition.etat == attendu
        if proposition.etat == A.A_APPROUVER:
            # Retirée pour le tour suivant : revenir aux valeurs en vigueur.
            _proposer(utilisateurs["national"], taux="0.325")
    assert (annee().taux == Decimal("0.35")) == (persona == "national2")


def test_la_proposition_en_attente_se_corrige_depuis_le_formulaire(
    national, utilisee, utilisateurs
):
    from tests.outils import champs

    _proposer(utilisateurs["national"], taux="0.35")
    valeurs = champs(national.get(CHEMIN))
    assert valeurs["taux"] == "0.35"  # le formulaire montre la proposition
    assert valeurs["motif"] == "Circulaire Cnaf 2026-012"
    valeurs.pop("csrfmiddlewaretoken", None)

    page = texte(national.post(CHEMIN, valeurs, follow=True))
    assert "attend déjà son approbation" in page
    assert PropositionParametres.objects.count() == 1

    valeurs["taux"] = "0.325"  # la valeur en vigueur
    page = texte(national.post(CHEMIN, valeurs, follow=True))
    assert "la proposition en attente est retirée" in page
    assert PropositionParametres.objects.get().etat == A.REMPLACEE
