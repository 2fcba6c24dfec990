"""Le calcul pas à pas d'un gros dossier sur sa propre page : au-delà de huit collectifs, la
page du dossier y renvoie ; en deçà, il reste sur la page. Les deux pages montrent le même
montant, celui des chiffres retenus par la Caf, corrections comprises."""

from __future__ import annotations

import re

from django.urls import reverse

from clas.instruction.models import Correction
from clas.instruction.views.dossier import COLLECTIFS_EXPLIQUES_SUR_LA_PAGE
from clas.referentiel.models import ParametresBareme
from tests.dossiers.suivi_fabrique import ajouter_collectif
from tests.outils import requetes_de_la_page, texte


def _jusqu_a(dossier, nombre: int) -> None:
    for rang in range(dossier.collectifs.count(), nombre):
        ajouter_collectif(dossier, rang, nb_enfants=8 + rang % 5)


def _montant(html: str, testid: str) -> str:
    trouve = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert trouve, testid
    return trouve.group(1)


def test_au_dela_de_huit_collectifs_le_calcul_a_sa_page(
    instructeur, dossier_instruit, utilisateurs
) -> None:
    _jusqu_a(dossier_instruit, COLLECTIFS_EXPLIQUES_SUR_LA_PAGE + 1)
    collectif = dossier_instruit.collectifs.order_by("ordre").last()
    Correction.objects.create(
        dossier=dossier_instruit,
        collectif=collectif,
        champ="nb_enfants",
        valeur="4",
        motif="Émargement : 4 enfants présents.",
        auteur=utilisateurs["instructeur"],
    )
    url_calcul = reverse("instruction_calcul", args=[dossier_instruit.pk])

    dossier = instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk]))
    html = dossier.content.decode()
    assert dossier.status_code == 200
    assert "Le calcul pas à pas" in texte(dossier)
    assert f'href="{url_calcul}"' in html
    assert "Prix de revient par collectif" not in texte(dossier)

    calcul = instructeur.get(url_calcul)
    assert calcul.status_code == 200
    page = texte(calcul)
    assert "Calcul pas à pas" in page and dossier_instruit.numero in page
    assert "Prix de revient par collectif" in page
    assert "1 correction de la Caf" in page
    assert "Paramètres du barème 2026-2027 utilisés, et leurs sources" in page
    # Le même montant des deux côtés : la correction (4 enfants, non éligible) comprise.
    assert _montant(calcul.content.decode(), "montant-retenu") == _montant(
        html, "montant-retenu-entete"
    )


def test_jusqu_a_huit_collectifs_le_calcul_reste_sur_la_page(instructeur, dossier_instruit) -> None:
    _jusqu_a(dossier_instruit, COLLECTIFS_EXPLIQUES_SUR_LA_PAGE)
    reponse = instructeur.get(reverse("instruction_dossier", args=[dossier_instruit.pk]))
    assert "Prix de revient par collectif" in texte(reponse)
    assert reverse("instruction_calcul", args=[dossier_instruit.pk]) not in (
        reponse.content.decode()
    )


def test_sans_parametres_de_l_annee_la_page_le_dit(instructeur, dossier_instruit) -> None:
    ParametresBareme.objects.filter(
        annee_scolaire=dossier_instruit.campagne.annee_scolaire
    ).delete()
    reponse = instructeur.get(reverse("instruction_calcul", args=[dossier_instruit.pk]))
    assert reponse.status_code == 200
    assert "ne sont pas encore publiés" in texte(reponse)


def _requetes(client, dossier) -> int:
    return requetes_de_la_page(client, reverse("instruction_calcul", args=[dossier.pk]))


def test_la_page_du_calcul_fait_un_nombre_constant_de_requetes(
    instructeur, dossier_instruit
) -> None:
    _jusqu_a(dossier_instruit, 9)
    _requetes(instructeur, dossier_instruit)  # caches (session, paramètres…)
    petit = _requetes(instructeur, dossier_instruit)
    _jusqu_a(dossier_instruit, 30)
    assert _requetes(instructeur, dossier_instruit) == petit
