"""Le SIRET des Caf (attribuant de l'open data des subventions) : l'administration nationale
seule le saisit, avec contrôle de la clé, et chaque changement est journalisé."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clas.journal.models import Entree
from clas.referentiel.actions import modifier_siret_caf
from clas.referentiel.models import Caf
from tests.conftest import PERSONAS
from tests.factories import siret_valide
from tests.outils import texte

pytestmark = pytest.mark.django_db

SIRET = siret_valide(4242)


@pytest.mark.parametrize("persona", PERSONAS)
def test_seul_le_national_lit_et_modifie_le_siret_des_caf(client_de, utilisateurs, persona):
    client = client_de(persona)
    liste = client.get(reverse("national_caf_liste"))
    page = client.get(reverse("national_caf_modifier", args=["069"]))
    envoi = client.post(reverse("national_caf_modifier", args=["069"]), {"siret": SIRET})
    siret = Caf.objects.get(code="069").siret
    if persona == "national":
        assert liste.status_code == page.status_code == 200
        assert envoi.status_code == 302 and envoi.url == reverse("national_caf_liste")
        assert siret == SIRET
    elif persona == "anonyme":
        assert {liste.status_code, page.status_code, envoi.status_code} == {302}
        assert envoi.url.startswith(reverse("connexion"))
        assert siret == ""
    else:
        assert {liste.status_code, page.status_code, envoi.status_code} == {403}
        assert siret == ""


def test_la_liste_dit_les_caf_sans_siret(national):
    Caf.objects.filter(code="069").update(siret=SIRET)
    page = texte(national.get(reverse("national_caf_liste")))
    assert "100 Caf sans SIRET renseigné" in page
    assert "non renseigné" in page
    assert SIRET[:3] in page


def test_le_siret_saisi_avec_espaces_est_enregistre_et_journalise(national, utilisateurs):
    saisi = f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}"
    reponse = national.post(reverse("national_caf_modifier", args=["069"]), {"siret": saisi})
    assert reponse.status_code == 302
    assert Caf.objects.get(code="069").siret == SIRET
    entree = Entree.objects.filter(source="referentiel.caf", type="siret_caf_modifie").get()
    assert entree.acteur_id == utilisateurs["national"].pk
    assert json.loads(entree.contenu)["changements"] == {"siret": ["", SIRET]}
    # Effacer (SIRET retiré) est aussi journalisé ; renvoyer la même valeur ne l'est pas.
    national.post(reverse("national_caf_modifier", args=["069"]), {"siret": ""})
    national.post(reverse("national_caf_modifier", args=["069"]), {"siret": ""})
    assert Caf.objects.get(code="069").siret == ""
    assert Entree.objects.filter(type="siret_caf_modifie").count() == 2


@pytest.mark.parametrize(
    ("saisi", "message"),
    [
        ("1234", "Le SIRET compte 14 chiffres : vous en avez saisi 4."),
        ("7328293200007A", "Le SIRET ne contient que des chiffres (14 au total)."),
        ("73282932000075", "clé de contrôle incorrecte"),
    ],
)
def test_un_siret_faux_est_refuse_en_francais_sans_rien_enregistrer(national, saisi, message):
    Caf.objects.filter(code="069").update(siret=SIRET)
    reponse = national.post(reverse("national_caf_modifier", args=["069"]), {"siret": saisi})
    assert reponse.status_code == 400
    assert message in texte(reponse)
    assert saisi in texte(reponse)  # la saisie reste dans le champ
    assert Caf.objects.get(code="069").siret == SIRET
    assert not Entree.objects.filter(type="siret_caf_modifie").exists()


def test_une_caf_inconnue_repond_404(national):
    assert national.get(reverse("national_caf_modifier", args=["999"])).status_code == 404


def test_l_action_refuse_qui_n_est_pas_national(utilisateurs):
    caf = Caf.objects.get(code="069")
    with pytest.raises(PermissionDenied):
        modifier_siret_caf(caf, SIRET, utilisateurs["valideur"])
    assert Caf.objects.get(code="069").siret == ""
