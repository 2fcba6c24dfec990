"""L'étape des collectifs reste utilisable avec beaucoup de collectifs (issue 10, point 4) :
au-delà de trois, chacun tient sur une ligne (ses valeurs en champs cachés) et « Modifier »
l'ouvre, un à la fois ; celui qui a une erreur ou un avertissement reste ouvert ; un lien
mène aux boutons sans traverser les champs ; la page fait le même nombre de requêtes quel
que soit le nombre de collectifs. Sa durée à 200
collectifs est mesurée par `make bench` (bench/bareme.py), jamais affirmée ici."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clas.dossiers.forms import COLLECTIFS_DEPLIES
from clas.dossiers.models import Collectif, Intervenant
from tests.outils import formulaire_du_navigateur, texte

pytestmark = pytest.mark.django_db


def _collectifs(dossier, nombre: int, nb_enfants: int = 10) -> None:
    crees = Collectif.objects.bulk_create(
        Collectif(
            dossier=dossier,
            ordre=rang,
            nom=f"Groupe {rang + 1}",
            lieu="Salle du centre",
            niveaux=["CP"],
            nb_enfants=nb_enfants,
            semaines_de_fonctionnement=30,
        )
        for rang in range(nombre)
    )
    Intervenant.objects.bulk_create(
        Intervenant(collectif=c, nom=f"Intervenant {i}", statut="benevole")
        for c in crees
        for i in (1, 2)
    )


def _ouverts(page: str) -> int:
    return len(re.findall(r'<fieldset class="clas-collectif" id="collectif-\d+"', page))


def _ouvert(page: str, rang: int) -> bool:
    return f'<fieldset class="clas-collectif" id="collectif-{rang}"' in page


def _url(dossier) -> str:
    return f"/dossiers/{dossier.pk}/etapes/collectifs/"


def test_peu_de_collectifs_restent_ouverts(porteur, dossier):
    _collectifs(dossier, COLLECTIFS_DEPLIES)
    page = texte(porteur.get(_url(dossier)))
    assert _ouverts(page) == COLLECTIFS_DEPLIES
    assert "Aller aux boutons d'enregistrement" not in page


def test_deux_cents_collectifs_sont_replies_avec_un_lien_vers_les_boutons(porteur, dossier):
    _collectifs(dossier, 200)
    reponse = porteur.get(_url(dossier))
    page = texte(reponse)
    assert reponse.status_code == 200
    assert _ouverts(page) == 0
    assert page.count('class="clas-collectif-pli') == 200
    assert page.count('value="ouvrir_collectif-') == 200
    assert "Groupe 150" in page and "10 enfants · 2 intervenants · 30 semaines" in page
    assert '<a href="#actions-etape">Aller aux boutons d\'enregistrement</a>' in page
    assert 'id="actions-etape"' in page
    # Le lien vient avant le premier collectif : un seul Tab y mène.
    assert page.index("#actions-etape") < page.index('id="collectif-0"')


def test_un_collectif_a_verifier_reste_ouvert(porteur, dossier):
    _collectifs(dossier, 10)
    Collectif.objects.filter(dossier=dossier, ordre=6).update(nb_enfants=3)
    page = texte(porteur.get(_url(dossier)))
    assert _ouverts(page) == 1
    assert _ouvert(page, 6)
    assert "avertissement-effectif" in page


def test_une_erreur_dans_un_collectif_replie_l_ouvre_et_se_corrige(porteur, dossier):
    """Erreur dans le 8e de 10 collectifs : il s'ouvre, le résumé des erreurs y mène ; la
    correction s'enregistre et se relit."""
    _collectifs(dossier, 10)
    donnees = formulaire_du_navigateur(porteur.get(_url(dossier)))
    donnees["collectifs-7-nb_enfants"] = ["dix"]
    donnees["action"] = ["enregistrer"]
    reponse = porteur.post(_url(dossier), donnees)
    page = texte(reponse)
    assert reponse.status_code == 400
    assert _ouverts(page) == 1 and _ouvert(page, 7)
    assert 'href="#id_collectifs-7-nb_enfants"' in page
    donnees = formulaire_du_navigateur(reponse)
    donnees["collectifs-7-nb_enfants"] = ["11"]
    donnees["action"] = ["enregistrer"]
    porteur.post(_url(dossier), donnees)
    assert Collectif.objects.get(dossier=dossier, ordre=7).nb_enfants == 11
    assert "11 enfants" in texte(porteur.get(_url(dossier)))


def _valeurs(dossier) -> list[tuple]:
    return list(
        Collectif.objects.filter(dossier=dossier)
        .order_by("ordre")
        .values_list("nom", "lieu", "niveaux", "nb_enfants", "semaines_de_fonctionnement")
    )


def test_enregistrer_sans_rien_changer_garde_chaque_collectif_replie_intact(porteur, dossier):
    _collectifs(dossier, 40)
    Collectif.objects.filter(dossier=dossier, ordre=3).update(
        milieu_rural=True, niveaux=["CE1", "CM2"]
    )
    avant = _valeurs(dossier)
    donnees = formulaire_du_navigateur(porteur.get(_url(dossier)))
    donnees["action"] = ["enregistrer"]
    reponse = porteur.post(_url(dossier), donnees)
    assert reponse.status_code == 302
    assert _valeurs(dossier) == avant
    assert Collectif.objects.get(dossier=dossier, ordre=3).milieu_rural is True
    assert Intervenant.objects.filter(collectif__dossier=dossier).count() == 80


def test_modifier_ouvre_le_collectif_demande_seulement(porteur, dossier):
    _collectifs(dossier, 12)
    donnees = formulaire_du_navigateur(porteur.get(_url(dossier)))
    donnees["action"] = ["ouvrir_collectif-9"]
    reponse = porteur.post(_url(dossier), donnees)
    assert reponse.status_code == 302
    assert reponse["Location"].endswith("?ouvrir=9#collectif-9")
    page = texte(porteur.get(reponse["Location"]))
    assert _ouverts(page) == 1 and _ouvert(page, 9)
    donnees = formulaire_du_navigateur(porteur.get(reponse["Location"]))
    donnees["collectifs-9-lieu"] = ["Gymnase Jean-Macé"]
    donnees["action"] = ["enregistrer"]
    porteur.post(_url(dossier), donnees)
    assert Collectif.objects.get(dossier=dossier, ordre=9).lieu == "Gymnase Jean-Macé"


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_collectifs(porteur, dossier):
    def requetes() -> int:
        with CaptureQueriesContext(connection) as capture:
            assert porteur.get(_url(dossier)).status_code == 200
        return len(capture)

    _collectifs(dossier, 5)
    peu = requetes()
    _collectifs(dossier, 195)
    assert requetes() == peu
