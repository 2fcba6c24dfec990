"""Le jeu national de mesure (`generer_national`, à l'échelle 0.05) : complet et cohérent
avec le barème, les tables de transitions et l'argent décidé."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum

from clas.bareme import calculer, lire_entree, resultat_vers_json
from clas.bilans.models import Bilan, Indu
from clas.comptes.models import AgentCaf
from clas.conventions.models import Convention
from clas.demo.national import base_vide
from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.models import Decision, NatureDecision
from clas.referentiel.models import Caf, ParametresBareme
from clas.versements.models import Versement

pytestmark = pytest.mark.django_db


def test_chaque_caf_a_ses_agents_de_chaque_role_et_ses_trois_campagnes() -> None:
    roles = AgentCaf.objects.values("caf").annotate(
        instructeurs=Count("pk", filter=Q(est_instructeur=True)),
        valideurs=Count("pk", filter=Q(est_valideur=True)),
        comptables=Count("pk", filter=Q(est_comptable=True)),
    )
    assert len(roles) == Caf.objects.count() == 101
    for caf in roles:
        assert caf["instructeurs"] >= 1 and caf["valideurs"] >= 1 and caf["comptables"] >= 1
    campagnes = Caf.objects.annotate(n=Count("campagnes")).values_list("n", flat=True)
    assert set(campagnes) == {3}


def test_chaque_etat_du_dossier_est_represente_et_le_rhone_est_la_plus_grosse_caf() -> None:
    etats = Counter(Dossier.objects.values_list("etat", flat=True))
    assert set(etats) == set(EtatDossier.values)
    par_caf = Counter(Dossier.objects.values_list("campagne__caf__departement", flat=True))
    assert par_caf.most_common(1)[0][0] == "69"
    # Beaucoup de petites Caf : la médiane est loin de la plus grosse.
    effectifs = sorted(par_caf.values())
    assert effectifs[len(effectifs) // 2] * 5 < par_caf["69"]
    # Un dossier par structure et par campagne.
    doublons = (
        Dossier.objects.values("structure", "campagne").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not doublons.exists()


def test_les_decisions_gardent_l_explication_du_vrai_bareme() -> None:
    parametres = {p.annee_scolaire: p.vers_bareme() for p in ParametresBareme.objects.all()}
    decisions = Decision.objects.filter(nature=NatureDecision.ACCORD)
    assert decisions.exists()
    for decision in decisions[:200]:
        entree = lire_entree(decision.entree_bareme, parametres)
        recalcule = calculer(entree, parametres[entree.annee_scolaire])
        # Le montant décidé est celui proposé : au plus le barème (l'enveloppe peut le réduire).
        assert decision.montant is not None and decision.montant <= recalcule.montant_total
        assert decision.resultat == resultat_vers_json(recalcule)
        assert decision.parametres == recalcule.parametres.vers_dict()
        assert recalcule.explication


def test_l_argent_suit_les_decisions() -> None:
    acceptes = Dossier.objects.filter(
        etat__in=[EtatDossier.ACCEPTE, EtatDossier.CLOTURE], decision__nature=NatureDecision.ACCORD
    )
    # Chaque dossier accepté a sa convention (ce que vérifie aussi reparer_conventions).
    assert acceptes.exists()
    assert not acceptes.filter(convention__isnull=True).exists()
    payes = Versement.objects.filter(etat="paye")
    assert payes.exists() and not payes.filter(lot__isnull=True).exists()
    # Jamais plus versé que décidé, hors indus (le trop-perçu ouvre un indu).
    for convention in Convention.objects.annotate(
        verse=Sum("versements__montant", filter=Q(versements__etat="paye"))
    ).filter(verse__gt=0)[:300]:
        assert (
            convention.verse <= convention.montant_maximal
            or Indu.objects.filter(convention=convention).exists()
        )
    assert Bilan.objects.exists() and Indu.objects.exists()


def test_la_commande_refuse_une_base_qui_a_deja_des_donnees() -> None:
    assert not base_vide()
    with pytest.raises(CommandError, match="--base-non-vide"):
        call_command("generer_national", "--echelle", "0.01", "--sans-demo")
