"""L'équipe d'une Caf (clas/comptes/equipes.py) : qui gère quoi, l'invitation, les rôles, la
désactivation et la réactivation, chaque changement au journal."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from clas.comptes import equipes
from clas.comptes.models import AgentCaf, EvenementAgent, Utilisateur
from tests.factories import MOT_DE_PASSE, AgentCafFactory

pytestmark = pytest.mark.django_db


def _authentifie(email: str, mot_de_passe: str) -> bool:
    """Le mot de passe est-il accepté (par les moteurs du site, django-axes compris) ?"""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    return (
        authenticate(RequestFactory().post("/connexion/"), username=email, password=mot_de_passe)
        is not None
    )


T = EvenementAgent.Type


def agent(utilisateurs, persona: str) -> AgentCaf:
    return AgentCaf.objects.get(utilisateur=utilisateurs[persona])


def test_un_agent_peut_n_avoir_que_le_role_de_responsable(caf_rhone) -> None:
    seul = AgentCafFactory(caf=caf_rhone, est_instructeur=False, est_responsable=True)

    seul.full_clean()
    assert seul.roles == ["responsable"]


def test_un_agent_sans_aucun_role_est_refuse_par_la_base(caf_rhone) -> None:
    with pytest.raises(ValidationError, match="au moins un rôle"):
        AgentCafFactory.build(caf=caf_rhone, est_instructeur=False).full_clean()


@pytest.mark.parametrize(
    ("persona", "gere"),
    [
        ("porteur", False),
        ("instructeur", False),
        ("valideur", False),
        ("instructeur_autre_caf", False),
        ("national", True),
    ],
)
def test_seuls_le_national_et_le_responsable_gerent_l_equipe(
    utilisateurs, utilisateur_responsable, caf_rhone, caf_somme, persona, gere
) -> None:
    assert equipes.peut_gerer_equipe(utilisateurs[persona], caf_rhone.pk) is gere
    assert equipes.peut_gerer_equipe(utilisateur_responsable, caf_rhone.pk)
    assert not equipes.peut_gerer_equipe(utilisateur_responsable, caf_somme.pk)


def test_le_responsable_invite_un_agent_de_sa_caf_sans_mot_de_passe(
    utilisateur_responsable, caf_rhone
) -> None:
    nouveau = equipes.inviter(
        caf_rhone.pk,
        " Paul.Durand@Caf69.fr ",
        "Paul",
        "Durand",
        {"est_instructeur", "est_valideur"},
        utilisateur_responsable,
    )

    assert nouveau.utilisateur.email == "paul.durand@caf69.fr"
    assert nouveau.caf_id == caf_rhone.pk
    assert nouveau.roles == ["instructeur", "valideur"]
    assert nouveau.invitation_en_attente
    assert not nouveau.utilisateur.has_usable_password()
    evenement = EvenementAgent.objects.get(agent=nouveau)
    assert evenement.type == T.INVITATION
    assert evenement.auteur == utilisateur_responsable
    assert evenement.roles_apres == "instructeur, valideur"


def test_le_responsable_n_invite_pas_dans_une_autre_caf(utilisateur_responsable, caf_somme) -> None:
    with pytest.raises(PermissionDenied):
        equipes.inviter(
            caf_somme.pk, "x@caf80.fr", "X", "Y", {"est_instructeur"}, utilisateur_responsable
        )
    assert not Utilisateur.objects.filter(email="x@caf80.fr").exists()


def test_un_instructeur_n_invite_personne(utilisateurs, caf_rhone) -> None:
    with pytest.raises(PermissionDenied):
        equipes.inviter(
            caf_rhone.pk, "x@caf69.fr", "X", "Y", {"est_instructeur"}, utilisateurs["instructeur"]
        )


def test_seul_le_national_nomme_un_responsable(utilisateurs, utilisateur_responsable, caf_rhone):
    with pytest.raises(ValidationError, match="administration nationale"):
        equipes.inviter(
            caf_rhone.pk, "r@caf69.fr", "R", "S", {"est_responsable"}, utilisateur_responsable
        )

    nomme = equipes.inviter(
        caf_rhone.pk, "r@caf69.fr", "R", "S", {"est_responsable"}, utilisateurs["national"]
    )
    assert nomme.est_responsable


def test_une_adresse_qui_a_deja_un_compte_est_refusee(utilisateurs, caf_rhone) -> None:
    with pytest.raises(ValidationError) as erreur:
        equipes.inviter(
            caf_rhone.pk,
            "porteur.a@exemple.fr",
            "P",
            "A",
            {"est_instructeur"},
            utilisateurs["national"],
        )
    assert "déjà un compte" in erreur.value.message_dict["email"][0]


def test_sans_role_l_invitation_est_refusee(utilisateurs, caf_rhone) -> None:
    with pytest.raises(ValidationError, match="au moins un rôle"):
        equipes.inviter(caf_rhone.pk, "x@caf69.fr", "X", "Y", set(), utilisateurs["national"])


def test_changer_les_roles_est_journalise_avec_avant_et_apres(
    utilisateurs, utilisateur_responsable
) -> None:
    valideur = agent(utilisateurs, "valideur")

    assert equipes.changer_roles(
        valideur, {"est_valideur", "est_comptable"}, utilisateur_responsable
    )

    valideur.refresh_from_db()
    assert valideur.roles == ["valideur", "comptable"]
    evenement = EvenementAgent.objects.get(agent=valideur)
    assert (evenement.type, evenement.roles_avant, evenement.roles_apres) == (
        T.ROLES_CHANGES,
        "valideur",
        "valideur, comptable",
    )


def test_des_roles_inchanges_ne_s_ecrivent_pas_au_journal(utilisateurs) -> None:
    valideur = agent(utilisateurs, "valideur")

    assert not equipes.changer_roles(valideur, {"est_valideur"}, utilisateurs["national"])
    assert not EvenementAgent.objects.exists()


def test_le_responsable_ne_touche_ni_a_lui_meme_ni_a_un_autre_responsable(
    utilisateurs, utilisateur_responsable, caf_rhone
) -> None:
    lui = AgentCaf.objects.get(utilisateur=utilisateur_responsable)
    autre = AgentCafFactory(caf=caf_rhone, est_instructeur=False, est_responsable=True)

    for cible in (lui, autre):
        droits = equipes.capacites_equipe(utilisateur_responsable, cible)
        assert not droits["modifier_roles"] and not droits["desactiver"]
        with pytest.raises(PermissionDenied):
            equipes.desactiver(cible, utilisateur_responsable)
        with pytest.raises(PermissionDenied):
            equipes.changer_roles(cible, {"est_instructeur"}, utilisateur_responsable)
    assert equipes.capacites_equipe(utilisateurs["national"], autre)["desactiver"]


def test_le_responsable_d_une_autre_caf_ne_gere_pas_ses_agents(
    utilisateurs, utilisateur_responsable
) -> None:
    somme = agent(utilisateurs, "instructeur_autre_caf")

    assert not any(equipes.capacites_equipe(utilisateur_responsable, somme).values())
    with pytest.raises(PermissionDenied):
        equipes.desactiver(somme, utilisateur_responsable)


def test_un_agent_desactive_ne_se_connecte_plus_et_perd_sa_session(
    utilisateurs, utilisateur_responsable
) -> None:
    instructeur = agent(utilisateurs, "instructeur")
    client = Client()
    client.force_login(instructeur.utilisateur)
    assert client.get("/instruction/").status_code == 200

    equipes.desactiver(instructeur, utilisateur_responsable, "Départ de la Caf le 30/11/2026")

    instructeur.refresh_from_db()
    assert not instructeur.actif and not instructeur.utilisateur.is_active
    reponse = client.get("/instruction/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")
    assert not _authentifie(instructeur.utilisateur.email, MOT_DE_PASSE)
    evenement = EvenementAgent.objects.get(agent=instructeur)
    assert evenement.type == T.DESACTIVATION
    assert evenement.motif == "Départ de la Caf le 30/11/2026"


def test_un_agent_reactive_se_reconnecte_et_c_est_journalise(utilisateurs) -> None:
    national = utilisateurs["national"]
    instructeur = agent(utilisateurs, "instructeur")
    equipes.desactiver(instructeur, national, "Congé")

    with pytest.raises(PermissionDenied):
        equipes.desactiver(instructeur, national, "Deux fois")
    equipes.reactiver(instructeur, national)

    assert _authentifie(instructeur.utilisateur.email, MOT_DE_PASSE)
    assert list(
        EvenementAgent.objects.filter(agent=instructeur).values_list("type", flat=True)
    ) == [T.REACTIVATION, T.DESACTIVATION]


def test_le_menu_montre_l_equipe_au_seul_responsable(responsable, instructeur) -> None:
    menu = [lien.libelle for lien in responsable.get("/simulateur/").context["navigation"]]
    assert "Équipe" in menu
    menu = [lien.libelle for lien in instructeur.get("/simulateur/").context["navigation"]]
    assert "Équipe" not in menu
