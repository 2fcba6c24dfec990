"""Le jeu national de mesure (`generer_national`) sur une base vide : reproductible (même
graine, mêmes données) et sa commande (voir aussi tests/national/)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F, Sum

from clas.comptes.models import Utilisateur
from clas.demo.national import generer_national
from clas.dossiers.models import Dossier, Evenement
from clas.instruction.models import Decision
from clas.versements.models import Versement

pytestmark = pytest.mark.django_db

ECHELLE = 0.02  # trois générations : un cinquantième du pays suffit à les comparer


def _empreinte() -> list[tuple[object, ...]]:
    """Ce que deux générations doivent avoir en commun, sans les clés primaires (les
    séquences de PostgreSQL ne reviennent pas en arrière avec la transaction)."""
    # Les brouillons n'ont pas de numéro : l'ordre porte sur toutes les colonnes.
    champs = ("numero", "etat", "structure__siret", "campagne__caf__code", "titre")
    dossiers = Dossier.objects.order_by(*champs).values_list(*champs)
    decisions = Decision.objects.order_by("dossier__numero").values_list(
        "dossier__numero", "nature", "montant"
    )
    # Un acompte rejeté puis réémis : deux lignes de même nature, départagées par l'état
    # (sans quoi PostgreSQL les rend dans n'importe quel ordre).
    versements = Versement.objects.order_by(
        "convention__dossier__numero", "nature", "etat", "montant"
    ).values_list("convention__dossier__numero", "nature", "etat", "montant")
    return [*dossiers, *decisions, *versements, ("evenements", Evenement.objects.count())]


def test_meme_graine_memes_donnees_autre_graine_autres_donnees() -> None:
    empreintes = []
    for graine in (42, 42, 43):
        with transaction.atomic():
            generer_national(ECHELLE, graine)
            empreintes.append(_empreinte())
            transaction.set_rollback(True)
    assert empreintes[0] == empreintes[1]
    assert empreintes[0] != empreintes[2]


def test_la_commande_refuse_une_echelle_absurde() -> None:
    with pytest.raises(CommandError, match="entre 0"):
        call_command("generer_national", "--echelle", "0")
    assert Utilisateur.objects.count() == 0


def test_la_commande_ecrit_un_resume(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("generer_national", "--echelle", "0.02", "--graine", "7", "--sans-demo")
    sortie = capsys.readouterr().out
    assert "Jeu national écrit en" in sortie and "Dossier :" in sortie
    assert "ANALYZE" in sortie  # le planificateur connaît la taille des tables
    assert Dossier.objects.count() > 0
    assert Decimal(0) < (Decision.objects.aggregate(s=Sum("montant"))["s"] or 0)
    # L'écriture par lots ne passe pas par `Versement.save` : la Caf recopiée est la bonne.
    assert Versement.objects.exists()
    assert not Versement.objects.exclude(caf_id=F("convention__dossier__campagne__caf_id"))
