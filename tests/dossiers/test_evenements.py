"""Le catalogue des événements : chaque type a son libellé français, son objet et sa
visibilité ; un type inconnu ne s'écrit pas ; l'historique dit l'état de l'objet."""

from __future__ import annotations

import pytest

from clas.dossiers.evenements import CATALOGUE, ObjetEvenement, TypeEvenement
from clas.dossiers.models import Evenement

pytestmark = pytest.mark.django_db


def test_chaque_type_a_un_libelle_francais_et_une_fiche():
    for type_ in TypeEvenement:
        assert type_.label and type_.label != type_.value, type_
        assert not type_.label.islower() or " " in type_.label, type_
        assert type_.value in CATALOGUE, type_


def test_un_type_hors_catalogue_est_refuse(dossier):
    with pytest.raises(ValueError, match="inconnu"):
        Evenement.noter(dossier, "acompte_cree_par_erreur", "…")


def test_la_visibilite_et_l_objet_viennent_du_catalogue(dossier):
    interne = Evenement.objects.create(dossier=dossier, type="correction", public=True)
    assert interne.public is False
    assert interne.objet == ObjetEvenement.DOSSIER
    public = Evenement.noter(dossier, TypeEvenement.ACOMPTE_CREE, "…", apres="a_valider")
    assert public.public is True
    assert public.objet == ObjetEvenement.VERSEMENT


def test_le_changement_d_etat_se_lit_en_francais(dossier):
    paye = Evenement.objects.create(
        dossier=dossier,
        type=TypeEvenement.VERSEMENT_PAYE,
        etat_avant="mis_en_paiement",
        etat_apres="paye",
    )
    assert paye.libelle == "Versement payé"
    assert paye.changement == "Mis en paiement → Payé"
    cree = Evenement.noter(dossier, TypeEvenement.ACOMPTE_CREE, "…", apres="a_valider")
    assert cree.changement == "À valider"
    note = Evenement.noter(dossier, TypeEvenement.RELANCE_COMPLEMENTS, "…")
    assert note.changement == ""


# Les événements de la démo : tests/demo/test_charger_demo.py (démo chargée une fois).
