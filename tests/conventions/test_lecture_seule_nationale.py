"""L'administration nationale lit les files et les dossiers de toutes les Caf en lecture
seule (issue 13, point 2) : chaque action lui est refusée avant toute lecture de la base
(403, page en français qui le dit, rien d'écrit) ; les pages de lecture (dossier côté Caf,
convention, bilan, versements, lettre, avis d'indu) et les listes des Caf (paiements, lot,
bilans, indus) lui sont ouvertes, sans bouton d'action ; sa file garde un nombre constant de
requêtes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clas.core.permissions import LECTURE_SEULE, LECTURE_SEULE_STRUCTURE
from clas.dossiers.models import EtatDossier
from clas.instruction.models import Proposition, StatutProposition
from clas.versements.models import LotPaiement, Versement
from tests.conventions.bilan_fabrique import deposer_complet, fixture_convention_signee  # noqa: F401
from tests.core.test_urls_auditees import ADRESSES
from tests.instruction.outils import creer_campagne, creer_dossier, creer_proposition
from tests.outils import texte

pytestmark = pytest.mark.django_db

INEXISTANT = 999_999  # le refus vient avant la lecture : même un objet absent est refusé

# Nom de l'URL : (identifiants à passer, refus attendu). Les identifiants nomment un objet
# de `scene` ; un nombre est passé tel quel.
ACTIONS: dict[str, tuple[tuple[str | int, ...], str]] = {
    "instruction_prendre": (("dossier",), LECTURE_SEULE),
    "instruction_corriger": (("dossier",), LECTURE_SEULE),
    "instruction_annoter": (("dossier",), LECTURE_SEULE),
    "instruction_message": (("dossier",), LECTURE_SEULE),
    "instruction_complements": (("dossier",), LECTURE_SEULE),
    "instruction_proposer": (("en_instruction",), LECTURE_SEULE),
    "instruction_valider": (("proposition",), LECTURE_SEULE),
    "instruction_renvoyer": (("proposition",), LECTURE_SEULE),
    "instruction_validation": ((), LECTURE_SEULE),
    "instruction_attribuer": ((), LECTURE_SEULE),
    "avenant_proposer": (("dossier",), LECTURE_SEULE),
    "bilan_accepter": (("dossier",), LECTURE_SEULE),
    "bilan_corrections": (("dossier",), LECTURE_SEULE),
    "indu_remboursement": (("dossier",), LECTURE_SEULE),
    "paiements_valider": ((), LECTURE_SEULE),
    "paiements_creer_lot": ((), LECTURE_SEULE),
    "paiements_lot_payer": (("lot",), LECTURE_SEULE),
    "paiements_lot_retour": (("lot",), LECTURE_SEULE),
    "paiements_versement_rejeter": (("versement",), LECTURE_SEULE),
    "paiements_versement_reemettre": (("versement",), LECTURE_SEULE),
    "caf_compte_bancaire": ((), LECTURE_SEULE),
    "caf_compte_approuver": ((INEXISTANT,), LECTURE_SEULE),
    "caf_compte_refuser": ((INEXISTANT,), LECTURE_SEULE),
    "coordonnees_examiner": ((INEXISTANT,), LECTURE_SEULE),
    "campagne_nouvelle": ((), LECTURE_SEULE),
    "campagne_modifier": (("campagne",), LECTURE_SEULE),
    # Les actions de la structure : le national ne les fait pas davantage.
    "convention_signer": (("dossier",), LECTURE_SEULE_STRUCTURE),
    "bilan_saisie": (("dossier",), LECTURE_SEULE_STRUCTURE),
    "dossier_deposer": (("dossier",), LECTURE_SEULE_STRUCTURE),
    "dossier_message": (("dossier",), LECTURE_SEULE_STRUCTURE),
    "dossier_reprendre": (("dossier",), LECTURE_SEULE_STRUCTURE),
    "dossier_nouveau": ((), LECTURE_SEULE_STRUCTURE),
    "dossier_etape": (("dossier", "projet"), LECTURE_SEULE_STRUCTURE),
}

# Ce que le national lit : (identifiants, type de contenu attendu).
LECTURES = {
    "instruction_dossier": ("dossier",),
    "instruction_calcul": ("dossier",),
    "bilan_examen": ("dossier",),
    "convention_pdf": ("dossier",),
    "indu_pdf": ("dossier",),
    "dossier_lettre_decision": ("dossier",),
    # Les listes des Caf (toutes ou une choisie) : tests/versements/test_lecture_nationale_listes.py
    "paiements_accueil": (),
    "paiements_lot": ("lot",),
    "bilans_caf": (),
    "indus_liste": (),
}

# Les autres adresses des dossiers et des paiements, et pourquoi elles ne sont ni des
# actions refusées ci-dessus ni des lectures ouvertes.
AUTRES = {
    "instruction_files": "la file nationale (test_la_file_nationale_*)",
    "instruction_export": "export de la file, ouvert au national (tests/instruction)",
    "instruction_export_collectifs": "idem",
    "paiements_export": "export ouvert au national (tests/conventions)",
    "indus_export": "idem",
    "avenant_pdf": "document échangé, comme la convention (même garde : echanges_par)",
    "bilan_piece": "pièce du bilan, même garde que la convention (echanges_par)",
    "dossier_detail": "page de la structure : le national lit la page côté Caf",
    "dossier_estimation": "page de la structure",
    "dossier_recu": "accusé de dépôt de la structure",
    "dossier_message_piece": "pièce jointe du fil, page de la structure",
    "dossiers_liste": "liste des dossiers d'un membre de structure",
    "campagnes_liste": "ouverte au national (tests/campagnes)",
    "caf_accueil": "accueil d'un agent de la Caf",
    "paiements_lot_sepa": "fichier remis à la banque, refusé au national (capacites_paiements)",
    "paiements_lot_csv": "idem (tests/versements/test_lecture_nationale_listes.py)",
    "coordonnees_a_verifier": "comptes à vérifier par un valideur (agent_requis)",
    "coordonnees_rib": "RIB à vérifier (agent_requis)",
    "transferts_a_confirmer": "le national confirme les transferts (structures.etats.TRANSFERT)",
}
PREFIXES = ("instruction/", "paiements/", "caf/", "dossiers/", "campagnes/")

# Tables que la requête écrit sans rien faire : la session de la personne connectée.
HORS_INSTANTANE = {"sessions.session"}


def instantane() -> dict[str, list[tuple[Any, ...]]]:
    """Chaque ligne de chaque table : deux instantanés égaux, rien n'a été écrit."""
    return {
        modele._meta.label_lower: sorted(
            modele._default_manager.values_list(), key=lambda ligne: repr(ligne)
        )
        for modele in apps.get_models()
        if modele._meta.label_lower not in HORS_INSTANTANE and modele._meta.managed
    }


@pytest.fixture
def scene(regul_indu, campagne_rhone, utilisateurs) -> dict[str, Any]:
    """Un dossier accepté de la Caf du Rhône : convention signée, acompte payé dans un lot,
    bilan accepté, indu à rembourser ; un autre en instruction, une proposition en attente."""
    dossier = regul_indu.convention.dossier
    en_instruction = creer_dossier(
        campagne_rhone, etat=EtatDossier.EN_INSTRUCTION, instructeur=utilisateurs["instructeur"]
    )
    proposition = creer_proposition(en_instruction, utilisateurs["instructeur"])
    return {
        "dossier": dossier,
        "en_instruction": en_instruction,
        "proposition": proposition,
        "lot": LotPaiement.objects.get(),
        "versement": Versement.objects.get(convention__dossier=dossier),
        "campagne": dossier.campagne,
    }


def _adresse(nom: str, identifiants: tuple[str | int, ...], scene: dict[str, Any]) -> str:
    args = [i if isinstance(i, int) else getattr(scene.get(i), "pk", i) for i in identifiants]
    return reverse(nom, args=args)


@pytest.mark.parametrize("nom", sorted(ACTIONS))
def test_chaque_action_est_refusee_au_national_sans_rien_ecrire(
    national, scene, nom, mailoutbox
) -> None:
    identifiants, refus = ACTIONS[nom]
    avant = instantane()
    courriels = len(mailoutbox)
    reponse = national.post(
        _adresse(nom, identifiants, scene),
        {"texte": "Vu du national.", "message": "Corrigez.", "motif": "Contrôle."},
    )
    assert reponse.status_code == 403
    page = texte(reponse)
    assert refus in page
    assert '<html lang="fr"' in page  # la page d'erreur du site, pas celle de Django
    assert instantane() == avant
    assert len(mailoutbox) == courriels
    assert Proposition.objects.get(pk=scene["proposition"].pk).statut == (
        StatutProposition.EN_ATTENTE
    )


@pytest.mark.parametrize("nom", sorted(ACTIONS))
def test_un_agent_de_la_caf_n_est_pas_pris_pour_le_national(comptable, scene, nom) -> None:
    """Le refus ne vise que le national : un agent reçoit la réponse de son rôle."""
    identifiants, refus = ACTIONS[nom]
    reponse = comptable.post(_adresse(nom, identifiants, scene), {})
    assert refus not in texte(reponse)


@pytest.mark.parametrize("nom", sorted(LECTURES))
def test_le_national_lit_les_pages_du_dossier(national, scene, nom) -> None:
    reponse = national.get(_adresse(nom, LECTURES[nom], scene))
    assert reponse.status_code == 200, reponse.content[:500]


DECONNEXION = '<form method="post" action="/deconnexion/" class="clas-form-inline">'


def _formulaires(client, adresse: str) -> list[str]:
    return re.findall(r'<form[^>]*method="post"[^>]*>', texte(client.get(adresse)))


def test_la_page_du_dossier_n_a_aucun_bouton_d_action_pour_le_national(
    national, comptable, scene
) -> None:
    for dossier in (scene["dossier"], scene["en_instruction"]):
        adresse = reverse("instruction_dossier", args=[dossier.pk])
        assert _formulaires(national, adresse) == [DECONNEXION]
        # Le comptable de la Caf, lui, annote et écrit : le test peut échouer.
        assert len(_formulaires(comptable, adresse)) > 1
    page = texte(national.get(reverse("instruction_dossier", args=[scene["dossier"].pk])))
    assert reverse("avenant_proposer", args=[scene["dossier"].pk]) not in page


def test_le_bilan_depose_se_lit_sans_l_examiner(
    national, valideur, convention_signee, utilisateurs
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    adresse = reverse("bilan_examen", args=[convention_signee.dossier_id])
    assert _formulaires(national, adresse) == [DECONNEXION]
    assert len(_formulaires(valideur, adresse)) > 1  # le valideur accepte ou renvoie


def test_la_page_du_dossier_montre_au_national_convention_versements_et_indu(
    national, scene
) -> None:
    page = texte(national.get(_adresse("instruction_dossier", ("dossier",), scene)))
    assert 'id="lecture-seule"' in page
    assert 'id="situation-caf"' in page  # la section des versements
    assert "3\xa0150,00\xa0€" in page  # l'acompte payé
    assert "2\xa0150,00\xa0€" in page  # l'indu
    assert reverse("convention_pdf", args=[scene["dossier"].pk]) in page


def test_chaque_adresse_des_dossiers_et_des_paiements_est_classee() -> None:
    """Une adresse nouvelle sous ces préfixes doit dire ce qu'elle fait pour le national."""
    cles = {cle for cle, chemin in ADRESSES if chemin.startswith(PREFIXES)}
    classees = set(ACTIONS) | set(LECTURES) | set(AUTRES)
    assert not cles - classees, f"À classer pour le national : {sorted(cles - classees)}"
    assert not (set(ACTIONS) | set(LECTURES)) - {c for c, _ in ADRESSES}


# --- La file nationale : un nombre de requêtes constant ----------------------------------


def _peupler(nombre: int, cafs: list[Any], valideur) -> None:
    for rang in range(nombre):
        caf = cafs[rang % len(cafs)]
        campagne = caf.campagnes.first() or creer_campagne(caf, cree_par=valideur)
        creer_dossier(campagne, etat=EtatDossier.DEPOSE)


def _requetes(client, adresse: str) -> int:
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(adresse)
    assert reponse.status_code == 200
    return len(requetes)


@pytest.mark.parametrize("filtre", ["", "?caf={rhone}", "?file=a_instruire", "?q=Centre"])
def test_la_file_nationale_a_un_nombre_constant_de_requetes(
    national, caf_rhone, caf_somme, utilisateurs, filtre
) -> None:
    adresse = "/instruction/" + filtre.format(rhone=caf_rhone.pk)
    _peupler(4, [caf_rhone, caf_somme], utilisateurs["valideur"])
    peu = _requetes(national, adresse)
    _peupler(8, [caf_rhone, caf_somme], utilisateurs["valideur"])  # trois fois plus
    assert _requetes(national, adresse) == peu
