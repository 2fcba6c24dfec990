"""Une structure ne change de Caf que par un transfert qu'un agent confirme : un code postal
d'un autre département est « à confirmer » ; la structure reste à sa Caf et à son adresse
jusqu'à la confirmation d'un agent de sa Caf actuelle (ou du national) ; tout est au
journal (qui, quand, de quelle Caf à quelle Caf)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from clas.comptes.models import Utilisateur
from clas.structures import actions, transferts
from clas.structures.models import (
    EtatTransfert,
    EvenementTransfert,
    Structure,
    TransfertStructure,
)
from tests.outils import texte

from .conftest import saisie_structure

pytestmark = pytest.mark.django_db
ET = EtatTransfert


def _fiche(structure: Structure, **changements) -> dict:
    donnees = {
        "nom": structure.nom,
        "type_structure": structure.type_structure,
        "forme_juridique": structure.forme_juridique,
        "siret": structure.siret,
        "rna": structure.rna,
        "adresse": structure.adresse,
        "code_postal": structure.code_postal,
        "commune": structure.commune,
        "representant_prenom": structure.representant_prenom,
        "representant_nom": structure.representant_nom,
        "representant_qualite": structure.representant_qualite,
        "email": structure.email,
        "telephone": structure.telephone,
    }
    donnees.update(changements)
    return donnees


def _demenager(structure, porteur_utilisateur, code_postal="80100", commune="Abbeville"):
    return actions.modifier_structure(
        structure,
        porteur_utilisateur,
        _fiche(structure, code_postal=code_postal, commune=commune, adresse="1 place du Marché"),
    )


def test_un_code_postal_d_une_autre_caf_est_mis_en_attente(structure_a, utilisateurs):
    ancien = (structure_a.code_postal, structure_a.commune, structure_a.caf_id)

    transfert = _demenager(structure_a, utilisateurs["porteur"])

    structure_a.refresh_from_db()
    assert (structure_a.code_postal, structure_a.commune, structure_a.caf_id) == ancien
    assert transfert is not None and transfert.etat == ET.A_CONFIRMER
    assert transfert.caf_origine.departement == "69"
    assert transfert.caf_destination.departement == "80"
    assert (transfert.code_postal, transfert.commune) == ("80100", "Abbeville")
    demande = EvenementTransfert.objects.get(type="transfert_demande")
    assert demande.auteur == utilisateurs["porteur"]
    assert "Caf du Rhône" in demande.description and "Caf de la Somme" in demande.description


def test_les_autres_champs_de_la_fiche_sont_enregistres_tout_de_suite(structure_a, utilisateurs):
    actions.modifier_structure(
        structure_a,
        utilisateurs["porteur"],
        _fiche(structure_a, code_postal="80100", commune="Abbeville", telephone="03 22 00 00 00"),
    )
    structure_a.refresh_from_db()
    assert structure_a.telephone == "03 22 00 00 00"
    assert structure_a.code_postal != "80100"


def test_un_code_postal_de_la_meme_caf_change_directement(structure_a, utilisateurs):
    assert (
        actions.modifier_structure(
            structure_a,
            utilisateurs["porteur"],
            _fiche(structure_a, code_postal="69100", commune="Villeurbanne"),
        )
        is None
    )
    structure_a.refresh_from_db()
    assert (structure_a.code_postal, structure_a.departement) == ("69100", "69")
    assert not TransfertStructure.objects.exists()


def test_revenir_dans_le_departement_annule_le_transfert_en_attente(structure_a, utilisateurs):
    transfert = _demenager(structure_a, utilisateurs["porteur"])
    assert _demenager(structure_a, utilisateurs["porteur"]) == transfert  # même demande
    actions.modifier_structure(
        structure_a,
        utilisateurs["porteur"],
        _fiche(structure_a, code_postal="69100", commune="Villeurbanne"),
    )
    transfert.refresh_from_db()
    structure_a.refresh_from_db()
    assert transfert.etat == ET.ANNULE
    assert structure_a.code_postal == "69100"
    assert EvenementTransfert.objects.filter(type="transfert_annule").exists()


@pytest.mark.parametrize("persona", ["instructeur", "valideur", "comptable", "national"])
def test_un_agent_de_la_caf_actuelle_ou_le_national_confirme(
    structure_a, utilisateurs, persona, caf_somme
):
    from clas.structures.models import PieceJustificative  # noqa: F401  (suit la structure)

    transfert = _demenager(structure_a, utilisateurs["porteur"])

    structure = transferts.confirmer_transfert(transfert, utilisateurs[persona])

    structure.refresh_from_db()
    assert structure.caf == caf_somme
    assert (structure.code_postal, structure.commune, structure.departement) == (
        "80100",
        "Abbeville",
        "80",
    )
    # Les membres et l'historique sont rattachés à la structure : ils la suivent.
    assert structure.membres.filter(utilisateur=utilisateurs["porteur"]).exists()
    confirme = EvenementTransfert.objects.get(type="transfert_confirme")
    assert confirme.auteur == utilisateurs[persona]
    assert "Caf du Rhône" in confirme.description and "Caf de la Somme" in confirme.description
    assert EvenementTransfert.objects.filter(structure=structure).count() == 2


@pytest.mark.parametrize("persona", ["porteur", "porteur_autre", "instructeur_autre_caf"])
def test_ni_la_structure_ni_une_autre_caf_ne_confirment(structure_a, utilisateurs, persona):
    transfert = _demenager(structure_a, utilisateurs["porteur"])
    for agir in (
        lambda: transferts.confirmer_transfert(transfert, utilisateurs[persona]),
        lambda: transferts.refuser_transfert(transfert, utilisateurs[persona], "Non"),
    ):
        with pytest.raises(PermissionDenied):
            agir()
    transfert.refresh_from_db()
    structure_a.refresh_from_db()
    assert transfert.etat == ET.A_CONFIRMER and structure_a.caf.departement == "69"


def test_le_refus_exige_un_motif_et_garde_la_caf(structure_a, utilisateurs):
    transfert = _demenager(structure_a, utilisateurs["porteur"])
    with pytest.raises(ValidationError):
        transferts.refuser_transfert(transfert, utilisateurs["instructeur"], " ")
    transferts.refuser_transfert(transfert, utilisateurs["instructeur"], "Le siège reste à Lyon.")
    transfert.refresh_from_db()
    structure_a.refresh_from_db()
    assert transfert.etat == ET.REFUSE and transfert.motif_refus == "Le siège reste à Lyon."
    assert structure_a.caf.departement == "69"


def test_les_dossiers_non_decides_suivent_la_structure_les_decides_restent(
    structure_a, utilisateurs, caf_somme
):
    from clas.dossiers.models import Dossier, EtatDossier
    from clas.instruction.models import StatutProposition
    from tests.instruction.outils import creer_campagne, creer_proposition

    valideur = utilisateurs["valideur"]
    instructeur = utilisateurs["instructeur"]
    rhone_2024 = creer_campagne(structure_a.caf, "2024-2025", cree_par=valideur)
    rhone_2025 = creer_campagne(structure_a.caf, "2025-2026", cree_par=valideur)
    rhone_2026 = creer_campagne(structure_a.caf, "2026-2027", cree_par=valideur)
    somme_2025 = creer_campagne(caf_somme, "2025-2026", cree_par=valideur)
    somme_2026 = creer_campagne(caf_somme, "2026-2027", cree_par=valideur)
    porteur = utilisateurs["porteur"]
    decide = Dossier.objects.create(
        structure=structure_a, campagne=rhone_2024, cree_par=porteur, etat=EtatDossier.ACCEPTE
    )
    en_instruction = Dossier.objects.create(
        structure=structure_a,
        campagne=rhone_2025,
        cree_par=porteur,
        etat=EtatDossier.EN_INSTRUCTION,
        instructeur=instructeur,
    )
    proposition = creer_proposition(en_instruction, instructeur)
    brouillon = Dossier.objects.create(structure=structure_a, campagne=rhone_2026, cree_par=porteur)

    transferts.confirmer_transfert(_demenager(structure_a, porteur), instructeur)

    for dossier in (brouillon, en_instruction, decide):
        dossier.refresh_from_db()
    assert brouillon.campagne == somme_2026
    assert en_instruction.campagne == somme_2025 and en_instruction.instructeur is None
    assert en_instruction.etat == EtatDossier.EN_INSTRUCTION
    assert decide.campagne == rhone_2024
    assert "passe de la Caf du Rhône" in brouillon.evenements.get(type="note").description
    assert "passe de la Caf du Rhône" in en_instruction.evenements.get(type="note").description
    assert "reste suivi par la Caf du Rhône" in decide.evenements.get(type="note").description
    # La proposition préparée par l'ancienne Caf est renvoyée : la nouvelle instruit.
    proposition.refresh_from_db()
    assert proposition.statut == StatutProposition.RENVOYEE
    assert "Caf de la Somme" in proposition.commentaire
    # La nouvelle Caf voit le dossier dans sa file ; l'ancienne ne le voit plus.
    agent_somme = utilisateurs["instructeur_autre_caf"]
    assert Dossier.objects.visibles_par(agent_somme).filter(pk=en_instruction.pk).exists()
    assert not Dossier.objects.visibles_par(instructeur).filter(pk=en_instruction.pk).exists()


def test_sans_campagne_de_la_meme_annee_le_dossier_reste_a_sa_caf(
    structure_a, utilisateurs, caf_somme
):
    from clas.dossiers.models import Dossier, EtatDossier
    from tests.instruction.outils import creer_campagne

    valideur = utilisateurs["valideur"]
    rhone_2025 = creer_campagne(structure_a.caf, "2025-2026", cree_par=valideur)
    depose = Dossier.objects.create(
        structure=structure_a,
        campagne=rhone_2025,
        cree_par=utilisateurs["porteur"],
        etat=EtatDossier.DEPOSE,
    )

    transferts.confirmer_transfert(
        _demenager(structure_a, utilisateurs["porteur"]), utilisateurs["instructeur"]
    )

    depose.refresh_from_db()
    assert depose.campagne == rhone_2025
    note = depose.evenements.get(type="note").description
    assert "n'a pas de campagne 2025-2026 : ce dossier reste suivi par la Caf du Rhône" in note


# --- Les pages ----------------------------------------------------------------------------


def test_la_fiche_modifiee_annonce_l_adresse_a_confirmer(porteur: Client, structure_a):
    valeurs = saisie_structure(siret=structure_a.siret, code_postal="80100", commune="Abbeville")

    reponse = porteur.post(f"/structures/{structure_a.pk}/modifier/", valeurs, follow=True)

    page = texte(reponse)
    assert "relève de la Caf de la Somme" in page
    assert "À confirmer" in page
    assert "Confirmer le transfert" not in page  # la structure ne se transfère pas elle-même
    structure_a.refresh_from_db()
    assert structure_a.caf.departement == "69"


def test_une_fiche_mal_saisie_puis_corrigee_demande_le_transfert(porteur: Client, structure_a):
    valeurs = saisie_structure(siret=structure_a.siret, code_postal="8010", commune="Abbeville")
    mauvais = porteur.post(f"/structures/{structure_a.pk}/modifier/", valeurs)
    assert mauvais.status_code == 200
    assert "5 chiffres" in texte(mauvais)
    assert not TransfertStructure.objects.exists()

    valeurs = saisie_structure(siret=structure_a.siret, code_postal="80100", commune="Abbeville")
    bon = porteur.post(f"/structures/{structure_a.pk}/modifier/", valeurs)
    assert bon.status_code == 302
    assert TransfertStructure.objects.get().code_postal == "80100"
    assert "80100 Abbeville" in texte(porteur.get(f"/structures/{structure_a.pk}/"))


ANONYME = 302
STATUTS_CONFIRMER = [
    ("anonyme", ANONYME),
    ("porteur", 403),
    ("porteur_autre", 404),
    ("instructeur", 302),
    ("instructeur_autre_caf", 404),
    ("valideur", 302),
    ("comptable", 302),
    ("national", 302),
]


@pytest.mark.parametrize(("persona", "statut"), STATUTS_CONFIRMER)
def test_qui_confirme_par_la_page(client_de, structure_a, utilisateurs, persona, statut):
    transfert = _demenager(structure_a, utilisateurs["porteur"])
    reponse = client_de(persona).post(
        reverse("transfert_confirmer", args=[structure_a.pk, transfert.pk])
    )
    assert reponse.status_code == statut
    structure_a.refresh_from_db()
    confirme = statut == 302 and persona != "anonyme"
    assert (structure_a.caf.departement == "80") == confirme


@pytest.mark.parametrize(("persona", "statut"), STATUTS_CONFIRMER)
def test_qui_refuse_par_la_page(client_de, structure_a, utilisateurs, persona, statut):
    transfert = _demenager(structure_a, utilisateurs["porteur"])
    reponse = client_de(persona).post(
        reverse("transfert_refuser", args=[structure_a.pk, transfert.pk]), {"motif": "Non"}
    )
    assert reponse.status_code == statut
    transfert.refresh_from_db()
    assert (transfert.etat == ET.REFUSE) == (statut == 302 and persona != "anonyme")


def test_l_agent_voit_la_demande_et_refuse_sans_motif_puis_avec(
    instructeur: Client, structure_a, utilisateurs
):
    transfert = _demenager(structure_a, utilisateurs["porteur"])
    page = texte(instructeur.get(f"/structures/{structure_a.pk}/"))
    assert "Confirmer le transfert vers la Caf de la Somme" in page
    assert "Changement de Caf demandé" in page  # le journal

    chemin = reverse("transfert_refuser", args=[structure_a.pk, transfert.pk])
    mauvais = instructeur.post(chemin, {"motif": ""})
    assert mauvais.status_code == 400
    assert "Indiquez le motif du refus" in texte(mauvais)

    bon = instructeur.post(chemin, {"motif": "Le siège reste à Lyon"}, follow=True)
    page = texte(bon)
    assert "Transfert refusé" in page
    assert "Le siège reste à Lyon" in page
    transfert.refresh_from_db()
    assert transfert.etat == ET.REFUSE


def test_l_agent_de_l_ancienne_caf_confirme_et_ne_voit_plus_la_structure(
    instructeur: Client, structure_a, utilisateurs
):
    transfert = _demenager(structure_a, utilisateurs["porteur"])
    reponse = instructeur.post(
        reverse("transfert_confirmer", args=[structure_a.pk, transfert.pk]), follow=True
    )
    assert "Transfert confirmé" in texte(reponse)
    assert instructeur.get(f"/structures/{structure_a.pk}/").status_code == 404
    # La nouvelle Caf la voit, avec son journal.
    somme = Client()
    somme.force_login(Utilisateur.objects.get(pk=utilisateurs["instructeur_autre_caf"].pk))
    page = texte(somme.get(f"/structures/{structure_a.pk}/"))
    assert "Transfert vers une autre Caf confirmé" in page


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 403),
        ("porteur_autre", 403),
        ("instructeur", 200),
        ("instructeur_autre_caf", 200),
        ("valideur", 200),
        ("comptable", 200),
        ("national", 200),
    ],
)
def test_qui_voit_les_transferts_a_confirmer(client_de, structure_a, utilisateurs, persona, statut):
    _demenager(structure_a, utilisateurs["porteur"])
    reponse = client_de(persona).get(reverse("transferts_a_confirmer"))
    assert reponse.status_code == statut
    if statut == 200:
        # Seule la Caf actuelle (et le national) voit la demande.
        visible = persona != "instructeur_autre_caf"
        assert (structure_a.nom in texte(reponse)) == visible
        assert ("80100 Abbeville" in texte(reponse)) == visible


def test_la_page_des_paiements_mene_aux_transferts_a_confirmer(
    instructeur: Client, structure_a, utilisateurs
):
    assert "Transferts entre Caf à confirmer (0)" in texte(instructeur.get("/paiements/"))
    _demenager(structure_a, utilisateurs["porteur"])
    assert "Transferts entre Caf à confirmer (1)" in texte(instructeur.get("/paiements/"))


def test_modifier_autre_chose_garde_la_demande_de_transfert(
    porteur: Client, structure_a, utilisateurs
):
    from tests.outils import champs

    transfert = _demenager(structure_a, utilisateurs["porteur"])
    valeurs = champs(porteur.get(f"/structures/{structure_a.pk}/modifier/"))
    assert (valeurs["code_postal"], valeurs["commune"]) == ("80100", "Abbeville")
    valeurs.pop("csrfmiddlewaretoken", None)
    valeurs.update(
        saisie_structure(
            siret=structure_a.siret,
            code_postal="80100",
            commune="Abbeville",
            adresse="1 place du Marché",
            telephone="03 22 00 00 01",
        )
    )
    assert porteur.post(f"/structures/{structure_a.pk}/modifier/", valeurs).status_code == 302
    transfert.refresh_from_db()
    structure_a.refresh_from_db()
    assert transfert.etat == ET.A_CONFIRMER
    assert structure_a.telephone == "03 22 00 00 01"
    assert structure_a.caf.departement == "69"
