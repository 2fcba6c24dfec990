"""`manage.py charger_demo` : les comptes de démonstration, idempotent, prudent hors DEBUG.

La démo est chargée une fois pour tout le dossier (tests/demo/conftest.py) ; les tests qui
la rechargent le font dans leur transaction. Les refus sur une base vide sont dans
tests/core/test_charger_demo.py."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
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
    "responsable@demo.clas.fr",
    "instructeur.somme@demo.clas.fr",
    "national@demo.clas.fr",
    "national2@demo.clas.fr",
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


def test_la_demo_cree_tous_les_comptes_de_l_issue_avec_le_mot_de_passe_documente(
    sortie_de_la_demo: str,
) -> None:
    sortie = sortie_de_la_demo

    for email in COMPTES:
        utilisateur = Utilisateur.objects.get(email=email)
        assert utilisateur.is_active
        assert utilisateur.check_password(MOT_DE_PASSE), email
        assert email in sortie
    assert MOT_DE_PASSE in sortie


def test_recharger_repare_un_mot_de_passe_change() -> None:
    porteur = Utilisateur.objects.get(email="porteur@demo.clas.fr")
    porteur.set_password("autre-chose-que-la-demo")
    porteur.save()

    charger()

    porteur.refresh_from_db()
    assert porteur.check_password(MOT_DE_PASSE)


def test_les_deux_porteurs_sont_dans_deux_structures_differentes_du_rhone() -> None:

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


@pytest.mark.parametrize(
    ("email", "departement", "roles"),
    [
        ("instructeur@demo.clas.fr", "69", ["instructeur"]),
        ("valideur@demo.clas.fr", "69", ["valideur"]),
        ("comptable@demo.clas.fr", "69", ["comptable"]),
        ("responsable@demo.clas.fr", "69", ["responsable"]),
        ("instructeur.somme@demo.clas.fr", "80", ["instructeur"]),
    ],
)
def test_chaque_agent_a_sa_caf_et_son_role(email: str, departement: str, roles: list[str]) -> None:

    agent = AgentCaf.objects.select_related("caf").get(utilisateur__email=email)

    assert agent.caf.departement == departement
    assert agent.roles == roles
    assert not agent.utilisateur.est_admin_national


def test_le_compte_national_est_administrateur_national_et_rien_d_autre() -> None:

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
        ("responsable@demo.clas.fr", "/caf/"),
        ("instructeur.somme@demo.clas.fr", "/caf/"),
        ("national@demo.clas.fr", "/national/"),
        ("national2@demo.clas.fr", "/national/"),
    ],
)
def test_chaque_compte_de_demo_se_connecte_et_arrive_sur_sa_page(email: str, page: str) -> None:

    reponse = Client().post(
        "/connexion/", {"username": email, "password": MOT_DE_PASSE}, follow=True
    )

    assert reponse.status_code == 200
    assert reponse.redirect_chain[-1][0] == page


@override_settings(DEBUG=False)
def test_la_demo_tourne_hors_debug_avec_force() -> None:
    assert "Données de démonstration chargées." in charger()

    assert Utilisateur.objects.filter(email__in=COMPTES).count() == len(COMPTES)


@override_settings(DEBUG=True)
def test_la_demo_tourne_sans_force_en_debug() -> None:
    sortie = StringIO()
    call_command("charger_demo", stdout=sortie)

    assert "Données de démonstration chargées." in sortie.getvalue()
    assert Utilisateur.objects.filter(email__in=COMPTES).count() == len(COMPTES)


def test_la_demo_donne_aux_deux_porteurs_des_dossiers_en_brouillon_et_deposes() -> None:
    from clas.dossiers.models import Dossier

    for email in ("porteur@demo.clas.fr", "porteur2@demo.clas.fr"):
        etats = set(
            Dossier.objects.filter(structure__membres__utilisateur__email=email).values_list(
                "etat", flat=True
            )
        )
        assert {"brouillon", "depose"} <= etats, email


def test_la_demo_couvre_3_collectifs_un_rural_de_5_enfants_et_un_demarrage_en_janvier() -> None:
    from clas.dossiers.models import Collectif, Dossier

    avec_trois = [
        d for d in Dossier.objects.prefetch_related("collectifs") if len(d.collectifs.all()) >= 3
    ]
    assert avec_trois
    assert Collectif.objects.filter(milieu_rural=True, nb_enfants=5).exists()
    en_cours_d_annee = Collectif.objects.filter(
        semaines_de_fonctionnement__lt=36, premiere_semaine__month=1
    )
    assert en_cours_d_annee.exists()


def test_les_dossiers_deposes_de_la_demo_ont_un_numero_et_un_accuse_pdf() -> None:
    from clas.dossiers.models import Dossier

    # L'accusé est produit après validation de la transaction de dépôt (exécutée au
    # chargement, tests/demo/conftest.py).
    deposes = Dossier.objects.filter(etat="depose")
    assert deposes.count() >= 3
    for dossier in deposes:
        assert dossier.numero.startswith("CLAS-")
        with dossier.recu.open("rb") as fichier:
            assert fichier.read(5) == b"%PDF-"


def test_la_demo_donne_a_la_caf_du_rhone_un_dossier_a_chaque_etat_et_des_dossiers_a_la_somme() -> (
    None
):
    from clas.dossiers.models import Dossier, EtatDossier
    from clas.instruction.models import Decision, Proposition

    rhone = Dossier.objects.filter(campagne__caf__departement="69")
    assert set(rhone.values_list("etat", flat=True)) == set(EtatDossier.values)
    assert Proposition.objects.filter(
        statut="en_attente", dossier__campagne__caf__departement="69"
    ).exists()
    assert {d.nature for d in Decision.objects.all()} == {"accord", "refus", "sans_suite"}
    assert all(d.lettre for d in Decision.objects.all())
    somme = Dossier.objects.filter(campagne__caf__departement="80")
    assert {"depose", "en_instruction"} <= set(somme.values_list("etat", flat=True))


def test_la_demo_montre_l_argent_a_chaque_etape() -> None:
    """Convention à signer, acompte validé puis payé, bilan déposé, solde à valider, solde
    payé et dossier clôturé, indu ouvert avec un remboursement partiel (issue 5, point 12)."""
    from clas.bilans.models import Bilan, Indu
    from clas.conventions.models import Convention
    from clas.versements import grand_livre
    from clas.versements.models import LotPaiement, Versement

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


def test_recharger_la_demo_ne_cree_rien_et_ne_paie_rien_de_plus() -> None:
    from clas.dossiers.models import Dossier, Evenement
    from clas.versements.models import LotPaiement, Mouvement, Versement

    def etat() -> tuple[object, ...]:
        return (
            compter(),
            Dossier.objects.count(),
            Evenement.objects.count(),
            LotPaiement.objects.count(),
            Mouvement.objects.count(),
            sorted(Versement.objects.values_list("id", "etat")),
        )

    avant = etat()

    charger()

    assert etat() == avant
    assert compter()["caf"] == 101
    assert Utilisateur.objects.get(email="porteur@demo.clas.fr").check_password(MOT_DE_PASSE)


def test_les_evenements_de_la_demo_sont_tous_au_catalogue() -> None:
    from clas.dossiers.evenements import CATALOGUE
    from clas.dossiers.models import Evenement

    types = set(Evenement.objects.values_list("type", flat=True))
    assert types
    assert types <= set(CATALOGUE)


def test_la_sortie_presente_chaque_compte_avec_son_role_sa_page_et_ce_qu_on_y_voit(
    sortie_de_la_demo: str,
) -> None:
    from clas.demo.management.commands.charger_demo import COMPTES as COMPTES_DE_DEMO

    lignes = sortie_de_la_demo.splitlines()
    attendus = {
        "porteur@demo.clas.fr": (
            "administrateur de « Centre social des Pentes » (Caf du Rhône)",
            "/structure/",
            "brouillon",
        ),
        "contributeur@demo.clas.fr": (
            "contributeur de « Centre social des Pentes »",
            "/structure/",
            "à compléter",
        ),
        "porteur2@demo.clas.fr": ("« Association Réussir ensemble »", "/structure/", "brouillon"),
        "porteur.somme@demo.clas.fr": ("(Caf de la Somme)", "/structure/", "dossier déposé"),
        "instructeur@demo.clas.fr": ("instructeur — Caf du Rhône", "/caf/", "file à instruire"),
        "valideur@demo.clas.fr": ("valideur — Caf du Rhône", "/caf/", "à valider"),
        "comptable@demo.clas.fr": ("comptable — Caf du Rhône", "/paiements/", "lot"),
        "responsable@demo.clas.fr": ("responsable — Caf du Rhône", "/caf/", "équipe"),
        "instructeur.somme@demo.clas.fr": ("instructeur — Caf de la Somme", "/caf/", "à instruire"),
        "national@demo.clas.fr": ("administration nationale", "/national/", "barème"),
        "national2@demo.clas.fr": ("administration nationale", "/national/", "approuve"),
    }
    assert {c["email"] for c in COMPTES_DE_DEMO} == set(attendus)
    for email, (qui, page, ce_qu_on_voit) in attendus.items():
        rang = lignes.index(f"  {email}")
        bloc = "\n".join(lignes[rang + 1 : rang + 3])
        assert qui in bloc, email
        assert f"arrive sur http://127.0.0.1:8000{page}" in bloc, email
        assert "on y voit : " in bloc and ce_qu_on_voit in bloc.split("on y voit : ")[1], email
    assert "Le site : http://127.0.0.1:8000/ " in sortie_de_la_demo
    assert "minguettes@demo.clas.fr" in sortie_de_la_demo


def test_l_adresse_affichee_suit_l_option_url() -> None:
    sortie = StringIO()
    call_command("charger_demo", "--force", "--url", "http://127.0.0.1:8001", stdout=sortie)

    texte = sortie.getvalue()
    assert "arrive sur http://127.0.0.1:8001/caf/" in texte
    assert (
        "Le site : http://127.0.0.1:8001/ (connexion : http://127.0.0.1:8001/connexion/)" in texte
    )
    assert "8000" not in texte


def test_le_contributeur_prepare_les_dossiers_des_pentes_sans_les_administrer(
    sortie_de_la_demo: str,
) -> None:
    membre = MembreStructure.objects.select_related("structure").get(
        utilisateur__email="contributeur@demo.clas.fr"
    )
    assert membre.structure.nom == "Centre social des Pentes"
    assert membre.role == RoleMembre.CONTRIBUTEUR
    assert "contributeur de « Centre social des Pentes »" in sortie_de_la_demo


def test_ce_que_la_demo_annonce_est_dans_les_donnees() -> None:
    """« bilan de l'an dernier en retard » (instructeur), « dossier de l'an dernier accepté »
    (porteur) : annoncés par make run, ils doivent exister."""
    from clas.bilans.retards import condition_bilan_en_retard
    from clas.conventions.models import Convention
    from clas.dossiers.models import Dossier, EtatDossier

    en_retard = Convention.objects.filter(condition_bilan_en_retard())
    assert en_retard.filter(dossier__campagne__caf__departement="69").exists()
    etats = set(
        Dossier.objects.filter(
            structure__membres__utilisateur__email="porteur@demo.clas.fr"
        ).values_list("etat", flat=True)
    )
    assert {EtatDossier.ACCEPTE, EtatDossier.DEPOSE, EtatDossier.BROUILLON} <= etats


def test_la_demo_a_une_modification_du_bareme_que_le_second_national_approuve() -> None:
    from clas.referentiel.models import EtatApprobation, PropositionParametres

    proposition = PropositionParametres.objects.get(etat=EtatApprobation.A_APPROUVER)
    assert proposition.propose_par.email == "national@demo.clas.fr"
    chemin = f"/national/parametres/{proposition.parametres.annee_scolaire}/"
    client = Client()
    client.force_login(Utilisateur.objects.get(email="national2@demo.clas.fr"))
    assert "Approuver cette modification" in client.get(chemin).content.decode()

    client.post(f"{chemin}propositions/{proposition.pk}/approuver/")

    proposition.refresh_from_db()
    assert proposition.etat == EtatApprobation.APPROUVEE
    assert proposition.modifications.get().approuve_par.email == "national2@demo.clas.fr"


def test_le_compte_de_la_caf_du_rhone_a_ete_propose_puis_approuve_par_deux_personnes() -> None:
    from clas.referentiel.models import EvenementCompteCaf

    types = {
        e.type: e.auteur.email
        for e in EvenementCompteCaf.objects.filter(caf__departement="69").select_related("auteur")
    }
    assert types == {
        "compte_caf_propose": "valideur@demo.clas.fr",
        "compte_caf_approuve": "comptable@demo.clas.fr",
    }
