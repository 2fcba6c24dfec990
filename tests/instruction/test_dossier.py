"""La page d'un dossier côté Caf : tout le contenu, les pièces et leur validité, le rapport
d'éligibilité, le montant expliqué ; prendre et reprendre le dossier ; un nombre de requêtes
constant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clas.core.templatetags.clas_format import siret
from clas.dossiers.models import Dossier, EtatDossier, Evenement, Message, PieceDossier
from clas.instruction import actions
from clas.instruction.models import Annotation, Correction
from clas.structures.models import TypePiece
from tests.dossiers.suivi_fabrique import ajouter_collectif, piece
from tests.outils import requetes_de_la_page, texte


def eur(montant: str) -> str:
    """« 15 000,00 € » tel que l'affiche la plateforme (espaces insécables)."""
    return montant.replace(" ", "\u00a0")


def _page(client, dossier) -> str:
    reponse = client.get(reverse("instruction_dossier", args=[dossier.pk]))
    assert reponse.status_code == 200
    return texte(reponse)


def test_la_page_montre_l_entete_le_contenu_et_le_budget(instructeur, dossier_depose) -> None:
    page = _page(instructeur, dossier_depose)
    structure = dossier_depose.structure
    assert dossier_depose.numero in page
    assert structure.nom in page and siret(structure.siret) in page and "Lyon" in page
    assert structure.get_type_structure_display() in page
    assert dossier_depose.campagne.titre in page
    assert "Déposé" in page and "Non attribué" in page
    # Le projet, les collectifs avec intervenants, horaires et niveaux
    assert "Aide méthodologique et ouverture culturelle." in page
    assert "Inscrit au PEDT de la ville." in page
    assert "Alice Martin (Salarié)" in page and "Bruno Petit (Bénévole), Enseignant" in page
    assert "Mardi 16:30–18:00" in page and "CM1, CM2" in page
    assert "14/09/2026" in page
    # Le budget et ses totaux
    assert "Ville de Lyon" in page
    assert eur("15 000,00 €") in page and eur("10 500,00 €") in page
    # L'enveloppe de la campagne et la zone de décision
    assert "Enveloppe budgétaire" in page
    assert 'id="decision"' in page


def test_la_page_montre_les_pieces_avec_leur_validite_et_le_lien_de_telechargement(
    instructeur, dossier_depose, utilisateurs
) -> None:
    aujourd_hui = timezone.localdate()
    expiree = piece(
        dossier_depose.structure,
        utilisateurs["porteur"],
        TypePiece.COMPTES,
        aujourd_hui - dt.timedelta(days=1),
    )
    bientot = piece(
        dossier_depose.structure,
        utilisateurs["porteur"],
        TypePiece.RAPPORT_ACTIVITE,
        aujourd_hui + dt.timedelta(days=10),
    )
    PieceDossier.objects.create(dossier=dossier_depose, piece=expiree)
    PieceDossier.objects.create(dossier=dossier_depose, piece=bientot)
    page = _page(instructeur, dossier_depose)
    assert "Expirée" in page and "Expire bientôt" in page
    lien = reverse("piece_telecharger", args=[dossier_depose.structure_id, expiree.pk])
    assert lien in page
    # L'agent de la Caf télécharge la pièce.
    assert instructeur.get(lien).status_code == 200


def test_la_page_montre_l_eligibilite_et_le_montant_explique(instructeur, dossier_depose) -> None:
    ajouter_collectif(dossier_depose, 2, nb_enfants=4, nom="Les Petits")
    page = _page(instructeur, dossier_depose)
    assert "Éligibilité des collectifs" in page
    assert "Non éligible" in page
    assert "Au moins 8 enfants sont requis" in page
    assert "Le calcul pas à pas" in page
    assert "Prix de revient par collectif" in page
    # 3 collectifs : 15 000 / 3 = 5 000 ; (1 625 + 300) × 30/36 = 1 604,17 chacun (2 éligibles)
    assert eur("5 000,00 €") in page
    assert eur("3 208,34 €") in page
    assert "Déclaré par la structure" in page and "Retenu par la Caf" in page


# --- Prendre le dossier -----------------------------------------------------------------------


def test_prendre_le_dossier_le_met_en_instruction_et_l_attribue(
    instructeur, dossier_depose, utilisateurs
) -> None:
    url = reverse("instruction_prendre", args=[dossier_depose.pk])
    reponse = instructeur.post(url, {"instructeur_vu": ""}, follow=True)
    assert "Vous instruisez ce dossier." in texte(reponse)
    dossier_depose.refresh_from_db()
    assert dossier_depose.etat == EtatDossier.EN_INSTRUCTION
    assert dossier_depose.instructeur == utilisateurs["instructeur"]
    evenement = Evenement.objects.get(dossier=dossier_depose, type="prendre_en_instruction")
    assert evenement.auteur == utilisateurs["instructeur"]
    assert (evenement.etat_avant, evenement.etat_apres) == ("depose", "en_instruction")
    assert "(vous)" in texte(reponse)


def test_reprendre_un_dossier_attribue_exige_un_motif(
    dossier_instruit, dossier_collegue, utilisateurs
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(dossier_collegue)
    url = reverse("instruction_prendre", args=[dossier_instruit.pk])
    vu = str(utilisateurs["instructeur"].pk)
    reponse = client.post(url, {"instructeur_vu": vu, "motif": "  "})
    assert reponse.status_code == 400
    assert "indiquez pourquoi vous le reprenez" in texte(reponse)
    dossier_instruit.refresh_from_db()
    assert dossier_instruit.instructeur == utilisateurs["instructeur"]

    reponse = client.post(url, {"instructeur_vu": vu, "motif": "Congé longue durée."})
    assert reponse.status_code == 302
    dossier_instruit.refresh_from_db()
    assert dossier_instruit.instructeur == dossier_collegue
    assert dossier_instruit.etat == EtatDossier.EN_INSTRUCTION
    evenement = Evenement.objects.get(dossier=dossier_instruit, type="reattribution")
    assert not evenement.public
    assert evenement.auteur == dossier_collegue
    assert utilisateurs["instructeur"].nom_complet in evenement.description
    assert "Dominique Reprise" in evenement.description
    assert "Congé longue durée." in evenement.description


def test_la_page_d_un_dossier_attribue_a_un_autre_propose_la_reprise_avec_motif(
    dossier_instruit, dossier_collegue
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(dossier_collegue)
    page = _page(client, dossier_instruit)
    assert "Reprendre le dossier" in page and "Motif de la reprise" in page


def test_prendre_un_dossier_qu_un_autre_vient_de_prendre_donne_un_message_clair(
    instructeur, dossier_depose, dossier_collegue
) -> None:
    # La page a été affichée quand le dossier n'était à personne ; entre-temps, un collègue
    # l'a pris.
    actions.prendre(dossier_depose, dossier_collegue)
    reponse = instructeur.post(
        reverse("instruction_prendre", args=[dossier_depose.pk]),
        {"instructeur_vu": "", "motif": ""},
        follow=True,
    )
    assert "Dominique Reprise vient de prendre ce dossier" in texte(reponse)
    dossier_depose.refresh_from_db()
    assert dossier_depose.instructeur == dossier_collegue
    assert (
        Evenement.objects.filter(dossier=dossier_depose, type="prendre_en_instruction").count() == 1
    )
    assert not Evenement.objects.filter(dossier=dossier_depose, type="reattribution").exists()


def test_prendre_son_propre_dossier_ou_un_dossier_decide_est_refuse(
    dossier_instruit, utilisateurs
) -> None:
    with pytest.raises(actions.ActionImpossible, match="déjà"):
        actions.prendre(dossier_instruit, utilisateurs["instructeur"])
    Dossier.objects.filter(pk=dossier_instruit.pk).update(etat=EtatDossier.ACCEPTE)
    from tests.factories import AgentCafFactory

    autre = AgentCafFactory(caf=dossier_instruit.campagne.caf).utilisateur
    with pytest.raises(actions.ActionImpossible, match="Accepté"):
        actions.prendre(dossier_instruit, autre, "motif")


def test_seul_un_instructeur_de_la_caf_prend_un_dossier(dossier_depose, utilisateurs) -> None:
    for persona in ("valideur", "comptable", "instructeur_autre_caf", "porteur", "national"):
        with pytest.raises(PermissionDenied):
            actions.prendre(dossier_depose, utilisateurs[persona])


def test_prendre_un_dossier_en_instruction_sans_instructeur_est_journalise(
    dossier_depose, utilisateurs
) -> None:
    Dossier.objects.filter(pk=dossier_depose.pk).update(etat=EtatDossier.EN_INSTRUCTION)
    actions.prendre(dossier_depose, utilisateurs["instructeur"])
    evenement = Evenement.objects.get(dossier=dossier_depose, type="attribution")
    assert not evenement.public


def test_reprendre_sans_motif_leve_une_erreur_sur_le_champ_motif(
    dossier_instruit, dossier_collegue
) -> None:
    with pytest.raises(ValidationError) as erreur:
        actions.prendre(dossier_instruit, dossier_collegue)
    assert "motif" in erreur.value.message_dict


# --- Requêtes constantes ------------------------------------------------------------------


def _grossir(dossier, utilisateurs, nombre: int) -> None:
    """Ajoute `nombre` collectifs, événements, corrections, messages et annotations."""
    instructeur = utilisateurs["instructeur"]
    debut = dossier.collectifs.count()
    for rang in range(debut, debut + nombre):
        collectif = ajouter_collectif(dossier, rang)
        Correction.objects.create(
            dossier=dossier,
            collectif=collectif,
            champ="nb_enfants",
            valeur="9",
            motif=f"Émargement {rang}",
            auteur=instructeur,
        )
        Evenement.objects.create(
            dossier=dossier,
            auteur=instructeur,
            type="correction",
            description=f"n° {rang}",
            public=False,
        )
        Message.objects.create(
            dossier=dossier, auteur=instructeur, de_la_caf=True, texte=f"m {rang}"
        )
        Annotation.objects.create(dossier=dossier, auteur=instructeur, texte=f"a {rang}")


def _requetes(client, dossier) -> int:
    return requetes_de_la_page(client, reverse("instruction_dossier", args=[dossier.pk]))


def test_la_page_fait_un_nombre_constant_de_requetes(
    instructeur, dossier_instruit, utilisateurs
) -> None:
    _grossir(dossier_instruit, utilisateurs, 2)
    _requetes(instructeur, dossier_instruit)  # caches (session, paramètres…)
    petit = _requetes(instructeur, dossier_instruit)
    _grossir(dossier_instruit, utilisateurs, 28)
    grand = _requetes(instructeur, dossier_instruit)
    assert dossier_instruit.collectifs.count() == 32
    assert grand == petit, (petit, grand)
