"""Les actions des paiements : valider, créer un lot, marquer payé, rejeter, réémettre ; le
compte bancaire de la Caf ; qui peut faire quoi ; le grand livre toujours juste."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone

from clas.bilans import regularisation
from clas.dossiers.models import Evenement
from clas.versements import actions as paiements
from clas.versements import grand_livre
from clas.versements.models import EtatVersement, LotPaiement, Mouvement, TypeMouvement, Versement
from tests.instruction.outils import creer_campagne

from .paiements_fabrique import (
    BIC_STRUCTURE,
    IBAN_CAF,
    IBAN_STRUCTURE,
    convention_signee,
    donner_un_compte,
)

E = EtatVersement
AUJOURD_HUI = timezone.localdate


@pytest.fixture
def campagne_paiements(caf_rhone, utilisateurs):
    donner_un_compte(caf_rhone)
    return creer_campagne(caf_rhone, "2026-2027", cree_par=utilisateurs["valideur"])


@pytest.fixture
def fabrique(campagne_paiements, caf_rhone, utilisateurs):
    """`fabrique(montant, etat=…)` : l'acompte d'une nouvelle convention signée du Rhône."""

    def fabriquer(montant: str = "4500.00", **options) -> Versement:
        return convention_signee(
            caf_rhone,
            utilisateurs["instructeur"],
            utilisateurs["valideur"],
            montant,
            campagne=campagne_paiements,
            **options,
        )

    return fabriquer


def test_un_versement_porte_la_caf_de_la_campagne_de_son_dossier(fabrique, caf_rhone, caf_somme):
    """Recopiée à la création (les listes d'une Caf la lisent par un index) ; celle qu'on
    donne n'est pas remplacée."""
    acompte = fabrique()
    assert acompte.caf_id == caf_rhone.pk
    assert Versement.objects.get(pk=acompte.pk).caf_id == caf_rhone.pk
    solde = Versement(convention=acompte.convention, nature="solde", montant=Decimal("10.00"))
    solde.caf_id = caf_rhone.pk
    solde.save()
    assert solde.caf_id == caf_rhone.pk
    assert not Versement.objects.filter(caf=caf_somme).exists()


def _utilisateur(utilisateurs, persona):
    return AnonymousUser() if persona == "anonyme" else utilisateurs[persona]


# --- Valider ------------------------------------------------------------------------------


def test_le_valideur_valide_un_acompte_et_l_historique_le_dit(fabrique, utilisateurs):
    acompte = fabrique()
    valideur = utilisateurs["valideur"]

    valides = paiements.valider_versements([acompte], valideur)

    acompte.refresh_from_db()
    assert valides == [acompte]
    assert acompte.etat == E.VALIDE
    assert acompte.valide_par == valideur
    evenement = Evenement.objects.get(type="versement_valide")
    assert evenement.public
    assert evenement.auteur == valideur
    assert "3\u00a0150,00\u00a0€" in evenement.description or "3 150,00 €" in evenement.description
    assert str(valideur) in evenement.description


def test_valider_un_versement_deja_valide_ne_change_rien(fabrique, utilisateurs):
    acompte = fabrique()
    paiements.valider_versements([acompte], utilisateurs["valideur"])
    acompte.refresh_from_db()
    premiere = acompte.valide_le

    assert paiements.valider_versements([acompte], utilisateurs["valideur"]) == []

    acompte.refresh_from_db()
    assert acompte.valide_le == premiere
    assert Evenement.objects.filter(type="versement_valide").count() == 1


@pytest.mark.parametrize(
    "persona",
    [
        "anonyme",
        "porteur",
        "porteur_autre",
        "instructeur",
        "instructeur_autre_caf",
        "comptable",
        "national",
    ],
)
def test_seul_le_valideur_de_la_caf_valide(fabrique, utilisateurs, persona):
    acompte = fabrique()
    with pytest.raises(PermissionDenied):
        paiements.valider_versements([acompte], _utilisateur(utilisateurs, persona))
    acompte.refresh_from_db()
    assert acompte.etat == E.A_VALIDER


def test_un_valideur_d_une_autre_caf_ne_valide_pas(fabrique, caf_somme):
    from tests.factories import AgentCafFactory

    autre = AgentCafFactory(caf=caf_somme, est_instructeur=False, est_valideur=True).utilisateur
    acompte = fabrique()
    with pytest.raises(PermissionDenied):
        paiements.valider_versements([acompte], autre)
    acompte.refresh_from_db()
    assert acompte.etat == E.A_VALIDER


# --- Créer un lot -------------------------------------------------------------------------


def test_le_lot_prend_tous_les_versements_valides_de_la_caf(fabrique, caf_rhone, utilisateurs):
    premier = fabrique("4500.00", etat=E.VALIDE)
    second = fabrique("1000.00", etat=E.VALIDE)
    en_attente = fabrique("2000.00")
    date = AUJOURD_HUI() + dt.timedelta(days=2)

    resultat = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], date)

    lot = resultat.lot
    assert lot.numero == f"LOT-{caf_rhone.code}-{AUJOURD_HUI():%Y%m%d}-01"
    assert lot.nb_versements == 2
    assert lot.montant_total == Decimal("3850.00")
    assert lot.date_execution == date
    assert lot.iban_emetteur == IBAN_CAF
    assert lot.fichier_sepa.name.endswith(".xml")
    for versement in (premier, second):
        versement.refresh_from_db()
        assert versement.etat == E.MIS_EN_PAIEMENT
        assert versement.lot == lot
        assert versement.iban_beneficiaire == IBAN_STRUCTURE
        assert versement.bic_beneficiaire == BIC_STRUCTURE
        numero = versement.convention.dossier.numero.replace("-", "", 1)
        assert versement.reference == f"{numero}-A1"
        assert len(versement.reference) <= 35
    en_attente.refresh_from_db()
    assert en_attente.etat == E.A_VALIDER and en_attente.lot is None
    assert Evenement.objects.filter(type="versement_mis_en_paiement").count() == 2


def test_les_references_et_les_numeros_de_lot_sont_uniques(fabrique, caf_rhone, utilisateurs):
    fabrique(etat=E.VALIDE)
    premier = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    fabrique(etat=E.VALIDE)
    second = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
    assert premier.numero.endswith("-01") and second.numero.endswith("-02")
    references = list(Versement.objects.values_list("reference", flat=True))
    assert len(set(references)) == len(references) == 2


def test_un_second_lot_ne_reprend_pas_les_versements_du_premier(fabrique, caf_rhone, utilisateurs):
    versement = fabrique(etat=E.VALIDE)
    lot = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot

    with pytest.raises(paiements.ActionImpossible, match="Rien à payer"):
        paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())

    versement.refresh_from_db()
    assert versement.lot == lot
    assert LotPaiement.objects.count() == 1


def test_pas_de_lot_sans_compte_bancaire_de_la_caf(fabrique, caf_rhone, utilisateurs):
    versement = fabrique(etat=E.VALIDE)
    caf_rhone.iban = ""
    caf_rhone.save(update_fields=["iban"])

    with pytest.raises(paiements.ActionImpossible, match="compte bancaire de la Caf"):
        paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())

    versement.refresh_from_db()
    assert versement.etat == E.VALIDE and versement.lot is None
    assert not LotPaiement.objects.exists()


def test_une_structure_sans_iban_est_laissee_de_cote_les_autres_partent(
    fabrique, caf_rhone, utilisateurs
):
    sans_iban = fabrique("1000.00", etat=E.VALIDE, avec_iban=False, nom="Sans IBAN Bron")
    avec_iban = fabrique("2000.00", etat=E.VALIDE)

    resultat = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())

    assert resultat.versements == [avec_iban]
    assert [e.versement for e in resultat.ecartes] == [sans_iban]
    assert "Sans IBAN Bron n'a pas encore d'IBAN accepté par la Caf" in resultat.ecartes[0].raison
    sans_iban.refresh_from_db()
    assert sans_iban.etat == E.VALIDE and sans_iban.lot is None


def test_un_iban_invalide_est_refuse_avec_sa_raison(fabrique, caf_rhone, utilisateurs):
    versement = fabrique(etat=E.VALIDE)
    structure = versement.convention.dossier.structure
    structure.iban = "FR7630006000011234567890188"  # clé fausse
    structure.save(update_fields=["iban"])

    with pytest.raises(paiements.ActionImpossible) as refus:
        paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())

    assert "Aucun lot créé" in str(refus.value)
    assert "clé de contrôle incorrecte" in refus.value.details[0]


def test_rien_a_payer_est_dit_clairement(campagne_paiements, caf_rhone, utilisateurs):
    with pytest.raises(paiements.ActionImpossible, match="Rien à payer"):
        paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI())


def test_une_date_d_execution_passee_est_refusee(fabrique, caf_rhone, utilisateurs):
    fabrique(etat=E.VALIDE)
    with pytest.raises(paiements.ActionImpossible, match="est passée"):
        paiements.creer_lot(
            caf_rhone, utilisateurs["comptable"], AUJOURD_HUI() - dt.timedelta(days=1)
        )


@pytest.mark.parametrize(
    "persona",
    [
        "anonyme",
        "porteur",
        "porteur_autre",
        "instructeur",
        "instructeur_autre_caf",
        "valideur",
        "national",
    ],
)
def test_seul_le_comptable_de_la_caf_cree_un_lot(fabrique, caf_rhone, utilisateurs, persona):
    versement = fabrique(etat=E.VALIDE)
    with pytest.raises(PermissionDenied):
        paiements.creer_lot(caf_rhone, _utilisateur(utilisateurs, persona), AUJOURD_HUI())
    versement.refresh_from_db()
    assert versement.etat == E.VALIDE


# --- Marquer payé, rejeter, réémettre -----------------------------------------------------


@pytest.fixture
def lot_de_deux(fabrique, caf_rhone, utilisateurs):
    fabrique("4500.00", etat=E.VALIDE)
    fabrique("1000.00", etat=E.VALIDE)
    return paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot


def _invariant_du_grand_livre() -> None:
    """Somme des versements payés == mouvements « versement payé » == situation().verse."""
    payes = Versement.objects.filter(etat=E.PAYE).aggregate(t=Sum("montant"))["t"] or 0
    mouvements = (
        Mouvement.objects.filter(type=TypeMouvement.VERSEMENT_PAYE).aggregate(t=Sum("montant"))["t"]
        or 0
    )
    assert payes == mouvements
    for versement in Versement.objects.select_related("convention"):
        convention = versement.convention
        paye = (
            Versement.objects.filter(convention=convention, etat=E.PAYE).aggregate(
                t=Sum("montant")
            )["t"]
            or 0
        )
        assert grand_livre.situation(convention).verse == paye


def test_marquer_le_lot_paye_inscrit_chaque_paiement_au_grand_livre(
    lot_de_deux, utilisateurs, monkeypatch
):
    clotures = []
    monkeypatch.setattr(
        regularisation,  # abonnée à `versements_payes`
        "cloturer_si_termine",
        lambda convention, auteur: clotures.append(convention.pk),
    )
    comptable = utilisateurs["comptable"]

    payes = paiements.marquer_lot_paye(lot_de_deux, comptable, AUJOURD_HUI(), "VIR-2026-118")

    assert len(payes) == 2
    for versement in payes:
        versement.refresh_from_db()
        assert versement.etat == E.PAYE
        assert versement.paye_le == AUJOURD_HUI()
        assert versement.reference_bancaire == "VIR-2026-118"
        mouvement = versement.mouvement
        assert mouvement.montant == versement.montant
        assert mouvement.auteur == comptable
        assert lot_de_deux.numero in mouvement.motif
    assert sorted(clotures) == sorted(v.convention_id for v in payes)
    lot_de_deux.refresh_from_db()
    assert lot_de_deux.traite_par == comptable
    assert Evenement.objects.filter(type=TypeMouvement.VERSEMENT_PAYE, public=True).count() == 2
    _invariant_du_grand_livre()


def test_marquer_paye_deux_fois_ne_paie_pas_deux_fois(lot_de_deux, utilisateurs):
    comptable = utilisateurs["comptable"]
    paiements.marquer_lot_paye(lot_de_deux, comptable, AUJOURD_HUI(), "VIR-1")

    assert paiements.marquer_lot_paye(lot_de_deux, comptable, AUJOURD_HUI(), "VIR-2") == []

    assert Mouvement.objects.count() == 2
    assert set(Versement.objects.values_list("reference_bancaire", flat=True)) == {"VIR-1"}
    _invariant_du_grand_livre()


def test_marquer_paye_demande_une_reference_et_une_date_passee(lot_de_deux, utilisateurs):
    comptable = utilisateurs["comptable"]
    with pytest.raises(paiements.ActionImpossible, match="référence bancaire"):
        paiements.marquer_lot_paye(lot_de_deux, comptable, AUJOURD_HUI(), "  ")
    with pytest.raises(paiements.ActionImpossible, match="est à venir"):
        paiements.marquer_lot_paye(
            lot_de_deux, comptable, AUJOURD_HUI() + dt.timedelta(days=1), "VIR"
        )
    with pytest.raises(paiements.ActionImpossible, match="précède la création du lot"):
        paiements.marquer_lot_paye(
            lot_de_deux, comptable, AUJOURD_HUI() - dt.timedelta(days=10), "VIR"
        )
    assert not Mouvement.objects.exists()


@pytest.mark.parametrize(
    "persona",
    [
        "anonyme",
        "porteur",
        "porteur_autre",
        "instructeur",
        "instructeur_autre_caf",
        "valideur",
        "national",
    ],
)
def test_seul_le_comptable_marque_paye_rejette_et_importe(lot_de_deux, utilisateurs, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clas.versements import retour_banque

    utilisateur = _utilisateur(utilisateurs, persona)
    versement = lot_de_deux.versements.first()
    with pytest.raises(PermissionDenied):
        paiements.marquer_lot_paye(lot_de_deux, utilisateur, AUJOURD_HUI(), "VIR")
    with pytest.raises(PermissionDenied):
        paiements.rejeter_versement(versement, utilisateur, "Compte clos")
    fichier = SimpleUploadedFile(
        "retour.csv",
        f"reference;statut;date;reference_bancaire;motif\n{versement.reference};paye;"
        f"{AUJOURD_HUI():%d/%m/%Y};VIR;\n".encode(),
    )
    with pytest.raises(PermissionDenied):
        retour_banque.importer_retour(lot_de_deux, fichier, utilisateur)
    assert not Versement.objects.filter(etat__in=[E.PAYE, E.REJETE]).exists()
    assert not Mouvement.objects.exists()


def test_un_rejet_demande_un_motif_et_reste_hors_du_grand_livre(lot_de_deux, utilisateurs):
    comptable = utilisateurs["comptable"]
    rejete, autre = lot_de_deux.versements.order_by("pk")
    with pytest.raises(paiements.ActionImpossible, match="motif"):
        paiements.rejeter_versement(rejete, comptable, "")

    versement, fait = paiements.rejeter_versement(rejete, comptable, "Compte clos (AC04).")

    assert fait and versement.etat == E.REJETE and versement.rejete_le
    assert paiements.rejeter_versement(rejete, comptable, "Autre motif")[1] is False
    rejete.refresh_from_db()
    assert rejete.motif_rejet == "Compte clos (AC04)."
    evenement = Evenement.objects.get(type="versement_rejete")
    assert evenement.public and "Compte clos" in evenement.description

    payes = paiements.marquer_lot_paye(lot_de_deux, comptable, AUJOURD_HUI(), "VIR")
    assert payes == [autre]
    rejete.refresh_from_db()
    assert rejete.etat == E.REJETE
    assert Mouvement.objects.count() == 1
    _invariant_du_grand_livre()


def test_on_ne_rejette_pas_un_versement_paye(lot_de_deux, utilisateurs):
    comptable = utilisateurs["comptable"]
    paiements.marquer_lot_paye(lot_de_deux, comptable, AUJOURD_HUI(), "VIR")
    with pytest.raises(paiements.ActionImpossible, match="seul un versement mis en paiement"):
        paiements.rejeter_versement(lot_de_deux.versements.first(), comptable, "Compte clos")


def test_un_versement_rejete_est_reemis_une_fois_puis_part_dans_un_lot_suivant(
    lot_de_deux, caf_rhone, utilisateurs
):
    comptable, valideur = utilisateurs["comptable"], utilisateurs["valideur"]
    rejete = lot_de_deux.versements.order_by("pk").first()
    paiements.rejeter_versement(rejete, comptable, "IBAN inconnu")

    nouveau, cree = paiements.reemettre(rejete, comptable)
    encore, cree_encore = paiements.reemettre(rejete, valideur)

    assert cree and not cree_encore and encore == nouveau
    assert nouveau.etat == E.A_VALIDER
    assert nouveau.reemission_de == rejete
    assert (nouveau.nature, nouveau.montant) == (rejete.nature, rejete.montant)
    assert nouveau.caf_id == rejete.caf_id == caf_rhone.pk
    assert Evenement.objects.filter(type="versement_reemis").count() == 1

    paiements.valider_versements([nouveau], valideur)
    second = paiements.creer_lot(caf_rhone, comptable, AUJOURD_HUI()).lot
    nouveau.refresh_from_db()
    assert nouveau.lot == second
    assert nouveau.reference == rejete.reference[:-1] + "2"
    rejete.refresh_from_db()
    assert rejete.lot == lot_de_deux


def test_on_ne_reemet_ni_un_versement_en_cours_ni_sans_etre_comptable_ou_valideur(
    lot_de_deux, utilisateurs
):
    versement = lot_de_deux.versements.first()
    with pytest.raises(paiements.ActionImpossible, match="seul un versement rejeté"):
        paiements.reemettre(versement, utilisateurs["comptable"])
    paiements.rejeter_versement(versement, utilisateurs["comptable"], "Compte clos")
    for persona in ("instructeur", "instructeur_autre_caf", "porteur", "national"):
        with pytest.raises(PermissionDenied):
            paiements.reemettre(versement, utilisateurs[persona])
    assert not Versement.objects.filter(reemission_de=versement).exists()


def test_un_acompte_rejete_n_est_plus_reemis_apres_l_acceptation_du_bilan(
    lot_de_deux, utilisateurs
):
    """Le solde calculé à l'acceptation du bilan compte sans l'acompte rejeté : le réémettre
    le paierait deux fois."""
    from clas.conventions.actions import arreter_montant_definitif

    versement = lot_de_deux.versements.first()
    paiements.rejeter_versement(versement, utilisateurs["comptable"], "Compte clos")
    # L'acceptation du bilan arrête le montant définitif de la convention.
    arreter_montant_definitif(versement.convention, Decimal("4500.00"))

    with pytest.raises(paiements.ActionImpossible, match="Le bilan est accepté"):
        paiements.reemettre(versement, utilisateurs["comptable"])
    assert not Versement.objects.filter(reemission_de=versement).exists()


def test_creer_un_lot_fait_autant_de_requetes_pour_deux_ou_huit_versements(
    fabrique, caf_rhone, utilisateurs
):
    """Les versements d'un lot sont écrits en masse (état, lot, référence, historique) : le
    nombre de requêtes, sous le verrou de la Caf, ne dépend pas de leur nombre."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def requetes_du_lot(nombre: int) -> tuple[int, LotPaiement]:
        versements = [fabrique("1000.00", etat=E.VALIDE) for _ in range(nombre)]
        with CaptureQueriesContext(connection) as capture:
            lot = paiements.creer_lot(caf_rhone, utilisateurs["comptable"], AUJOURD_HUI()).lot
        for versement in versements:
            versement.refresh_from_db()
            assert versement.etat == E.MIS_EN_PAIEMENT and versement.lot == lot
        return len(capture.captured_queries), lot

    requetes_du_lot(1)  # le premier lot remplit des caches de Django (types de contenu…)
    petit, _ = requetes_du_lot(2)
    grand, lot = requetes_du_lot(8)

    assert grand == petit
    evenements = Evenement.objects.filter(
        type="versement_mis_en_paiement", description__contains=lot.numero
    )
    assert evenements.count() == 8
    assert {(e.etat_avant, e.etat_apres, e.objet, e.public) for e in evenements} == {
        (E.VALIDE, E.MIS_EN_PAIEMENT, "versement", True)
    }
