"""`manage.py charger_demo` : les comptes de démonstration, idempotent, prudent hors DEBUG."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from clas.comptes.models import AgentCaf, Utilisateur
from clas.referentiel.models import Caf
from clas.structures.models import MembreStructure, RoleMembre, Structure

pytestmark = pytest.mark.django_db

MOT_DE_PASSE = "demo-clas-2026"
COMPTES = [
    "porteur@demo.clas.fr",
    "contributeur@demo.clas.fr",
    "porteur2@demo.clas.fr",
    "instructeur@demo.clas.fr",
    "valideur@demo.clas.fr",
    "comptable@demo.clas.fr",
    "instructeur.somme@demo.clas.fr",
    "national@demo.clas.fr",
]


def charger() -> str:
    sortie = StringIO()
    call_command("charger_demo", "--force", stdout=sortie)
    return sortie.getvalue()


def compter() -> dict[str, int]:
    return {
        "utilisateurs": Utilisateur.objects.count(),
        "structures": Structure.objects.count(),
        "membres": MembreStructure.objects.count(),
        "agents": AgentCaf.objects.count(),
        "caf": Caf.objects.count(),
    }


def test_la_demo_cree_tous_les_comptes_de_l_issue_avec_le_mot_de_passe_documente() -> None:
    sortie = charger()

    for email in COMPTES:
        utilisateur = Utilisateur.objects.get(email=email)
        assert utilisateur.is_active
        assert utilisateur.check_password(MOT_DE_PASSE), email
        assert email in sortie
    assert MOT_DE_PASSE in sortie


def test_charger_deux_fois_ne_cree_rien_de_plus() -> None:
    charger()
    premiere = compter()

    charger()

    assert compter() == premiere
    assert premiere["caf"] == 101
    assert Utilisateur.objects.get(email="porteur@demo.clas.fr").check_password(MOT_DE_PASSE)


def test_recharger_repare_un_mot_de_passe_change() -> None:
    charger()
    porteur = Utilisateur.objects.get(email="porteur@demo.clas.fr")
    porteur.set_password("autre-chose-que-la-demo")
    porteur.save()

    charger()

    porteur.refresh_from_db()
    assert porteur.check_password(MOT_DE_PASSE)


def test_les_deux_porteurs_sont_dans_deux_structures_differentes_du_rhone() -> None:
    charger()

    structures = [
        MembreStructure.objects.select_related("structure__caf")
        .get(utilisateur__email=email)
        .structure
        for email in ("porteur@demo.clas.fr", "porteur2@demo.clas.fr")
    ]
    assert structures[0] != structures[1]
    assert {s.caf.departement for s in structures} == {"69"}
    for structure in structures:
        structure.full_clean()


def test_le_contributeur_prepare_les_dossiers_des_pentes_sans_les_administrer() -> None:
    sortie = charger()

    membre = MembreStructure.objects.select_related("structure").get(
        utilisateur__email="contributeur@demo.clas.fr"
    )
    assert membre.structure.nom == "Centre social des Pentes"
    assert membre.role == RoleMembre.CONTRIBUTEUR
    assert "contributeur de « Centre social des Pentes »" in sortie


@pytest.mark.parametrize(
    ("email", "departement", "roles"),
    [
        ("instructeur@demo.clas.fr", "69", ["instructeur"]),
        ("valideur@demo.clas.fr", "69", ["valideur"]),
        ("comptable@demo.clas.fr", "69", ["comptable"]),
        ("instructeur.somme@demo.clas.fr", "80", ["instructeur"]),
    ],
)
def test_chaque_agent_a_sa_caf_et_son_role(email: str, departement: str, roles: list[str]) -> None:
    charger()

    agent = AgentCaf.objects.select_related("caf").get(utilisateur__email=email)

    assert agent.caf.departement == departement
    assert agent.roles == roles
    assert not agent.utilisateur.est_admin_national


def test_le_compte_national_est_administrateur_national_et_rien_d_autre() -> None:
    charger()

    national = Utilisateur.objects.get(email="national@demo.clas.fr")

    assert national.est_admin_national
    assert not AgentCaf.objects.filter(utilisateur=national).exists()
    assert not national.adhesions.exists()


@pytest.mark.parametrize(
    ("email", "page"),
    [
        ("porteur@demo.clas.fr", "/structure/"),
        ("contributeur@demo.clas.fr", "/structure/"),
        ("porteur2@demo.clas.fr", "/structure/"),
        ("instructeur@demo.clas.fr", "/caf/"),
        ("valideur@demo.clas.fr", "/caf/"),
        ("comptable@demo.clas.fr", "/paiements/"),
        ("instructeur.somme@demo.clas.fr", "/caf/"),
        ("national@demo.clas.fr", "/national/"),
    ],
)
def test_chaque_compte_de_demo_se_connecte_et_arrive_sur_sa_page(email: str, page: str) -> None:
    charger()

    reponse = Client().post(
        "/connexion/", {"username": email, "password": MOT_DE_PASSE}, follow=True
    )

    assert reponse.status_code == 200
    assert reponse.redirect_chain[-1][0] == page


@override_settings(DEBUG=False)
def test_la_demo_refuse_de_tourner_hors_debug_sans_force() -> None:
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        call_command("charger_demo", stdout=StringIO())

    assert not Utilisateur.objects.exists()
    assert not Structure.objects.exists()


@override_settings(DEBUG=False)
def test_la_demo_tourne_hors_debug_avec_force() -> None:
    charger()

    assert Utilisateur.objects.filter(email__in=COMPTES).count() == len(COMPTES)


@override_settings(DEBUG=True)
def test_la_demo_tourne_sans_force_en_debug() -> None:
    call_command("charger_demo", stdout=StringIO())

    assert Utilisateur.objects.filter(email__in=COMPTES).count() == len(COMPTES)


def test_la_demo_refuse_une_base_sans_referentiel_des_caf() -> None:
    Caf.objects.all().delete()

    with pytest.raises(CommandError, match="lancez d'abord « migrate »"):
        charger()


def test_la_demo_donne_aux_deux_porteurs_des_dossiers_en_brouillon_et_deposes() -> None:
    from clas.dossiers.models import Dossier

    charger()
    for email in ("porteur@demo.clas.fr", "porteur2@demo.clas.fr"):
        etats = set(
            Dossier.objects.filter(structure__membres__utilisateur__email=email).values_list(
                "etat", flat=True
            )
        )
        assert {"brouillon", "depose"} <= etats, email


def test_la_demo_couvre_3_collectifs_un_rural_de_5_enfants_et_un_demarrage_en_janvier() -> None:
    from clas.dossiers.models import Collectif, Dossier

    charger()
    avec_trois = [
        d for d in Dossier.objects.prefetch_related("collectifs") if len(d.collectifs.all()) >= 3
    ]
    assert avec_trois
    assert Collectif.objects.filter(milieu_rural=True, nb_enfants=5).exists()
    en_cours_d_annee = Collectif.objects.filter(
        semaines_de_fonctionnement__lt=36, premiere_semaine__month=1
    )
    assert en_cours_d_annee.exists()


def test_les_dossiers_deposes_de_la_demo_ont_un_numero_et_un_accuse_pdf(
    django_capture_on_commit_callbacks,
) -> None:
    from clas.dossiers.models import Dossier

    # L'accusé est produit après validation de la transaction de dépôt.
    with django_capture_on_commit_callbacks(execute=True):
        charger()
    deposes = Dossier.objects.filter(etat="depose")
    assert deposes.count() >= 3
    for dossier in deposes:
        assert dossier.numero.startswith("CLAS-")
        with dossier.recu.open("rb") as fichier:
            assert fichier.read(5) == b"%PDF-"


def test_la_demo_reste_idempotente_avec_ses_dossiers() -> None:
    from clas.dossiers.models import Dossier, Evenement

    charger()
    avant = (Dossier.objects.count(), Evenement.objects.count())
    charger()
    assert (Dossier.objects.count(), Evenement.objects.count()) == avant


def test_la_demo_donne_a_la_caf_du_rhone_un_dossier_a_chaque_etat_et_des_dossiers_a_la_somme(
    django_capture_on_commit_callbacks,
) -> None:
    from clas.dossiers.models import Dossier, EtatDossier
    from clas.instruction.models import Decision, Proposition

    with django_capture_on_commit_callbacks(execute=True):
        charger()
    rhone = Dossier.objects.filter(campagne__caf__departement="69")
    assert set(rhone.values_list("etat", flat=True)) == set(EtatDossier.values)
    assert Proposition.objects.filter(
        statut="en_attente", dossier__campagne__caf__departement="69"
    ).exists()
    assert {d.nature for d in Decision.objects.all()} == {"accord", "refus", "sans_suite"}
    assert all(d.lettre for d in Decision.objects.all())
    somme = Dossier.objects.filter(campagne__caf__departement="80")
    assert {"depose", "en_instruction"} <= set(somme.values_list("etat", flat=True))


def test_la_demo_montre_l_argent_a_chaque_etape(django_capture_on_commit_callbacks) -> None:
    """Convention à signer, acompte validé puis payé, bilan déposé, solde à valider, solde
    payé et dossier clôturé, indu ouvert avec un remboursement partiel (issue 5, point 12)."""
    from clas.bilans.models import Bilan, Indu
    from clas.conventions.models import Convention
    from clas.versements import grand_livre
    from clas.versements.models import LotPaiement, Versement

    with django_capture_on_commit_callbacks(execute=True):
        charger()
    conventions = Convention.objects.filter(dossier__campagne__caf__departement="69")
    assert conventions.filter(signee_le__isnull=True).exists()
    versements = Versement.objects.all()
    assert {
        ("acompte", "paye"),
        ("acompte", "valide"),
        ("solde", "a_valider"),
        ("solde", "paye"),
    } <= {(v.nature, v.etat) for v in versements}
    lot = LotPaiement.objects.first()
    assert lot is not None and lot.fichier_sepa
    assert set(Bilan.objects.values_list("etat", flat=True)) == {"depose", "accepte"}
    indu = Indu.objects.get()
    assert indu.etat == "ouvert" and indu.avis
    assert 0 < sum(r.montant for r in indu.remboursements.all()) < indu.montant
    cloture = conventions.get(dossier__etat="cloture")
    situation = grand_livre.situation(cloture)
    assert situation.verse == cloture.montant_maximal
    for convention in conventions:
        payes = sum(v.montant for v in convention.versements.filter(etat="paye"))
        assert grand_livre.situation(convention).verse == payes


def test_recharger_la_demo_ne_paie_rien_de_plus() -> None:
    from clas.versements.models import LotPaiement, Mouvement, Versement

    charger()
    avant = (
        LotPaiement.objects.count(),
        Mouvement.objects.count(),
        sorted(Versement.objects.values_list("id", "etat")),
    )
    charger()
    apres = (
        LotPaiement.objects.count(),
        Mouvement.objects.count(),
        sorted(Versement.objects.values_list("id", "etat")),
    )
    assert apres == avant
