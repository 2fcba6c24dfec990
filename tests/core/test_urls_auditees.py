# ruff: noqa: E501  (les identifiants de tests de MATRICE sont longs)
"""Chaque adresse du projet est auditée : publique exprès (`PUBLIQUES`, avec sa raison), ou
elle refuse un visiteur anonyme ; et la matrice des personas la couvre (`MATRICE` : le test
où tous les personas l'ouvrent).

Une adresse nouvelle fait échouer `test_chaque_adresse_figure_dans_la_matrice_des_personas`
tant qu'elle n'a pas sa ligne dans `MATRICE` (et, si elle est publique, dans `PUBLIQUES`).
Pour la compléter : écrire le test des personas de la vue (paramétré sur `client_de`, voir
tests/core/test_permissions.py), puis ajouter `"nom_de_l_url": "tests/…/test_x.py::test_y"`.
Une adresse sans nom s'écrit par son motif (« api/v1/docs »)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

RACINE = Path(__file__).resolve().parents[2]

# Ouvertes à tous exprès (nom de l'URL : pourquoi).
PUBLIQUES = {
    "accueil": "page d'accueil du programme",
    "simulateur": "simulateur public du barème",
    "sante": "sonde de santé de l'exploitation",
    "accessibilite": "déclaration d'accessibilité (obligation légale)",
    "mentions_legales": "mentions légales (obligation légale)",
    "donnees_personnelles": "information RGPD",
    "plan_du_site": "plan du site (RGAA)",
    "aide": "aide en ligne",
    "connexion": "la connexion elle-même",
    "deconnexion": "se déconnecter (sans effet pour un anonyme)",
    "accueil_role": "renvoie un anonyme vers l'accueil public",
    "mot_de_passe_oublie": "mot de passe oublié",
    "mot_de_passe_envoye": "mot de passe oublié : courriel envoyé",
    "nouveau_mot_de_passe": "lien signé du courriel de mot de passe oublié",
    "mot_de_passe_change": "mot de passe changé : inviter à se connecter",
    "deblocage_demande": "demander le lien de déblocage d'un compte verrouillé",
    "deblocage": "lien signé de déblocage",
    "inscription": "création d'un compte",
    "inscription_envoyee": "inscription : courriel envoyé",
    "inscription_nouveau_lien": "inscription : redemander le lien",
    "inscription_confirmer": "lien signé de confirmation d'inscription",
    "invitation": "lien signé d'invitation dans une structure (connexion demandée pour accepter)",
    "invitation_accepter": "lien signé d'invitation d'un agent de Caf (il y choisit son mot de passe)",
    "api_documentation": "documentation de l'API",
    "api/v1/docs": "ancienne adresse de la documentation de l'API (redirection)",
    "openapi-json": "schéma OpenAPI de l'API",
    "simulations": "API publique du simulateur",
    "api-root": "racine de l'API (ne répond rien)",
    "chiffres": "chiffres publics du programme, agrégés par département",
    "chiffres_csv": "les mêmes chiffres publics en CSV",
    "open_data_subventions": "open data des conventions signées (SCDL subventions, décret 2017-779)",
}

# Nom de l'URL : le test où tous les personas l'ouvrent (paramétré sur `persona`).
MATRICE = {
    "mon_compte": "tests/rgpd/test_mon_compte.py::test_qui_ouvre_mon_compte",
    "mes_donnees": "tests/rgpd/test_mon_compte.py::test_qui_ouvre_mon_compte",
    "compte_fermer": "tests/rgpd/test_mon_compte.py::test_qui_ouvre_mon_compte",
    "equipes_accueil": "tests/instruction/test_equipe_vues.py::test_qui_ouvre_la_liste_des_equipes",
    "equipe_caf": "tests/instruction/test_equipe_vues.py::test_qui_ouvre_l_equipe_du_rhone",
    "equipe_inviter": "tests/instruction/test_equipe_vues.py::test_qui_ouvre_l_equipe_du_rhone",
    "equipe_agent": "tests/instruction/test_equipe_vues.py::test_qui_ouvre_la_fiche_d_un_agent",
    "equipe_roles": "tests/instruction/test_equipe_vues.py::test_qui_agit_sur_un_agent",
    "equipe_desactiver": "tests/instruction/test_equipe_vues.py::test_qui_agit_sur_un_agent",
    "equipe_reactiver": "tests/instruction/test_equipe_vues.py::test_qui_reactive_un_agent",
    "equipe_renvoyer": "tests/instruction/test_equipe_vues.py::test_qui_renvoie_une_invitation",
    "instruction_attribuer": "tests/comptes/test_equipes_personas.py::test_qui_attribue_des_dossiers_depuis_la_file",
    "invitation_accepter": "tests/comptes/test_equipes_personas.py::test_un_lien_d_invitation_faux_est_refuse_a_tous",
    "api_statistiques": "tests/api/test_permissions_api.py::test_les_statistiques_suivent_les_droits_du_tableau_de_bord",
    "jetons_api": "tests/api/test_pages_jetons.py::test_chaque_personne_connectee_a_sa_page_de_jetons",
    "jeton_api_revoquer": "tests/api/test_pages_jetons.py::test_personne_ne_voit_ni_ne_revoque_le_jeton_d_un_autre",
    "liste_dossiers": "tests/api/test_permissions_api.py::test_la_liste_des_dossiers_montre_exactement_ceux_que_voit_la_personne",
    "detail_dossier": "tests/api/test_permissions_api.py::test_le_detail_d_un_dossier_suit_les_droits_des_pages",
    "liste_versements": "tests/api/test_permissions_api.py::test_versements_et_lots_suivent_les_droits_des_pages_de_paiement",
    "liste_lots": "tests/api/test_permissions_api.py::test_versements_et_lots_suivent_les_droits_des_pages_de_paiement",
    "liste_campagnes": "tests/api/test_permissions_api.py::test_les_campagnes_visibles_sont_celles_des_pages",
    "liste_caf": "tests/api/test_permissions_api.py::test_le_referentiel_demande_un_jeton",
    "liste_parametres": "tests/api/test_permissions_api.py::test_le_referentiel_demande_un_jeton",
    "annoter": "tests/api/test_permissions_api.py::test_les_ecritures_suivent_les_droits_des_pages",
    "ecrire_message": "tests/api/test_permissions_api.py::test_les_ecritures_suivent_les_droits_des_pages",
    "prendre": "tests/api/test_permissions_api.py::test_les_ecritures_suivent_les_droits_des_pages",
    "statistiques": "tests/statistiques/test_tableau_de_bord.py::test_qui_ouvre_le_tableau_de_bord",
    "chiffres": "tests/statistiques/test_chiffres.py::test_les_chiffres_sont_publics",
    "chiffres_csv": "tests/statistiques/test_chiffres.py::test_les_chiffres_sont_publics",
    "open_data_subventions": "tests/statistiques/test_open_data.py::test_l_open_data_est_public",
    "national_caf_liste": "tests/referentiel/test_siret_caf.py::test_seul_le_national_lit_et_modifie_le_siret_des_caf",
    "national_caf_modifier": "tests/referentiel/test_siret_caf.py::test_seul_le_national_lit_et_modifie_le_siret_des_caf",
    "export_suivi": "tests/instruction/test_exports.py::test_un_export_en_fond_n_est_ouvert_qu_a_celui_qui_l_a_demande",
    "export_telecharger": "tests/instruction/test_exports.py::test_un_export_en_fond_n_est_ouvert_qu_a_celui_qui_l_a_demande",
    "indus_export": "tests/conventions/test_exports_paiements.py::test_chaque_persona_recoit_l_export_ou_un_refus",
    "paiements_export": "tests/conventions/test_exports_paiements.py::test_chaque_persona_recoit_l_export_ou_un_refus",
    "instruction_export": "tests/instruction/test_exports.py::test_chaque_persona_recoit_l_export_ou_un_refus",
    "instruction_export_collectifs": "tests/instruction/test_exports.py::test_chaque_persona_recoit_l_export_ou_un_refus",
    "accessibilite": "tests/core/test_pages.py::test_chaque_page_a_l_en_tete_le_pied_et_les_liens_d_evitement",
    "accueil": "tests/core/test_permissions.py::test_la_page_d_accueil_est_publique",
    "accueil_role": "tests/core/test_permissions.py::test_mon_accueil_redirige_chacun_vers_sa_page",
    "aide": "tests/core/test_pages.py::test_chaque_page_a_l_en_tete_le_pied_et_les_liens_d_evitement",
    "api-root": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "api/v1/docs": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "api_documentation": "tests/core/test_permissions.py::test_la_documentation_de_l_api_est_publique",
    "avenant_pdf": "tests/conventions/test_avenant.py::test_qui_telecharge_l_avenant",
    "avenant_proposer": "tests/conventions/test_avenant.py::test_qui_ouvre_le_formulaire_d_avenant",
    "bilan_accepter": "tests/conventions/test_bilan_vues.py::test_qui_accepte_le_bilan",
    "bilan_corrections": "tests/conventions/test_bilan_vues.py::test_qui_demande_des_corrections",
    "bilan_examen": "tests/conventions/test_bilan_vues.py::test_qui_ouvre_l_examen_du_bilan",
    "bilan_piece": "tests/conventions/test_bilan_vues.py::test_qui_telecharge_une_piece_du_bilan",
    "bilan_saisie": "tests/conventions/test_bilan_vues.py::test_qui_ouvre_la_saisie_du_bilan",
    "bilans_caf": "tests/conventions/test_bilan_vues.py::test_qui_voit_la_liste_des_bilans",
    "caf_accueil": "tests/core/test_permissions.py::test_l_accueil_de_la_caf_est_reserve_aux_agents",
    "caf_compte_approuver": "tests/conventions/test_compte_caf.py::test_qui_approuve_par_la_page",
    "caf_compte_bancaire": "tests/conventions/test_compte_caf.py::test_qui_lit_le_compte_et_la_proposition",
    "caf_compte_refuser": "tests/conventions/test_compte_caf.py::test_qui_refuse_par_la_page",
    "campagne_modifier": "tests/campagnes/test_campagnes.py::test_seul_un_valideur_modifie_une_campagne",
    "campagne_nouvelle": "tests/campagnes/test_campagnes.py::test_seul_un_valideur_ouvre_une_campagne",
    "campagnes_liste": "tests/campagnes/test_campagnes.py::test_qui_voit_la_liste_des_campagnes",
    "connexion": "tests/core/test_permissions.py::test_la_page_de_connexion_renvoie_les_personnes_connectees_vers_leur_page",
    "convention_pdf": "tests/conventions/test_vues.py::test_qui_telecharge_la_convention",
    "convention_signer": "tests/conventions/test_vues.py::test_les_autres_ne_signent_pas",
    "coordonnees_a_verifier": "tests/structures/test_coordonnees.py::test_qui_voit_les_comptes_a_verifier",
    "coordonnees_examiner": "tests/structures/test_coordonnees.py::test_qui_voit_les_comptes_a_verifier",
    "coordonnees_rib": "tests/structures/test_coordonnees.py::test_qui_voit_les_comptes_a_verifier",
    "deblocage": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "deblocage_demande": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "deconnexion": "tests/core/test_permissions.py::test_tout_le_monde_peut_se_deconnecter_en_post",
    "donnees_personnelles": "tests/core/test_pages.py::test_chaque_page_a_l_en_tete_le_pied_et_les_liens_d_evitement",
    "dossier_deposer": "tests/dossiers/test_suivi_permissions.py::test_les_urls_d_un_dossier_depose_par_persona",
    "dossier_detail": "tests/campagnes/test_campagnes.py::test_qui_peut_creer_le_dossier_de_la_structure_a",
    "dossier_estimation": "tests/dossiers/test_saisie_permissions.py::test_qui_ouvre_l_estimation",
    "dossier_etape": "tests/dossiers/test_saisie_permissions.py::test_qui_ouvre_une_etape",
    "dossier_lettre_decision": "tests/instruction/test_lettre.py::test_qui_telecharge_la_lettre",
    "dossier_message": "tests/conventions/test_cloture.py::test_un_bandeau_dit_que_le_dossier_est_clos_et_en_lecture_seule",
    "dossier_message_piece": "tests/dossiers/test_suivi_permissions.py::test_les_urls_d_un_dossier_depose_par_persona",
    "dossier_nouveau": "tests/campagnes/test_campagnes.py::test_qui_peut_creer_le_dossier_de_la_structure_a",
    "dossier_recu": "tests/dossiers/test_suivi_permissions.py::test_les_urls_d_un_dossier_depose_par_persona",
    "dossier_reprendre": "tests/dossiers/test_suivi_permissions.py::test_les_urls_d_un_dossier_depose_par_persona",
    "dossiers_liste": "tests/campagnes/test_campagnes.py::test_qui_peut_creer_le_dossier_de_la_structure_a",
    "double_facteur_activer": "tests/comptes/test_double_facteur.py::test_les_porteurs_ne_sont_pas_concernes",
    "double_facteur_codes": "tests/core/test_permissions_adresses.py::test_la_securite_du_compte_par_persona",
    "double_facteur_verifier": "tests/core/test_permissions_adresses.py::test_la_securite_du_compte_par_persona",
    "indu_pdf": "tests/conventions/test_indu.py::test_qui_telecharge_l_avis_d_indu",
    "indu_remboursement": "tests/conventions/test_regularisation_remboursements.py::test_qui_enregistre_un_remboursement_par_la_page",
    "indus_liste": "tests/conventions/test_regularisation_remboursements.py::test_qui_voit_la_liste_des_indus",
    "inscription": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "inscription_confirmer": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "inscription_envoyee": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "inscription_nouveau_lien": "tests/core/test_permissions_adresses.py::test_les_pages_ouvertes_des_comptes_par_persona",
    "instruction_annoter": "tests/conventions/test_cloture.py::test_un_bandeau_dit_que_le_dossier_est_clos_et_en_lecture_seule",
    "instruction_calcul": "tests/instruction/test_dossier_permissions.py::test_chaque_persona_recoit_la_bonne_reponse_sur_chaque_url",
    "instruction_complements": "tests/instruction/test_dossier_permissions.py::test_chaque_persona_recoit_la_bonne_reponse_sur_chaque_url",
    "instruction_corriger": "tests/instruction/test_dossier_permissions.py::test_chaque_persona_recoit_la_bonne_reponse_sur_chaque_url",
    "instruction_dossier": "tests/conventions/test_cloture.py::test_un_bandeau_dit_que_le_dossier_est_clos_et_en_lecture_seule",
    "instruction_files": "tests/instruction/test_enveloppe.py::test_chaque_agent_voit_l_enveloppe_dans_chaque_file",
    "instruction_message": "tests/conventions/test_cloture.py::test_un_bandeau_dit_que_le_dossier_est_clos_et_en_lecture_seule",
    "instruction_prendre": "tests/instruction/test_dossier_permissions.py::test_chaque_persona_recoit_la_bonne_reponse_sur_chaque_url",
    "instruction_proposer": "tests/instruction/test_propositions.py::test_qui_peut_proposer",
    "instruction_validation": "tests/instruction/test_validation.py::test_qui_voit_la_validation_groupee",
    "instruction_valider": "tests/instruction/test_validation.py::test_valider_et_renvoyer_par_la_page_pour_chaque_persona",
    "instruction_renvoyer": "tests/instruction/test_validation.py::test_valider_et_renvoyer_par_la_page_pour_chaque_persona",
    "invitation": "tests/structures/test_permissions_structures.py::test_un_lien_d_invitation_adresse_a_un_autre_est_refuse",
    "invitation_annuler": "tests/structures/test_permissions_structures.py::test_qui_peut_annuler_une_invitation",
    "membre_retirer": "tests/structures/test_permissions_structures.py::test_qui_peut_retirer_un_membre",
    "membre_role": "tests/structures/test_permissions_structures.py::test_qui_peut_changer_le_role_d_un_membre",
    "mentions_legales": "tests/core/test_pages.py::test_chaque_page_a_l_en_tete_le_pied_et_les_liens_d_evitement",
    "mot_de_passe_change": "tests/core/test_permissions.py::test_les_pages_du_mot_de_passe_oublie_sont_publiques",
    "mot_de_passe_envoye": "tests/core/test_permissions.py::test_les_pages_du_mot_de_passe_oublie_sont_publiques",
    "mot_de_passe_oublie": "tests/core/test_permissions.py::test_les_pages_du_mot_de_passe_oublie_sont_publiques",
    "national_accueil": "tests/core/test_permissions.py::test_le_tableau_de_bord_national_est_reserve_au_national",
    "national_double_facteur": "tests/comptes/test_double_facteur.py::test_la_reinitialisation_nationale_est_refusee_aux_autres_personas",
    "national_double_facteur_reinitialiser": "tests/comptes/test_double_facteur.py::test_la_reinitialisation_nationale_est_refusee_aux_autres_personas",
    "nouveau_mot_de_passe": "tests/core/test_permissions.py::test_les_pages_du_mot_de_passe_oublie_sont_publiques",
    "openapi-json": "tests/core/test_permissions.py::test_la_documentation_de_l_api_est_publique",
    "paiements_accueil": "tests/comptes/test_connexion.py::test_chaque_role_arrive_sur_sa_page_apres_la_connexion",
    "paiements_creer_lot": "tests/conventions/test_paiements_vues.py::test_seul_le_comptable_cree_un_lot_par_la_page",
    "paiements_lot": "tests/conventions/test_paiements_vues.py::test_qui_voit_un_lot",
    "paiements_lot_csv": "tests/conventions/test_paiements_vues.py::test_qui_telecharge_les_fichiers_du_lot",
    "paiements_lot_payer": "tests/conventions/test_paiements_vues.py::test_seul_le_comptable_marque_le_lot_paye",
    "paiements_lot_retour": "tests/conventions/test_paiements_vues.py::test_seul_le_comptable_importe_le_retour_de_la_banque",
    "paiements_lot_sepa": "tests/conventions/test_paiements_vues.py::test_qui_telecharge_les_fichiers_du_lot",
    "paiements_valider": "tests/conventions/test_paiements_vues.py::test_seul_le_valideur_valide_par_la_page",
    "paiements_versement_reemettre": "tests/conventions/test_paiements_vues.py::test_qui_reemet_un_versement_rejete",
    "paiements_versement_rejeter": "tests/conventions/test_paiements_vues.py::test_seul_le_comptable_enregistre_un_rejet",
    "parametres_ajouter": "tests/core/test_permissions.py::test_seul_le_national_peut_ajouter_une_annee",
    "parametres_approuver": "tests/referentiel/test_parametres_approbation.py::test_qui_approuve_et_qui_refuse_par_la_page",
    "parametres_liste": "tests/core/test_permissions.py::test_la_liste_des_parametres_est_reservee_au_national",
    "parametres_modifier": "tests/core/test_permissions.py::test_le_formulaire_des_parametres_d_une_annee_est_reserve_au_national",
    "parametres_refuser": "tests/referentiel/test_parametres_approbation.py::test_qui_approuve_et_qui_refuse_par_la_page",
    "piece_restaurer": "tests/core/test_permissions_adresses.py::test_qui_restaure_une_piece_de_la_corbeille",
    "piece_supprimer": "tests/structures/test_permissions_structures.py::test_qui_peut_supprimer_une_piece",
    "piece_telecharger": "tests/structures/test_permissions_structures.py::test_les_pages_d_une_structure_se_voient_par_ses_membres_et_sa_caf",
    "plan_du_site": "tests/core/test_pages.py::test_chaque_page_a_l_en_tete_le_pied_et_les_liens_d_evitement",
    "sante": "tests/core/test_permissions.py::test_la_sonde_de_sante_est_publique",
    "securite": "tests/comptes/test_double_facteur.py::test_les_porteurs_ne_sont_pas_concernes",
    "securite_oublier_navigateur": "tests/core/test_permissions_adresses.py::test_la_securite_du_compte_par_persona",
    "securite_regenerer_codes": "tests/core/test_permissions_adresses.py::test_la_securite_du_compte_par_persona",
    "securite_reinitialiser": "tests/core/test_permissions_adresses.py::test_la_securite_du_compte_par_persona",
    "session_fermer": "tests/comptes/test_sessions.py::test_un_agent_ne_ferme_pas_la_session_d_un_porteur",
    "sessions_fermer_les_autres": "tests/core/test_permissions_adresses.py::test_la_securite_du_compte_par_persona",
    "sessions_ouvertes": "tests/comptes/test_sessions.py::test_un_agent_est_deconnecte_apres_30_minutes_sans_activite",
    "simulateur": "tests/core/test_permissions.py::test_le_simulateur_est_public",
    "simulations": "tests/core/test_permissions.py::test_l_api_de_simulation_est_publique",
    "structure_accueil": "tests/core/test_permissions.py::test_l_espace_structure_demande_une_connexion",
    "structure_bienvenue": "tests/structures/test_permissions_structures.py::test_la_page_de_bienvenue_mene_chacun_a_l_inscription_sans_rien_montrer",
    "structure_fiche": "tests/structures/test_permissions_structures.py::test_les_pages_d_une_structure_se_voient_par_ses_membres_et_sa_caf",
    "structure_inscrire": "tests/structures/test_permissions_structures.py::test_qui_peut_inscrire_une_structure",
    "structure_membres": "tests/structures/test_permissions_structures.py::test_les_pages_d_une_structure_se_voient_par_ses_membres_et_sa_caf",
    "structure_modifier": "tests/structures/test_permissions_structures.py::test_seul_un_administrateur_ouvre_la_modification_de_la_fiche",
    "structure_pieces": "tests/structures/test_corbeille.py::test_un_agent_ne_voit_pas_la_corbeille_et_ne_restaure_pas",
    "transfert_confirmer": "tests/structures/test_transferts.py::test_qui_confirme_par_la_page",
    "transfert_refuser": "tests/structures/test_transferts.py::test_qui_refuse_par_la_page",
    "transferts_a_confirmer": "tests/structures/test_transferts.py::test_qui_voit_les_transferts_a_confirmer",
}

# Les adresses qui attendent encore leur test des personas : aucune, et
# `test_aucune_adresse_n_attend_son_test_des_personas` le garde ainsi.
A_COUVRIR: frozenset[str] = frozenset()


def motifs(resolveur: URLResolver | None = None, prefixe: str = "") -> Iterator[tuple[str, str]]:
    """(clé, motif complet) de chaque adresse ; la clé est le nom de l'URL, ou son motif."""
    for motif in (resolveur or get_resolver()).url_patterns:
        chemin = prefixe + str(motif.pattern)
        if isinstance(motif, URLResolver):
            yield from motifs(motif, chemin)
        elif isinstance(motif, URLPattern):
            yield motif.name or chemin, chemin


def exemple(chemin: str) -> str:
    """Une adresse concrète du motif : 1 pour un entier, « x » pour un texte."""
    return "/" + re.sub(
        r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", chemin
    ).lstrip("^").rstrip("$")


ADRESSES = sorted(motifs())


def test_le_parcours_trouve_toutes_les_adresses() -> None:
    cles = {cle for cle, _ in ADRESSES}
    assert {"accueil", "dossier_detail", "paiements_lot_sepa", "simulations"} <= cles
    assert len(cles) == len(ADRESSES), "deux adresses portent le même nom"


def refuse_l_anonyme(client: Client, chemin: str) -> tuple[bool, str]:
    reponse = client.get(chemin)
    if reponse.status_code == 405:  # une vue en POST seulement
        reponse = client.post(chemin)
    if reponse.status_code == 302:
        return reponse["Location"].startswith("/connexion/?next="), reponse["Location"]
    return reponse.status_code in (401, 403, 404), str(reponse.status_code)


@pytest.mark.parametrize(("cle", "chemin"), [a for a in ADRESSES if a[0] not in PUBLIQUES])
def test_une_adresse_non_publique_refuse_un_visiteur_anonyme(cle: str, chemin: str) -> None:
    adresse = exemple(chemin)
    refuse, reponse = refuse_l_anonyme(Client(), adresse)
    assert refuse, (
        f"{cle} ({adresse}) répond {reponse} à un anonyme : ajoutez une garde "
        "(connexion_requise, agent_requis…) ou, si elle est publique exprès, ajoutez-la à "
        "PUBLIQUES avec sa raison."
    )


def test_les_adresses_publiques_existent_toutes() -> None:
    inconnues = set(PUBLIQUES) - {cle for cle, _ in ADRESSES}
    assert not inconnues, f"PUBLIQUES cite des adresses qui n'existent plus : {inconnues}"


@cache
def _fonctions(fichier: str) -> dict[str, ast.FunctionDef]:
    arbre = ast.parse((RACINE / fichier).read_text(encoding="utf-8"))
    return {n.name: n for n in ast.walk(arbre) if isinstance(n, ast.FunctionDef)}


def test_chaque_adresse_figure_dans_la_matrice_des_personas() -> None:
    absentes = sorted({cle for cle, _ in ADRESSES} - set(MATRICE) - A_COUVRIR)
    assert not absentes, (
        "Adresses sans test des personas (ajoutez-les à MATRICE, "
        f"tests/core/test_urls_auditees.py) : {', '.join(absentes)}"
    )


def test_aucune_adresse_n_attend_son_test_des_personas() -> None:
    """Pas d'exemption : une adresse sans test des personas fait échouer la matrice."""
    assert not A_COUVRIR, f"À couvrir dans MATRICE : {sorted(A_COUVRIR)}"


@pytest.mark.parametrize(("cle", "test"), sorted(MATRICE.items()))
def test_la_matrice_nomme_un_test_des_personas_qui_existe(cle: str, test: str) -> None:
    fichier, _, nom = test.partition("::")
    fonction = _fonctions(fichier).get(nom)
    assert fonction is not None, f"{cle} : {test} n'existe pas"
    parametres = {argument.arg for argument in fonction.args.args}
    assert parametres & {"client_de", "client_persona", "persona"}, (
        f"{cle} : {test} ne parcourt pas les personas (client_de, persona)"
    )
    assert cle in {c for c, _ in ADRESSES}, f"MATRICE cite {cle}, qui n'existe plus"
