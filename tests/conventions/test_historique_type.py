"""L'historique typé sur les pages : chaque événement dit son libellé, l'objet qu'il
concerne et l'état de cet objet (« À valider → Validé »), pas celui du dossier."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Evenement
from clas.versements import actions
from clas.versements.models import NatureVersement, Versement
from tests.outils import texte

pytestmark = pytest.mark.django_db


def test_un_versement_valide_a_son_evenement_et_son_etat(regul_signee, utilisateurs):
    acompte = Versement.objects.get(convention=regul_signee, nature=NatureVersement.ACOMPTE)
    actions.valider_versements([acompte], utilisateurs["valideur"])

    cree, valide = Evenement.objects.filter(objet="versement", objet_id=acompte.pk).order_by("id")
    assert cree.type == TypeEvenement.ACOMPTE_CREE
    assert (cree.etat_avant, cree.etat_apres) == ("", "a_valider")
    assert valide.type == TypeEvenement.VERSEMENT_VALIDE
    assert (valide.etat_avant, valide.etat_apres) == ("a_valider", "valide")
    assert valide.changement == "À valider → Validé"


def test_les_pages_montrent_le_libelle_et_le_changement(
    regul_signee, utilisateurs, porteur, instructeur
):
    acompte = Versement.objects.get(convention=regul_signee, nature=NatureVersement.ACOMPTE)
    actions.valider_versements([acompte], utilisateurs["valideur"])
    dossier_id = regul_signee.dossier_id

    caf = texte(instructeur.get(reverse("instruction_dossier", args=[dossier_id])))
    structure = texte(porteur.get(reverse("dossier_detail", args=[dossier_id])))
    for page in (caf, structure):
        assert "Versement validé" in page
        assert "À valider → Validé" in page
        assert "Convention signée" in page
        assert "versement_valide" not in re.sub(r"<[^>]+>", " ", page)  # jamais le code brut
    # La proposition de décision reste interne à la Caf.
    assert "Proposition de décision" in caf
    assert "Proposition de décision" not in structure
