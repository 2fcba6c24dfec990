"""La démo est cohérente dans le temps (issue 10, point 12) : chaque événement porte la date
qu'il aurait eue, dans l'ordre du cycle de vie, et les échéances de l'année en cours sont à
venir le jour où on la charge. La démo est chargée une fois (tests/demo/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clas.bilans.models import Bilan, Indu, Remboursement
from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.conventions.models import Convention
from clas.demo.chronologie import Horloge, fin_d_annee, ouverture_au_plus_tot
from clas.dossiers.models import DemandeComplements, Dossier, Evenement
from clas.instruction.models import Decision, Proposition
from clas.structures.models import PieceJustificative, Structure
from clas.versements.models import LotPaiement, Versement

pytestmark = pytest.mark.django_db


def test_aucun_evenement_d_un_dossier_avant_sa_creation_ni_apres_maintenant() -> None:
    maintenant = timezone.now()
    dossiers = Dossier.objects.prefetch_related("evenements")
    assert dossiers.count() >= 15
    for dossier in dossiers:
        dates = [e.created_at for e in dossier.evenements.all()]
        assert dates, dossier.titre
        assert min(dates) >= dossier.created_at, dossier.titre
        assert max(dates) <= maintenant, dossier.titre
        if dossier.depose_le:
            assert dossier.created_at < dossier.depose_le <= maintenant, dossier.titre


def test_les_evenements_ne_sont_pas_tous_dates_du_jour_du_chargement() -> None:
    """Garde-fou : la démo date vraiment ses événements (un historique écrit le jour même
    passerait les autres tests de ce fichier)."""
    il_y_a_longtemps = timezone.now() - dt.timedelta(days=200)
    assert Evenement.objects.filter(created_at__lt=il_y_a_longtemps).count() >= 20
    jours = {timezone.localdate(e.created_at) for e in Evenement.objects.all()}
    assert len(jours) >= 30


def test_les_structures_et_les_comptes_existent_avant_leurs_dossiers() -> None:
    for dossier in Dossier.objects.select_related("structure", "cree_par"):
        assert dossier.structure.created_at <= dossier.created_at, dossier.titre
        assert dossier.cree_par is not None
        assert dossier.cree_par.created_at <= dossier.created_at, dossier.titre
    for piece in PieceJustificative.objects.select_related("structure"):
        premier = piece.structure.dossiers.order_by("created_at").first()
        if premier is not None:
            assert piece.created_at <= premier.created_at, piece.structure.nom
    assert (
        Structure.objects.count()
        == Structure.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=300)).count()
    )
    assert Utilisateur.objects.filter(created_at__gt=timezone.now()).count() == 0


def test_depot_puis_decision_puis_convention_puis_versements() -> None:
    decisions = Decision.objects.select_related("dossier")
    assert decisions.count() >= 9
    for decision in decisions:
        dossier = decision.dossier
        assert dossier.depose_le is not None
        assert dossier.depose_le < decision.decidee_le, dossier.titre
        for proposition in Proposition.objects.filter(dossier=dossier):
            assert dossier.depose_le < proposition.created_at <= decision.decidee_le
    conventions = Convention.objects.select_related("dossier__decision", "dossier__campagne")
    assert conventions.filter(signee_le__isnull=False).count() >= 6
    for convention in conventions:
        decision = convention.dossier.decision
        assert decision.decidee_le <= convention.created_at, convention.dossier.titre
        if convention.signee_le:
            assert convention.created_at < convention.signee_le, convention.dossier.titre
        else:
            # Une convention encore à signer est de l'année en cours, pas d'une année finie.
            annee = convention.dossier.campagne.annee_scolaire
            assert annee == Horloge().annee, convention.dossier.titre
    versements = Versement.objects.select_related("convention", "lot")
    assert versements.filter(etat="paye").count() >= 6
    for versement in versements:
        convention = versement.convention
        titre = convention.dossier.titre
        assert convention.signee_le is not None
        assert convention.signee_le <= versement.created_at, titre
        if versement.valide_le:
            assert versement.created_at <= versement.valide_le, titre
        if versement.lot:
            assert versement.valide_le is not None
            assert versement.valide_le <= versement.lot.created_at, titre
        if versement.paye_le:
            assert versement.lot is not None
            assert timezone.localdate(versement.lot.created_at) <= versement.paye_le, titre
            assert versement.paye_le <= timezone.localdate(), titre


def test_les_lots_sont_numerotes_dans_l_ordre_de_leur_creation() -> None:
    lots = list(LotPaiement.objects.order_by("created_at"))
    assert len(lots) >= 3
    assert [lot.numero for lot in lots] == sorted(lot.numero for lot in lots)


def test_les_bilans_suivent_la_fin_de_l_annee_et_precedent_le_solde_et_l_indu() -> None:
    bilans = Bilan.objects.select_related("convention__dossier__campagne")
    assert bilans.count() >= 4
    for bilan in bilans:
        annee = bilan.convention.dossier.campagne.annee_scolaire
        fin_des_activites = dt.datetime(int(annee[5:]), 7, 1, tzinfo=dt.UTC)
        assert bilan.depose_le is not None
        assert fin_des_activites < bilan.depose_le < timezone.now(), annee
        assert timezone.localdate(bilan.depose_le) <= bilan.convention.date_limite_bilan
        paiement_de_l_acompte = max(
            v.lot.created_at for v in bilan.convention.versements.filter(nature="acompte")
        )
        assert paiement_de_l_acompte < bilan.depose_le
        if bilan.accepte_le:
            assert bilan.depose_le < bilan.accepte_le < timezone.now()
            for solde in bilan.convention.versements.filter(nature="solde"):
                assert bilan.accepte_le <= solde.created_at
    indu = Indu.objects.select_related("convention__bilan").get()
    assert indu.convention.bilan.accepte_le is not None
    assert indu.convention.bilan.accepte_le <= indu.notifie_le
    for remboursement in Remboursement.objects.filter(indu=indu):
        assert timezone.localdate(indu.notifie_le) <= remboursement.recu_le
        assert remboursement.recu_le <= timezone.localdate()


def test_les_campagnes_sont_dans_leur_annee_scolaire() -> None:
    campagnes = Campagne.objects.all()
    assert {c.annee_scolaire for c in campagnes} >= {
        Horloge().precedente,
        Horloge().annee,
        Horloge().suivante,
    }
    for campagne in campagnes:
        annee = campagne.annee_scolaire
        assert ouverture_au_plus_tot(annee) <= campagne.ouverture, annee
        assert campagne.ouverture < campagne.cloture <= fin_d_annee(annee), annee
        assert campagne.created_at <= campagne.ouverture, annee
        for dossier in campagne.dossiers.exclude(depose_le=None):
            assert campagne.ouverture <= dossier.depose_le <= campagne.cloture, dossier.titre
            assert campagne.ouverture <= dossier.created_at, dossier.titre


def test_les_echeances_de_l_annee_en_cours_sont_a_venir() -> None:
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate()
    horloge = Horloge()
    ouvertes = Campagne.objects.filter(annee_scolaire=horloge.annee)
    assert ouvertes.count() == 2
    for campagne in ouvertes:
        assert campagne.ouverture < maintenant < campagne.cloture
        assert Campagne.objects.ouvertes().filter(pk=campagne.pk).exists()
    demandes = DemandeComplements.objects.filter(repondue_le=None)
    assert demandes.exists()
    for demande in demandes:
        assert demande.created_at < maintenant
        assert demande.echeance > aujourd_hui
    for convention in Convention.objects.filter(dossier__campagne__annee_scolaire=horloge.annee):
        assert convention.date_limite_bilan > aujourd_hui
    # L'indu de l'an dernier est notifié depuis peu : son échéance est encore à venir.
    assert Indu.objects.get().echeance > aujourd_hui
    # Une pièce est expirée (pour le signalement), les autres valent encore.
    pieces = PieceJustificative.objects.exclude(date_validite=None)
    assert pieces.filter(date_validite__lt=aujourd_hui).count() == 1
    assert pieces.filter(date_validite__gt=aujourd_hui).count() >= 2


@pytest.mark.parametrize(
    "aujourd_hui",
    [
        dt.date(2026, 8, 1),
        dt.date(2026, 9, 1),
        dt.date(2026, 12, 2),
        dt.date(2027, 3, 15),
        dt.date(2027, 6, 30),
        dt.date(2027, 7, 31),
    ],
)
def test_l_horloge_garde_l_ordre_des_periodes_quel_que_soit_le_jour(
    aujourd_hui: dt.date,
) -> None:
    """Les périodes calculées à partir d'aujourd'hui : dépôts des bilans après la fin de
    l'année et avant la date limite, examen ensuite, campagne ouverte dans son année."""
    horloge = Horloge(Horloge.le(aujourd_hui, 12))
    assert horloge.annee == f"{horloge.debut}-{horloge.debut + 1}"
    debut_depots, fin_depots = horloge.depots_des_bilans()
    debut_examen, fin_examen = horloge.examen_des_bilans()
    assert debut_depots < fin_depots <= debut_examen < fin_examen < horloge.maintenant
    assert fin_depots.date() <= dt.date(horloge.debut, 9, 30)
    ouverture, cloture = horloge.campagne_en_cours()
    assert ouverture_au_plus_tot(horloge.annee) <= ouverture < horloge.maintenant < cloture
    assert cloture <= fin_d_annee(horloge.annee)
