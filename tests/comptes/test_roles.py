"""Les rôles : page d'accueil et navigation de chacun, contraintes sur les agents."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from clas.comptes.models import AgentCaf, Utilisateur
from clas.comptes.roles import agent_de, nom_page_accueil
from tests.conftest import PERSONAS
from tests.factories import AgentCafFactory, UtilisateurFactory

pytestmark = pytest.mark.django_db

# L'API n'est dans aucun menu principal : sa documentation est au pied de chaque page.
NAVIGATION = {
    "anonyme": ["Accueil", "Simulateur"],
    "porteur": ["Ma structure", "Mes dossiers", "Simulateur"],
    "porteur_autre": ["Ma structure", "Mes dossiers", "Simulateur"],
    # Le menu montre ce que les pages permettent (capacites_bilans_caf,
    # capacites_paiements, capacites_statistiques) : tout agent lit les bilans, les
    # paiements et les statistiques de sa Caf.
    **{
        agent: [
            "Instruction",
            "Bilans",
            "Paiements",
            "Statistiques",
            "Accueil de la Caf",
            "Campagnes",
            "Simulateur",
        ]
        for agent in ("instructeur", "instructeur_autre_caf", "valideur", "comptable")
    },
    "national": [
        "Tableau de bord national",
        "Paramètres du barème",
        "Campagnes",
        "Dossiers des Caf",
        # Les listes des Caf qu'il lit aussi (en lecture seule), comme les agents.
        "Bilans",
        "Paiements",
        "Équipes des Caf",
        "Simulateur",
        "Statistiques",
    ],
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_la_navigation_depend_du_role(client_de, persona: str) -> None:
    reponse = client_de(persona).get("/simulateur/")

    liens = reponse.context["navigation"]
    assert [lien.libelle for lien in liens] == NAVIGATION[persona]
    assert [lien.libelle for lien in liens if lien.actif] == ["Simulateur"]


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable", "national"])
def test_chaque_lien_du_menu_s_ouvre(client_de, persona: str) -> None:
    """Le menu et les pages disent la même chose : aucun lien ne mène à un refus."""
    client = client_de(persona)
    for lien in client.get("/simulateur/").context["navigation"]:
        assert client.get(lien.url).status_code == 200, (persona, lien.url)


@pytest.mark.parametrize(
    ("persona", "page"),
    [
        ("anonyme", "/"),
        ("porteur", "/structure/"),
        ("instructeur", "/caf/"),
        ("instructeur_autre_caf", "/caf/"),
        ("valideur", "/caf/"),
        ("comptable", "/paiements/"),
        ("national", "/national/"),
    ],
)
def test_mon_accueil_envoie_chacun_sur_sa_page(client_de, persona: str, page: str) -> None:
    reponse = client_de(persona).get("/mon-accueil/")

    assert reponse.status_code == 302
    assert reponse["Location"] == page


def test_un_agent_qui_est_aussi_national_arrive_sur_la_page_nationale(
    utilisateurs: dict[str, Utilisateur],
) -> None:
    agent = utilisateurs["instructeur"]
    agent.est_admin_national = True
    agent.save()

    assert nom_page_accueil(agent) == "national_accueil"


def test_agent_de_lit_l_agent_une_seule_fois_par_objet_utilisateur(
    utilisateurs: dict[str, Utilisateur], django_assert_num_queries
) -> None:
    utilisateur = Utilisateur.objects.get(pk=utilisateurs["valideur"].pk)

    with django_assert_num_queries(1):
        assert agent_de(utilisateur).caf.departement == "69"
        assert agent_de(utilisateur).roles == ["valideur"]


def test_un_agent_sans_aucun_role_est_refuse_par_la_base(caf_rhone) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AgentCaf.objects.create(
            utilisateur=UtilisateurFactory(),
            caf=caf_rhone,
            est_instructeur=False,
            est_valideur=False,
            est_comptable=False,
        )


def test_un_agent_peut_cumuler_les_roles(caf_rhone) -> None:
    agent = AgentCafFactory(caf=caf_rhone, est_valideur=True, est_comptable=True)

    assert agent.roles == ["instructeur", "valideur", "comptable"]


def test_la_page_de_la_caf_affiche_les_roles_de_l_agent(instructeur: Client) -> None:
    reponse = instructeur.get("/caf/")

    assert "instructeur" in reponse.content.decode()
    assert "Caf du Rhône" in reponse.content.decode()
