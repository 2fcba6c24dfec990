"""Le compte bancaire de la Caf à quatre yeux : un valideur propose, un autre valideur ou un
comptable de la même Caf approuve ou refuse ; d'ici là, les lots partent de l'ancien
compte ; l'historique nomme les deux personnes et masque les comptes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clas.comptes.models import AgentCaf, Utilisateur
from clas.core.exceptions import ActionImpossible
from clas.core.validators import iban_fr, masquer_iban
from clas.referentiel.models import (
    Caf,
    ChangementCompteCaf,
    EtatApprobation,
    EvenementCompteCaf,
)
from clas.versements import actions as paiements
from clas.versements import compte_caf
from clas.versements.models import EtatVersement
from tests.factories import AgentCafFactory
from tests.instruction.outils import creer_campagne
from tests.outils import texte

from .paiements_fabrique import BIC_CAF, IBAN_CAF, convention_signee, donner_un_compte

NOUVEL_IBAN = iban_fr("300040000100000000002")
NOUVEAU_BIC = "BNPAFRPPXXX"
A = EtatApprobation
PERSONAS = (
    "anonyme",
    "porteur",
    "porteur_autre",
    "instructeur",
    "instructeur_autre_caf",
    "valideur",
    "comptable",
    "national",
)


def _utilisateur(utilisateurs, persona):
    return AnonymousUser() if persona == "anonyme" else utilisateurs[persona]


def _proposer(caf, valideur, iban=NOUVEL_IBAN, bic=NOUVEAU_BIC, titulaire="Agence comptable"):
    return compte_caf.proposer_compte_caf(caf, valideur, titulaire, iban, bic)


@pytest.fixture
def avec_compte(caf_rhone) -> Caf:
    return donner_un_compte(caf_rhone)


@pytest.fixture
def second_valideur(caf_rhone):
    return AgentCafFactory(
        utilisateur__email="valideur2@rhone.exemple.fr",
        caf=caf_rhone,
        est_instructeur=False,
        est_valideur=True,
    ).utilisateur


# --- Les actions --------------------------------------------------------------------------


def test_un_compte_propose_ne_sert_qu_une_fois_approuve_par_un_comptable(avec_compte, utilisateurs):
    valideur, comptable = utilisateurs["valideur"], utilisateurs["comptable"]

    changement = _proposer(
        avec_compte,
        valideur,
        iban=" ".join(NOUVEL_IBAN[i : i + 4] for i in range(0, 27, 4)).lower(),
    )

    avec_compte.refresh_from_db()
    assert changement.etat == A.A_APPROUVER
    assert changement.iban == NOUVEL_IBAN and changement.ancien_iban == IBAN_CAF
    assert avec_compte.iban == IBAN_CAF  # rien n'a changé
    propose = EvenementCompteCaf.objects.get(type="compte_caf_propose")
    assert propose.auteur == valideur
    assert masquer_iban(IBAN_CAF) in propose.description
    assert NOUVEL_IBAN not in propose.description  # masqué

    caf = compte_caf.approuver_compte_caf(changement, comptable)

    caf.refresh_from_db()
    changement.refresh_from_db()
    assert (caf.titulaire_compte, caf.iban, caf.bic) == (
        "Agence comptable",
        NOUVEL_IBAN,
        NOUVEAU_BIC,
    )
    assert changement.etat == A.APPROUVEE and changement.examine_par == comptable
    approuve = EvenementCompteCaf.objects.get(type="compte_caf_approuve")
    assert approuve.auteur == comptable
    assert str(valideur) in approuve.description and str(comptable) in approuve.description
    assert approuve.etat_avant == A.A_APPROUVER and approuve.etat_apres == A.APPROUVEE
    assert NOUVEL_IBAN not in approuve.description and IBAN_CAF not in approuve.description


def test_un_autre_valideur_peut_approuver(avec_compte, utilisateurs, second_valideur):
    changement = _proposer(avec_compte, utilisateurs["valideur"])
    compte_caf.approuver_compte_caf(changement, second_valideur)
    avec_compte.refresh_from_db()
    assert avec_compte.iban == NOUVEL_IBAN


def test_l_auteur_n_approuve_pas_son_propre_compte_meme_s_il_est_aussi_comptable(
    avec_compte, utilisateurs
):
    AgentCaf.objects.filter(utilisateur=utilisateurs["valideur"]).update(est_comptable=True)
    valideur = Utilisateur.objects.get(pk=utilisateurs["valideur"].pk)  # sans cache d'agent
    changement = _proposer(avec_compte, valideur)

    with pytest.raises(ActionImpossible, match="un autre valideur ou un comptable"):
        compte_caf.approuver_compte_caf(changement, valideur)
    with pytest.raises(ActionImpossible, match="séparation des tâches"):
        compte_caf.refuser_compte_caf(changement, valideur, "Erreur")
    avec_compte.refresh_from_db()
    changement.refresh_from_db()
    assert avec_compte.iban == IBAN_CAF and changement.etat == A.A_APPROUVER


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("valideur", "comptable")])
def test_seuls_un_valideur_ou_un_comptable_de_la_caf_examinent(
    avec_compte, utilisateurs, second_valideur, persona
):
    changement = _proposer(avec_compte, second_valideur)
    with pytest.raises(PermissionDenied):
        compte_caf.approuver_compte_caf(changement, _utilisateur(utilisateurs, persona))
    with pytest.raises(PermissionDenied):
        compte_caf.refuser_compte_caf(changement, _utilisateur(utilisateurs, persona), "Non")
    changement.refresh_from_db()
    assert changement.etat == A.A_APPROUVER


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "valideur"])
def test_seul_un_valideur_de_la_caf_propose_un_compte(avec_compte, utilisateurs, persona):
    with pytest.raises(PermissionDenied):
        _proposer(avec_compte, _utilisateur(utilisateurs, persona))
    assert not ChangementCompteCaf.objects.exists()


def test_le_refus_exige_un_motif_et_garde_le_compte_en_vigueur(avec_compte, utilisateurs):
    changement = _proposer(avec_compte, utilisateurs["valideur"])
    with pytest.raises(ValidationError) as erreur:
        compte_caf.refuser_compte_caf(changement, utilisateurs["comptable"], "   ")
    assert "motif" in erreur.value.message_dict

    compte_caf.refuser_compte_caf(
        changement, utilisateurs["comptable"], "  L'IBAN ne correspond pas  au RIB. "
    )

    changement.refresh_from_db()
    avec_compte.refresh_from_db()
    assert changement.etat == A.REFUSEE
    assert changement.motif_refus == "L'IBAN ne correspond pas au RIB."
    assert avec_compte.iban == IBAN_CAF
    refus = EvenementCompteCaf.objects.get(type="compte_caf_refuse")
    assert refus.auteur == utilisateurs["comptable"]
    assert str(utilisateurs["valideur"]) in refus.description
    with pytest.raises(ActionImpossible, match="Refusée"):
        compte_caf.approuver_compte_caf(changement, utilisateurs["comptable"])


def test_une_nouvelle_proposition_remplace_celle_en_attente(avec_compte, utilisateurs):
    premiere = _proposer(avec_compte, utilisateurs["valideur"])
    autre = iban_fr("300040000100000000003")
    seconde = _proposer(avec_compte, utilisateurs["valideur"], iban=autre)

    premiere.refresh_from_db()
    assert premiere.etat == A.REMPLACEE
    assert seconde.etat == A.A_APPROUVER and seconde.iban == autre
    assert _proposer(avec_compte, utilisateurs["valideur"], iban=autre) == seconde
    # Revenir au compte en vigueur retire la proposition : rien à approuver.
    assert (
        _proposer(
            avec_compte,
            utilisateurs["valideur"],
            iban=IBAN_CAF,
            bic=BIC_CAF,
            titulaire=avec_compte.titulaire_compte,
        )
        is None
    )
    seconde.refresh_from_db()
    assert seconde.etat == A.REMPLACEE
    assert compte_caf.changement_en_attente(avec_compte) is None


def test_un_compte_invalide_est_refuse_avec_son_explication(caf_rhone, utilisateurs):
    with pytest.raises(ValidationError) as erreur:
        compte_caf.proposer_compte_caf(
            caf_rhone, utilisateurs["valideur"], "", "FR7630006000011234567890188", "XX"
        )
    assert "clé de contrôle incorrecte" in " ".join(erreur.value.message_dict["iban"])
    assert "BIC" in " ".join(erreur.value.message_dict["bic"])
    assert "titulaire" in " ".join(erreur.value.message_dict["titulaire_compte"])
    assert not ChangementCompteCaf.objects.exists()


def test_le_premier_compte_aussi_attend_son_approbation(caf_rhone, utilisateurs):
    changement = _proposer(caf_rhone, utilisateurs["valideur"])
    caf_rhone.refresh_from_db()
    assert not caf_rhone.a_un_compte
    compte_caf.approuver_compte_caf(changement, utilisateurs["comptable"])
    caf_rhone.refresh_from_db()
    assert caf_rhone.a_un_compte and caf_rhone.compte_modifie_par == utilisateurs["comptable"]


def test_tant_qu_il_n_est_pas_approuve_le_lot_part_de_l_ancien_compte(
    avec_compte, utilisateurs, monkeypatch
):
    from clas.bilans import regularisation

    monkeypatch.setattr(regularisation, "cloturer_si_termine", lambda c, a: False)
    campagne = creer_campagne(avec_compte, "2026-2027", cree_par=utilisateurs["valideur"])

    def valide():
        return convention_signee(
            avec_compte,
            utilisateurs["instructeur"],
            utilisateurs["valideur"],
            "2000.00",
            campagne=campagne,
            etat=EtatVersement.VALIDE,
        )

    valide()
    changement = _proposer(avec_compte, utilisateurs["valideur"])
    lot = paiements.creer_lot(avec_compte, utilisateurs["comptable"], timezone.localdate()).lot
    assert lot is not None and lot.iban_emetteur == IBAN_CAF

    compte_caf.approuver_compte_caf(changement, utilisateurs["comptable"])
    valide()
    avec_compte.refresh_from_db()
    lot = paiements.creer_lot(avec_compte, utilisateurs["comptable"], timezone.localdate()).lot
    assert lot is not None and lot.iban_emetteur == NOUVEL_IBAN


# --- Les pages ----------------------------------------------------------------------------

CONNEXION = 302
NON_AGENTS = {"anonyme": CONNEXION, "porteur": 403, "porteur_autre": 403, "national": 403}


@pytest.mark.parametrize(
    ("persona", "statut"),
    list(
        {
            **NON_AGENTS,
            "instructeur": 200,
            "instructeur_autre_caf": 200,
            "valideur": 200,
            "comptable": 200,
        }.items()
    ),
)
def test_qui_lit_le_compte_et_la_proposition(
    client_de, avec_compte, utilisateurs, second_valideur, persona, statut
):
    _proposer(avec_compte, second_valideur)
    reponse = client_de(persona).get(reverse("caf_compte_bancaire"))
    assert reponse.status_code == statut
    if statut != 200:
        return
    page = texte(reponse)
    assert ("Proposer ce compte" in page) == (persona == "valideur")
    assert ("Approuver ce compte" in page) == (persona in ("valideur", "comptable"))
    # L'agent d'une autre Caf voit la sienne, sans compte ni proposition du Rhône.
    assert ("Nouveau compte à approuver" in page) == (persona != "instructeur_autre_caf")
    assert (IBAN_CAF[-4:] in page) == (persona != "instructeur_autre_caf")


@pytest.mark.parametrize(
    ("persona", "statut"),
    list(
        {
            **NON_AGENTS,
            "instructeur": 403,
            "instructeur_autre_caf": 403,
            "valideur": 302,
            "comptable": 403,
        }.items()
    ),
)
def test_seul_le_valideur_propose_un_compte_par_la_page(
    client_de, avec_compte, utilisateurs, persona, statut
):
    reponse = client_de(persona).post(
        reverse("caf_compte_bancaire"),
        {"titulaire_compte": "Caf du Rhône", "iban": NOUVEL_IBAN, "bic": NOUVEAU_BIC},
    )
    assert reponse.status_code == statut
    avec_compte.refresh_from_db()
    assert avec_compte.iban == IBAN_CAF  # jamais appliqué directement
    assert ChangementCompteCaf.objects.filter(iban=NOUVEL_IBAN).exists() == (persona == "valideur")


@pytest.mark.parametrize(
    ("persona", "statut"),
    list(
        {
            **NON_AGENTS,
            "instructeur": 403,
            "instructeur_autre_caf": 404,
            "valideur": 302,
            "comptable": 302,
        }.items()
    ),
)
def test_qui_approuve_par_la_page(
    client_de, avec_compte, utilisateurs, second_valideur, persona, statut
):
    changement = _proposer(avec_compte, second_valideur)
    reponse = client_de(persona).post(reverse("caf_compte_approuver", args=[changement.pk]))
    assert reponse.status_code == statut
    avec_compte.refresh_from_db()
    assert (avec_compte.iban == NOUVEL_IBAN) == (persona in ("valideur", "comptable"))


def test_l_auteur_qui_approuve_par_la_page_lit_pourquoi_c_est_refuse(avec_compte, utilisateurs):
    client = Client()
    client.force_login(utilisateurs["valideur"])
    changement = _proposer(avec_compte, utilisateurs["valideur"])
    reponse = client.post(reverse("caf_compte_approuver", args=[changement.pk]), follow=True)
    assert "séparation des tâches" in texte(reponse)
    assert "Approuver ce compte" not in texte(reponse)
    avec_compte.refresh_from_db()
    assert avec_compte.iban == IBAN_CAF


@pytest.mark.parametrize(
    ("persona", "statut"),
    list(
        {
            **NON_AGENTS,
            "instructeur": 403,
            "instructeur_autre_caf": 404,
            "valideur": 302,
            "comptable": 302,
        }.items()
    ),
)
def test_qui_refuse_par_la_page(
    client_de, avec_compte, utilisateurs, second_valideur, persona, statut
):
    changement = _proposer(avec_compte, second_valideur)
    reponse = client_de(persona).post(
        reverse("caf_compte_refuser", args=[changement.pk]), {"motif": "RIB illisible"}
    )
    assert reponse.status_code == statut
    changement.refresh_from_db()
    assert (changement.etat == A.REFUSEE) == (persona in ("valideur", "comptable"))


def test_un_compte_mal_saisi_puis_corrige_est_propose_puis_approuve(
    valideur, comptable, avec_compte, utilisateurs
):
    reponse = valideur.post(
        reverse("caf_compte_bancaire"),
        {
            "titulaire_compte": "Caf du Rhône",
            "iban": "FR76 3000 6000 0112 3456 7890 188",
            "bic": "BDFEFRPP",
        },
    )
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "clé de contrôle incorrecte" in page
    assert "FR76 3000 6000 0112 3456 7890 188" in page or "FR7630006000011234567890188" in page
    assert "Caf du Rhône" in page
    assert not ChangementCompteCaf.objects.exists()

    reponse = valideur.post(
        reverse("caf_compte_bancaire"),
        {"titulaire_compte": "Caf du Rhône", "iban": NOUVEL_IBAN, "bic": NOUVEAU_BIC},
        follow=True,
    )
    page = texte(reponse)
    assert "Nouveau compte proposé" in page
    assert "Nouveau compte à approuver" in page
    assert "Vous avez proposé ce compte" in page
    avec_compte.refresh_from_db()
    assert avec_compte.iban == IBAN_CAF

    changement = ChangementCompteCaf.objects.get()
    reponse = comptable.post(reverse("caf_compte_approuver", args=[changement.pk]), follow=True)
    page = texte(reponse)
    assert "Compte approuvé" in page
    assert "Compte bancaire de la Caf approuvé" in page  # l'historique
    assert "Nouveau compte à approuver" not in page
    avec_compte.refresh_from_db()
    assert avec_compte.iban == NOUVEL_IBAN


def test_un_refus_sans_motif_puis_avec_motif(valideur, comptable, avec_compte, utilisateurs):
    changement = _proposer(avec_compte, utilisateurs["valideur"])
    reponse = comptable.post(reverse("caf_compte_refuser", args=[changement.pk]), {"motif": ""})
    assert reponse.status_code == 400
    assert "Indiquez le motif du refus" in texte(reponse)
    changement.refresh_from_db()
    assert changement.etat == A.A_APPROUVER

    reponse = comptable.post(
        reverse("caf_compte_refuser", args=[changement.pk]),
        {"motif": "Le titulaire n'est pas l'agence comptable"},
        follow=True,
    )
    page = texte(reponse)
    assert "Compte refusé" in page
    assert "Le titulaire n'est pas l'agence comptable" in page  # l'historique
    changement.refresh_from_db()
    assert changement.etat == A.REFUSEE


def test_la_page_des_paiements_signale_le_compte_a_approuver(comptable, avec_compte, utilisateurs):
    assert "nouveau compte à approuver" not in texte(comptable.get(reverse("paiements_accueil")))
    _proposer(avec_compte, utilisateurs["valideur"])
    assert "nouveau compte à approuver" in texte(comptable.get(reverse("paiements_accueil")))
