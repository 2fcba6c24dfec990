"""Les campagnes d'appel à projets : qui les voit, qui les ouvre, dates de Paris, fenêtre
de dépôt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clas.campagnes.models import Campagne
from clas.dossiers.models import Dossier, Evenement
from tests.conftest import PERSONAS
from tests.factories import AgentCafFactory, MembreStructureFactory, StructureFactory
from tests.outils import champs, texte

pytestmark = pytest.mark.django_db

CONNEXION = "connexion"


def verifier(reponse, attendu, chemin: str) -> None:
    if attendu == CONNEXION:
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/connexion/?next={chemin}"
    else:
        assert reponse.status_code == attendu, reponse.content[:500]


def formulaire(**champs_: str) -> dict[str, str]:
    donnees = {
        "annee_scolaire": "2026-2027",
        "titre": "Appel à projets Clas 2026-2027",
        "ouverture_date": "2026-06-01",
        "ouverture_heure": "00:00",
        "cloture_date": "2026-07-15",
        "cloture_heure": "23:59",
        "enveloppe": "150 000,00",
    }
    donnees.update(champs_)
    return donnees


# --- Permissions --------------------------------------------------------------------------

LISTE = dict.fromkeys(PERSONAS, 200) | {"anonyme": CONNEXION}
CREATION = dict.fromkeys(PERSONAS, 403) | {"anonyme": CONNEXION, "valideur": 200}


@pytest.mark.parametrize(("persona", "attendu"), LISTE.items())
def test_qui_voit_la_liste_des_campagnes(client_de, persona, attendu, campagne_rhone) -> None:
    verifier(client_de(persona).get("/campagnes/"), attendu, "/campagnes/")


@pytest.mark.parametrize(("persona", "attendu"), CREATION.items())
def test_seul_un_valideur_ouvre_une_campagne(client_de, persona, attendu) -> None:
    client = client_de(persona)
    verifier(client.get("/campagnes/nouvelle/"), attendu, "/campagnes/nouvelle/")
    reponse = client.post("/campagnes/nouvelle/", formulaire())
    verifier(reponse, 302 if attendu == 200 else attendu, "/campagnes/nouvelle/")
    assert Campagne.objects.exists() == (attendu == 200)


@pytest.mark.parametrize(("persona", "attendu"), CREATION.items())
def test_seul_un_valideur_modifie_une_campagne(client_de, persona, attendu, campagne_rhone):
    chemin = f"/campagnes/{campagne_rhone.pk}/modifier/"
    verifier(client_de(persona).get(chemin), attendu, chemin)


def test_un_valideur_d_une_autre_caf_ne_peut_pas_modifier(client, campagne_rhone, caf_somme):
    valideur_somme = AgentCafFactory(caf=caf_somme, est_valideur=True).utilisateur
    client.force_login(valideur_somme)
    chemin = f"/campagnes/{campagne_rhone.pk}/modifier/"
    assert client.get(chemin).status_code == 404
    assert client.post(chemin, formulaire(titre="Piraté")).status_code == 404
    campagne_rhone.refresh_from_db()
    assert campagne_rhone.titre != "Piraté"


# --- Création et modification --------------------------------------------------------------


def test_un_valideur_ouvre_une_campagne_pour_sa_caf(valideur, utilisateurs, caf_rhone) -> None:
    reponse = valideur.post("/campagnes/nouvelle/", formulaire())
    assert reponse.status_code == 302
    assert reponse["Location"] == "/campagnes/"
    campagne = Campagne.objects.get()
    assert campagne.caf == caf_rhone
    assert campagne.cree_par == utilisateurs["valideur"]
    assert campagne.enveloppe == Decimal("150000.00")
    assert campagne.titre == "Appel à projets Clas 2026-2027"


def test_les_dates_sont_celles_de_paris(valideur) -> None:
    valideur.post("/campagnes/nouvelle/", formulaire(ouverture_date="01/06/2026"))
    campagne = Campagne.objects.get()
    assert campagne.ouverture == dt.datetime(2026, 5, 31, 22, 0, tzinfo=dt.UTC)
    # En hiver, Paris est à UTC+1.
    assert campagne.cloture == dt.datetime(2026, 7, 15, 21, 59, tzinfo=dt.UTC)


def test_les_dates_d_hiver_sont_a_utc_plus_un(valideur) -> None:
    valideur.post(
        "/campagnes/nouvelle/",
        formulaire(ouverture_date="2026-01-10", ouverture_heure="09:00"),
    )
    assert Campagne.objects.get().ouverture == dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC)


def test_la_modification_reaffiche_les_heures_de_paris(valideur, campagne_rhone) -> None:
    Campagne.objects.filter(pk=campagne_rhone.pk).update(
        ouverture=dt.datetime(2026, 5, 31, 22, 0, tzinfo=dt.UTC),
        cloture=dt.datetime(2026, 7, 15, 21, 59, tzinfo=dt.UTC),
    )
    valeurs = champs(valideur.get(f"/campagnes/{campagne_rhone.pk}/modifier/"))
    assert valeurs["ouverture_date"] == "2026-06-01"
    assert valeurs["ouverture_heure"] == "00:00"
    assert valeurs["cloture_heure"] == "23:59"
    assert valeurs["enveloppe"] == "150 000,00"  # réaffiché comme on l'écrit

    reponse = valideur.post(
        f"/campagnes/{campagne_rhone.pk}/modifier/", formulaire(titre="Nouveau titre")
    )
    assert reponse.status_code == 302
    campagne_rhone.refresh_from_db()
    assert campagne_rhone.titre == "Nouveau titre"


def test_la_cloture_doit_suivre_l_ouverture(valideur) -> None:
    reponse = valideur.post("/campagnes/nouvelle/", formulaire(cloture_date="2026-05-01"))
    assert reponse.status_code == 400
    assert "La clôture doit être postérieure à l'ouverture" in texte(reponse)
    assert champs(reponse)["titre"] == "Appel à projets Clas 2026-2027"
    assert not Campagne.objects.exists()


def test_une_seule_campagne_par_caf_et_par_annee(valideur, campagne_rhone) -> None:
    reponse = valideur.post("/campagnes/nouvelle/", formulaire())
    assert reponse.status_code == 400
    assert "Votre Caf a déjà une campagne pour 2026-2027" in texte(reponse)
    assert Campagne.objects.count() == 1


@pytest.mark.parametrize(
    ("champ", "valeur", "message"),
    [
        ("enveloppe", "-100", "positif ou nul"),
        ("enveloppe", "beaucoup", "Saisissez un montant"),
        ("ouverture_date", "31/02/2026", "date valide"),
        ("ouverture_heure", "25:00", "heure valide"),
        ("annee_scolaire", "1999-2000", "Sélectionnez un choix valide"),
        ("titre", "", "obligatoire"),
    ],
)
def test_une_saisie_invalide_est_refusee_champ_par_champ(valideur, champ, valeur, message):
    reponse = valideur.post("/campagnes/nouvelle/", formulaire(**{champ: valeur}))
    assert reponse.status_code == 400
    assert message in texte(reponse)
    assert not Campagne.objects.exists()


def test_les_annees_proposees_sont_celles_des_parametres(valideur) -> None:
    contenu = texte(valideur.get("/campagnes/nouvelle/"))
    assert '<option value="2026-2027">' in contenu
    assert '<option value="2025-2026">' in contenu


# --- Listes --------------------------------------------------------------------------------


def _campagne(caf, auteur, annee: str, debut_jours: int, fin_jours: int, titre: str = ""):
    maintenant = timezone.now()
    return Campagne.objects.create(
        caf=caf,
        annee_scolaire=annee,
        titre=titre or f"Campagne {annee}",
        ouverture=maintenant + dt.timedelta(days=debut_jours),
        cloture=maintenant + dt.timedelta(days=fin_jours),
        enveloppe=Decimal("1000"),
        cree_par=auteur,
    )


def test_un_porteur_voit_les_campagnes_de_sa_caf_et_leur_etat(
    porteur, utilisateurs, caf_rhone, caf_somme
) -> None:
    valideur = utilisateurs["valideur"]
    _campagne(caf_rhone, valideur, "2026-2027", -1, 10, "Ouverte")
    _campagne(caf_rhone, valideur, "2025-2026", -400, -300, "Ancienne")
    _campagne(caf_rhone, valideur, "2024-2025", 5, 40, "Future")
    _campagne(caf_somme, valideur, "2026-2027", -1, 10, "De la Somme")

    contenu = texte(porteur.get("/campagnes/"))
    assert "Ouverte jusqu'au" in contenu
    assert "Ouvre le" in contenu
    assert "Close" in contenu
    assert "De la Somme" not in contenu
    assert contenu.count("Créer mon dossier") == 1


def test_le_national_voit_toutes_les_campagnes_avec_leur_caf(
    national, utilisateurs, caf_rhone, caf_somme
) -> None:
    _campagne(caf_rhone, utilisateurs["valideur"], "2026-2027", -1, 10, "Rhône 2026")
    _campagne(caf_somme, utilisateurs["valideur"], "2026-2027", -1, 10, "Somme 2026")
    contenu = texte(national.get("/campagnes/"))
    assert "Rhône 2026" in contenu and "Somme 2026" in contenu
    assert '<th scope="col">Caf</th>' in contenu
    assert "Créer mon dossier" not in contenu


def test_un_agent_ne_voit_que_les_campagnes_de_sa_caf(
    instructeur_autre_caf, utilisateurs, caf_rhone
) -> None:
    _campagne(caf_rhone, utilisateurs["valideur"], "2026-2027", -1, 10, "Rhône 2026")
    assert "Rhône 2026" not in texte(instructeur_autre_caf.get("/campagnes/"))


# --- Création d'un dossier et fenêtre de dépôt ---------------------------------------------


def test_creer_mon_dossier_pendant_la_campagne(porteur, campagne_rhone, structure_a) -> None:
    reponse = porteur.post(
        "/dossiers/nouveau/", {"campagne": campagne_rhone.pk, "structure": structure_a.pk}
    )
    dossier = Dossier.objects.get()
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/dossiers/{dossier.pk}/etapes/projet/"
    assert dossier.etat == "brouillon"
    assert dossier.structure == structure_a
    assert Evenement.objects.filter(dossier=dossier, type="creation").exists()


def test_un_second_dossier_pour_la_meme_campagne_renvoie_au_premier(
    porteur, dossier, structure_a
) -> None:
    reponse = porteur.post(
        "/dossiers/nouveau/",
        {"campagne": dossier.campagne_id, "structure": structure_a.pk},
        follow=True,
    )
    assert Dossier.objects.count() == 1
    assert reponse.redirect_chain[0][0] == f"/dossiers/{dossier.pk}/etapes/projet/"
    assert "a déjà un dossier" in texte(reponse)


@pytest.mark.parametrize(
    ("debut", "fin", "message"), [(2, 30, "ouvrent le"), (-30, -1, "sont clos depuis le")]
)
def test_creer_un_dossier_hors_de_la_fenetre_est_refuse(
    porteur, utilisateurs, caf_rhone, structure_a, debut, fin, message
) -> None:
    campagne = _campagne(caf_rhone, utilisateurs["valideur"], "2026-2027", debut, fin)
    reponse = porteur.post(
        "/dossiers/nouveau/", {"campagne": campagne.pk, "structure": structure_a.pk}, follow=True
    )
    assert not Dossier.objects.exists()
    assert f"Les dépôts pour « {campagne.titre} » {message}" in texte(reponse)


def test_on_ne_cree_pas_de_dossier_pour_une_structure_dont_on_n_est_pas_membre(
    porteur, campagne_rhone, structure_b
) -> None:
    reponse = porteur.post(
        "/dossiers/nouveau/", {"campagne": campagne_rhone.pk, "structure": structure_b.pk}
    )
    assert reponse.status_code == 404
    assert not Dossier.objects.exists()


def test_on_ne_cree_pas_de_dossier_pour_la_campagne_d_une_autre_caf(
    porteur, utilisateurs, caf_somme, structure_a
) -> None:
    campagne = _campagne(caf_somme, utilisateurs["valideur"], "2026-2027", -1, 10)
    reponse = porteur.post(
        "/dossiers/nouveau/", {"campagne": campagne.pk, "structure": structure_a.pk}
    )
    assert reponse.status_code == 404


# L'administration nationale lit en lecture seule : 403 avec son message (et non 404).
NOUVEAU = dict.fromkeys(PERSONAS, 404) | {"anonyme": CONNEXION, "porteur": 302, "national": 403}


@pytest.mark.parametrize(("persona", "attendu"), NOUVEAU.items())
def test_qui_peut_creer_le_dossier_de_la_structure_a(
    client_de, persona, attendu, campagne_rhone, structure_a
) -> None:
    reponse = client_de(persona).post(
        "/dossiers/nouveau/", {"campagne": campagne_rhone.pk, "structure": structure_a.pk}
    )
    verifier(reponse, attendu, "/dossiers/")
    assert Dossier.objects.exists() == (attendu == 302)


def test_un_contributeur_peut_creer_le_dossier(client, campagne_rhone) -> None:
    structure = StructureFactory()
    membre = MembreStructureFactory(structure=structure, role="contributeur")
    client.force_login(membre.utilisateur)
    reponse = client.post(
        "/dossiers/nouveau/", {"campagne": campagne_rhone.pk, "structure": structure.pk}
    )
    assert reponse.status_code == 302
    assert Dossier.objects.filter(structure=structure).exists()
