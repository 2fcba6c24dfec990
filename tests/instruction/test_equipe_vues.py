"""Les pages de l'équipe d'une Caf (`/equipes/…`) : qui les ouvre (tous les personas et le
responsable), les formulaires (erreur, correction, enregistrement, rechargement), le
nombre de requêtes, les dossiers ouverts d'un agent désactivé."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.comptes import equipes
from clas.comptes.models import AgentCaf, EvenementAgent
from clas.dossiers.models import EtatDossier
from tests.conftest import PERSONAS
from tests.factories import AgentCafFactory
from tests.outils import texte

from .outils import creer_campagne, creer_dossier

pytestmark = pytest.mark.django_db

E = EtatDossier
PERSONAS_EQUIPE = (*PERSONAS, "responsable")
GERENT = {"national", "responsable"}


def client(request, persona: str):
    return request.getfixturevalue(persona)


def agent_de(utilisateurs, persona: str) -> AgentCaf:
    return AgentCaf.objects.get(utilisateur=utilisateurs[persona])


def attendu(persona: str, succes: int) -> int | str:
    if persona == "anonyme":
        return "connexion"
    return succes if persona in GERENT else 403


def verifier(reponse, voulu: int | str) -> None:
    if voulu == "connexion":
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")
    else:
        assert reponse.status_code == voulu, reponse.content[:500]


# --- Qui ouvre quoi ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS_EQUIPE)
def test_qui_ouvre_la_liste_des_equipes(request, persona, utilisateur_responsable, caf_rhone):
    reponse = client(request, persona).get("/equipes/")

    if persona == "responsable":
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/equipes/{caf_rhone.pk}/"
    else:
        verifier(reponse, attendu(persona, 200))
    if reponse.status_code == 403:
        assert "responsable de l'équipe" in texte(reponse)


@pytest.mark.parametrize("page", ["", "inviter/"])
@pytest.mark.parametrize("persona", PERSONAS_EQUIPE)
def test_qui_ouvre_l_equipe_du_rhone(request, persona, page, utilisateur_responsable, caf_rhone):
    reponse = client(request, persona).get(f"/equipes/{caf_rhone.pk}/{page}")

    verifier(reponse, attendu(persona, 200))


def test_le_responsable_n_ouvre_pas_l_equipe_d_une_autre_caf(responsable, caf_somme) -> None:
    assert responsable.get(f"/equipes/{caf_somme.pk}/").status_code == 403
    assert responsable.get(f"/equipes/{caf_somme.pk}/inviter/").status_code == 403


def test_une_caf_inconnue_donne_404(national) -> None:
    assert national.get("/equipes/999999/").status_code == 404


@pytest.mark.parametrize("persona", PERSONAS_EQUIPE)
def test_qui_ouvre_la_fiche_d_un_agent(request, persona, utilisateurs, utilisateur_responsable):
    valideur = agent_de(utilisateurs, "valideur")

    reponse = client(request, persona).get(f"/equipes/agents/{valideur.pk}/")

    verifier(reponse, attendu(persona, 200))


ACTIONS = {
    "roles/": {"roles": ["est_valideur", "est_comptable"]},
    "desactiver/": {"motif": "Départ de la Caf"},
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("persona", PERSONAS_EQUIPE)
def test_qui_agit_sur_un_agent(request, persona, action, utilisateurs, utilisateur_responsable):
    valideur = agent_de(utilisateurs, "valideur")

    reponse = client(request, persona).post(
        f"/equipes/agents/{valideur.pk}/{action}", ACTIONS[action]
    )

    verifier(reponse, attendu(persona, 302))
    assert EvenementAgent.objects.filter(agent=valideur).exists() == (persona in GERENT)


@pytest.mark.parametrize("persona", PERSONAS_EQUIPE)
def test_qui_reactive_un_agent(request, persona, utilisateurs, utilisateur_responsable, caf_rhone):
    absent = AgentCafFactory(caf=caf_rhone)
    equipes.desactiver(absent, utilisateurs["national"], "Congé")

    reponse = client(request, persona).post(f"/equipes/agents/{absent.pk}/reactiver/")

    verifier(reponse, attendu(persona, 302))
    absent.refresh_from_db()
    assert absent.actif == (persona in GERENT)


@pytest.mark.parametrize("persona", PERSONAS_EQUIPE)
def test_qui_renvoie_une_invitation(
    request, persona, utilisateurs, utilisateur_responsable, caf_rhone
):
    invite = equipes.inviter(
        caf_rhone.pk, "paul@caf69.fr", "Paul", "D", {"est_instructeur"}, utilisateurs["national"]
    )

    reponse = client(request, persona).post(f"/equipes/agents/{invite.pk}/renvoyer-l-invitation/")

    verifier(reponse, attendu(persona, 302))


@pytest.mark.parametrize("url", ["roles/", "desactiver/", "reactiver/", "renvoyer-l-invitation/"])
def test_les_actions_refusent_get(national, utilisateurs, url) -> None:
    valideur = agent_de(utilisateurs, "valideur")
    assert national.get(f"/equipes/agents/{valideur.pk}/{url}").status_code == 405


def test_le_responsable_ne_voit_pas_les_boutons_sur_sa_propre_fiche(
    responsable, utilisateur_responsable
) -> None:
    lui = AgentCaf.objects.get(utilisateur=utilisateur_responsable)

    page = texte(responsable.get(f"/equipes/agents/{lui.pk}/"))

    assert "Enregistrer les rôles" not in page and "Désactiver l'agent" not in page
    assert (
        responsable.post(f"/equipes/agents/{lui.pk}/desactiver/", {"motif": "x"}).status_code == 403
    )


# --- Les formulaires --------------------------------------------------------------------------


def test_inviter_erreur_correction_enregistrement_rechargement(responsable, caf_rhone) -> None:
    url = f"/equipes/{caf_rhone.pk}/inviter/"
    erreur = responsable.post(
        url, {"email": "paul.durand@caf69", "prenom": "Paul", "nom": "", "roles": []}
    )
    assert erreur.status_code == 400
    page = texte(erreur)
    assert "L'invitation n'est pas partie" in page
    assert "adresse électronique valide" in page
    assert "Indiquez le nom" in page and "Choisissez au moins un rôle" in page
    assert 'value="Paul"' in erreur.content.decode()  # rien de perdu
    assert not AgentCaf.objects.filter(utilisateur__email__startswith="paul").exists()

    correction = responsable.post(
        url,
        {
            "email": "Paul.Durand@caf69.fr",
            "prenom": "Paul",
            "nom": "Durand",
            "roles": ["est_instructeur", "est_comptable"],
        },
    )
    assert correction.status_code == 302
    agent = AgentCaf.objects.get(utilisateur__email="paul.durand@caf69.fr")

    rechargement = texte(responsable.get(correction["Location"]))
    assert "Paul Durand" in rechargement
    assert "instructeur, comptable" in rechargement
    assert "Invitation envoyée" in rechargement
    assert "Agent invité" in rechargement  # le journal
    assert agent.caf_id == caf_rhone.pk


def test_inviter_une_adresse_deja_connue_garde_la_saisie(responsable, caf_rhone) -> None:
    reponse = responsable.post(
        f"/equipes/{caf_rhone.pk}/inviter/",
        {
            "email": "porteur.a@exemple.fr",
            "prenom": "Paul",
            "nom": "Durand",
            "roles": ["est_valideur"],
        },
    )

    assert reponse.status_code == 400
    assert "déjà un compte" in texte(reponse)
    assert 'value="Durand"' in reponse.content.decode()


def test_le_responsable_ne_peut_pas_cocher_responsable(responsable, caf_rhone) -> None:
    page = responsable.get(f"/equipes/{caf_rhone.pk}/inviter/").content.decode()
    assert 'value="est_responsable"' not in page

    reponse = responsable.post(
        f"/equipes/{caf_rhone.pk}/inviter/",
        {"email": "x@caf69.fr", "prenom": "X", "nom": "Y", "roles": ["est_responsable"]},
    )
    assert reponse.status_code == 400
    assert "n'est pas un rôle que vous pouvez donner" in texte(reponse)


def test_le_national_nomme_un_responsable_depuis_la_fiche(national, utilisateurs) -> None:
    valideur = agent_de(utilisateurs, "valideur")
    url = f"/equipes/agents/{valideur.pk}/"
    assert 'value="est_responsable"' in national.get(url).content.decode()

    erreur = national.post(url + "roles/", {"roles": []})
    assert erreur.status_code == 400
    assert "Choisissez au moins un rôle" in texte(erreur)

    correction = national.post(url + "roles/", {"roles": ["est_valideur", "est_responsable"]})
    assert correction.status_code == 302

    rechargement = national.get(url)
    assert "valideur, responsable" in texte(rechargement)
    assert "valideur → valideur, responsable" in texte(rechargement)


def test_le_responsable_change_les_roles_sans_toucher_au_titre_de_responsable(
    responsable, utilisateurs
) -> None:
    valideur = agent_de(utilisateurs, "valideur")

    reponse = responsable.post(
        f"/equipes/agents/{valideur.pk}/roles/", {"roles": ["est_instructeur"]}
    )

    assert reponse.status_code == 302
    valideur.refresh_from_db()
    assert valideur.roles == ["instructeur"]


def test_desactiver_sans_motif_puis_avec_motif(responsable, utilisateurs) -> None:
    valideur = agent_de(utilisateurs, "valideur")
    url = f"/equipes/agents/{valideur.pk}/"

    erreur = responsable.post(url + "desactiver/", {"motif": "  "})
    assert erreur.status_code == 400
    assert "Indiquez le motif" in texte(erreur)
    valideur.refresh_from_db()
    assert valideur.actif

    correction = responsable.post(url + "desactiver/", {"motif": "Mutation à la Caf de l'Ain"})
    assert correction.status_code == 302

    rechargement = texte(responsable.get(url))
    assert "Désactivé" in rechargement
    assert "Motif : Mutation à la Caf de l'Ain" in rechargement
    assert "Réactiver l'agent" in rechargement


# --- Les dossiers ouverts d'un agent désactivé ---------------------------------------------


def test_les_dossiers_ouverts_d_un_agent_desactive_sont_listes_pour_reattribution(
    responsable, utilisateurs, campagne_rhone, caf_rhone
) -> None:
    instructeur = utilisateurs["instructeur"]
    ouvert = creer_dossier(
        campagne_rhone, etat=E.EN_INSTRUCTION, instructeur=instructeur, nom="Ouvert Lyon"
    )
    creer_dossier(campagne_rhone, etat=E.REFUSE, instructeur=instructeur, nom="Refusé Bron")
    agent = agent_de(utilisateurs, "instructeur")
    equipes.desactiver(agent, utilisateurs["national"], "Départ")

    liste = texte(responsable.get(f"/equipes/{caf_rhone.pk}/"))
    assert "À réattribuer" in liste

    fiche = responsable.get(f"/equipes/agents/{agent.pk}/")
    page = texte(fiche)
    assert ouvert.numero in page and "Ouvert Lyon" in page
    assert "Refusé Bron" not in page
    assert f"instructeur={instructeur.pk}" in fiche.content.decode()


# --- Le nombre de requêtes ---------------------------------------------------------------


def _requetes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def test_la_liste_de_l_equipe_a_un_nombre_de_requetes_constant(
    national, caf_rhone, utilisateurs
) -> None:
    url = f"/equipes/{caf_rhone.pk}/"
    avant = _requetes(national, url)
    campagne = creer_campagne(caf_rhone, "2025-2026", cree_par=utilisateurs["instructeur"])
    for _ in range(8):
        instructeur = AgentCafFactory(caf=caf_rhone).utilisateur
        creer_dossier(campagne, etat=E.EN_INSTRUCTION, instructeur=instructeur)

    assert _requetes(national, url) == avant


def test_la_liste_des_caf_et_la_fiche_ont_un_nombre_de_requetes_constant(
    national, caf_rhone, campagne_rhone, utilisateurs
) -> None:
    agent = agent_de(utilisateurs, "instructeur")
    fiche = f"/equipes/agents/{agent.pk}/"
    # Une ligne de chaque liste d'abord : une liste vide épargne la requête de ses lignes.
    creer_dossier(campagne_rhone, etat=E.EN_INSTRUCTION, instructeur=agent.utilisateur)
    equipes.changer_roles(agent, {"est_instructeur", "est_valideur"}, utilisateurs["national"])
    avant_liste, avant_fiche = _requetes(national, "/equipes/"), _requetes(national, fiche)
    for _ in range(6):
        AgentCafFactory(caf=caf_rhone)
        creer_dossier(campagne_rhone, etat=E.EN_INSTRUCTION, instructeur=agent.utilisateur)
        equipes.changer_roles(agent, {"est_instructeur"}, utilisateurs["national"])
        equipes.changer_roles(agent, {"est_instructeur", "est_valideur"}, utilisateurs["national"])

    assert _requetes(national, "/equipes/") == avant_liste
    assert _requetes(national, fiche) == avant_fiche


def test_la_liste_des_caf_est_paginee(national) -> None:
    page = national.get("/equipes/")
    assert page.context["page"].paginator.count == 101
    assert len(page.context["page"].object_list) == 50
    assert "Page suivante" in texte(page)
    assert len(national.get("/equipes/?page=3").context["page"].object_list) == 1
