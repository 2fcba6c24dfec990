"""Les pages du bilan : saisie par la structure, examen par la Caf, pièces, liste de la
Caf ; les droits de chaque persona sur chaque page et chaque action."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from clas.bilans.models import Bilan, EtatBilan, PieceBilan
from clas.dossiers.models import Evenement, Message
from tests.conventions.bilan_fabrique import (  # noqa: F401
    deposer_complet,
    enregistrer_complet,
    fixture_convention_signee,
)
from tests.dossiers.suivi_fabrique import PDF_MINIMAL
from tests.outils import cases_cochees, champs, formulaire_du_navigateur, texte


def _client(utilisateur) -> Client:
    client = Client()
    client.force_login(utilisateur)
    return client


def _url(nom: str, convention, *args) -> str:
    return reverse(nom, args=[convention.dossier_id, *args])


def formulaire_de(page) -> dict[str, str]:
    """Ce que le navigateur renverrait tel quel (cases cochées comprises)."""
    donnees = champs(page)
    for nom in cases_cochees(page):
        donnees[nom] = "on"
    donnees.pop("nouvelle_piece", None)
    return donnees


def _est_connexion(reponse) -> bool:
    return reponse.status_code == 302 and (
        "connexion" in reponse["Location"] or "login" in reponse["Location"]
    )


# --- Droits : la saisie ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 200),
        ("porteur_autre", 404),
        ("instructeur", 404),
        ("instructeur_autre_caf", 404),
        ("valideur", 404),
        ("comptable", 404),
        ("national", 404),
    ],
)
def test_qui_ouvre_la_saisie_du_bilan(client_de, convention_signee, persona, statut):
    reponse = client_de(persona).get(_url("bilan_saisie", convention_signee))
    assert reponse.status_code == statut
    if persona == "anonyme":
        assert _est_connexion(reponse)


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 302),
        ("porteur_autre", 404),
        ("instructeur", 404),
        ("instructeur_autre_caf", 404),
        ("valideur", 404),
        ("comptable", 404),
        ("national", 403),
    ],
)
def test_qui_enregistre_le_brouillon(client_de, porteur, convention_signee, persona, statut):
    donnees = formulaire_de(porteur.get(_url("bilan_saisie", convention_signee)))
    donnees["action"] = "enregistrer"
    reponse = client_de(persona).post(_url("bilan_saisie", convention_signee), donnees)
    assert reponse.status_code == statut
    assert Bilan.objects.filter(convention=convention_signee).exists() == (persona == "porteur")


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 302),
        ("porteur_autre", 404),
        ("instructeur", 404),
        ("instructeur_autre_caf", 404),
        ("valideur", 404),
        ("comptable", 404),
        ("national", 403),
    ],
)
def test_qui_depose_le_bilan(client_de, porteur, convention_signee, utilisateurs, persona, statut):
    enregistrer_complet(convention_signee, utilisateurs["porteur"])
    donnees = formulaire_de(porteur.get(_url("bilan_saisie", convention_signee)))
    donnees["action"] = "deposer"
    reponse = client_de(persona).post(_url("bilan_saisie", convention_signee), donnees)
    assert reponse.status_code == statut
    etat = Bilan.objects.get(convention=convention_signee).etat
    assert etat == (EtatBilan.DEPOSE if persona == "porteur" else EtatBilan.BROUILLON)


def test_un_contributeur_enregistre_mais_ne_depose_pas(
    convention_signee, convention_contributeur, utilisateurs
):
    client = _client(convention_contributeur)
    page = client.get(_url("bilan_saisie", convention_signee))
    assert page.status_code == 200
    assert "Enregistrer le brouillon" in texte(page)
    assert "Déposer le bilan" not in texte(page)
    assert "Seul un signataire ou un administrateur" in texte(page)
    donnees = formulaire_de(page)
    reponse = client.post(
        _url("bilan_saisie", convention_signee), {**donnees, "action": "enregistrer"}
    )
    assert reponse.status_code == 302
    enregistrer_complet(convention_signee, convention_contributeur)
    donnees = formulaire_de(client.get(_url("bilan_saisie", convention_signee)))
    reponse = client.post(_url("bilan_saisie", convention_signee), {**donnees, "action": "deposer"})
    assert reponse.status_code == 403
    assert Bilan.objects.get(convention=convention_signee).etat == EtatBilan.BROUILLON


def test_un_signataire_depose(convention_signee, convention_signataire):
    client = _client(convention_signataire)
    enregistrer_complet(convention_signee, convention_signataire)
    donnees = formulaire_de(client.get(_url("bilan_saisie", convention_signee)))
    reponse = client.post(_url("bilan_saisie", convention_signee), {**donnees, "action": "deposer"})
    assert reponse.status_code == 302
    assert Bilan.objects.get(convention=convention_signee).depose_par == convention_signataire


def test_le_bilan_ne_s_ouvre_qu_apres_la_signature(porteur, convention):
    page = porteur.get(_url("bilan_saisie", convention))
    assert page.status_code == 200
    assert "Le bilan s'ouvre après la signature de la convention." in texte(page)
    assert "Enregistrer le brouillon" not in texte(page)
    reponse = porteur.post(
        _url("bilan_saisie", convention), {"version": "0", "action": "enregistrer"}
    )
    assert reponse.status_code == 403
    assert not Bilan.objects.exists()


# --- La saisie ---------------------------------------------------------------------------


def test_le_bilan_est_prerempli_avec_les_chiffres_prevus(porteur, convention_signee):
    page = porteur.get(_url("bilan_saisie", convention_signee))
    valeurs = champs(page)
    collectifs = list(convention_signee.dossier.collectifs.order_by("ordre", "id"))
    premier = f"collectif-{collectifs[0].pk}"
    assert valeurs[f"{premier}-nb_enfants"] == "10"
    assert valeurs[f"{premier}-semaines_de_fonctionnement"] == "30"
    assert valeurs[f"{premier}-nb_intervenants"] == "2"
    assert valeurs[f"{premier}-premiere_semaine"] == "2026-09-14"
    assert "Alice Martin, salarié" in valeurs[f"{premier}-intervenants"]
    assert f"{premier}-a_fonctionne" in cases_cochees(page)
    assert f"{premier}-bonus_projets_culturels" in cases_cochees(page)
    # Le budget prévisionnel : 15 000 de charges de personnel, 10 000 de la commune.
    assert valeurs["compte-charge_64"] == "15 000,00"
    assert valeurs["compte-produit_74_commune"] == "10 000,00"
    assert "ps_demandee" not in " ".join(valeurs)
    assert "Déposer le bilan" in texte(page)


def test_le_brouillon_garde_une_saisie_invalide(porteur, convention_signee):
    url = _url("bilan_saisie", convention_signee)
    donnees = formulaire_de(porteur.get(url))
    collectif = next(k for k in donnees if k.endswith("-nb_enfants"))
    donnees[collectif] = "beaucoup"
    donnees["compte-charge_60"] = "douze euros"
    donnees["evaluation_enfants"] = "Ils ont progressé."
    reponse = porteur.post(url, {**donnees, "action": "enregistrer"})
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Saisissez un nombre entier" in page
    assert "Saisissez un montant en euros" in page
    bilan = Bilan.objects.get(convention=convention_signee)
    assert bilan.saisies_en_cours[collectif] == ["beaucoup"]
    assert bilan.evaluation_enfants == ""  # le bilan enregistré n'est pas touché
    # La saisie est rendue telle quelle à la visite suivante.
    revue = porteur.get(url)
    assert champs(revue)[collectif] == "beaucoup"
    assert champs(revue)["evaluation_enfants"] == "Ils ont progressé."
    assert "Voici la saisie que vous aviez commencée" in texte(revue)
    # Corrigée, elle est écrite et les saisies en cours sont effacées.
    donnees = formulaire_de(revue)
    donnees[collectif] = "9"
    donnees["compte-charge_60"] = "12"
    assert porteur.post(url, {**donnees, "action": "enregistrer"}).status_code == 302
    bilan.refresh_from_db()
    assert bilan.saisies_en_cours == {}
    assert bilan.evaluation_enfants == "Ils ont progressé."
    assert bilan.collectifs.order_by("collectif__ordre").first().nb_enfants == 9


def test_le_depot_liste_tous_les_manques_avec_un_lien_vers_chaque_champ(porteur, convention_signee):
    url = _url("bilan_saisie", convention_signee)
    donnees = formulaire_de(porteur.get(url))
    intervenants = [k for k in donnees if k.endswith("-intervenants")]
    for cle in intervenants:
        donnees[cle] = ""
    seances = next(k for k in donnees if k.endswith("-nb_seances"))
    donnees[seances] = ""
    reponse = porteur.post(url, {**donnees, "action": "deposer"})
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Le bilan n'a pas été déposé" in page
    attendus = [
        "nommez les intervenants et précisez leur statut.",
        "indiquez le nombre de séances tenues.",
        "Décrivez les actions menées avec les parents.",
        "Évaluez en quelques lignes l'axe « enfants ».",
        "Évaluez en quelques lignes l'axe « parents ».",
        "Évaluez en quelques lignes l'axe « école ».",
        "Évaluez en quelques lignes l'axe « partenaires locaux ».",
    ]
    for message in attendus:
        assert message in page, message
    assert page.count("nommez les intervenants") == len(intervenants)
    # Chaque lien mène à un champ de la page.
    liste = page.split('id="manques"')[1].split("</ul>")[0]
    ancres = re.findall(r'href="#([^"]+)"', liste)
    assert len(ancres) == len(attendus) + len(intervenants) - 1
    for ancre in ancres:
        assert f'id="{ancre}"' in page, ancre
    bilan = Bilan.objects.get(convention=convention_signee)
    assert bilan.etat == EtatBilan.BROUILLON
    assert bilan.collectifs.count() == 2  # la saisie valide est gardée


def test_un_compte_de_resultat_vide_empeche_le_depot(porteur, convention_signee, utilisateurs):
    enregistrer_complet(convention_signee, utilisateurs["porteur"])
    url = _url("bilan_saisie", convention_signee)
    donnees = formulaire_de(porteur.get(url))
    for cle in [k for k in donnees if k.startswith("compte-charge")]:
        donnees[cle] = ""
    reponse = porteur.post(url, {**donnees, "action": "deposer"})
    assert reponse.status_code == 400
    assert "saisissez les charges réelles de l'année (comptes 60 à 65)" in texte(reponse)
    assert 'href="#id_compte-charge_60"' in texte(reponse)


def test_un_collectif_qui_n_a_pas_fonctionne_n_a_rien_a_remplir(
    porteur, convention_signee, utilisateurs
):
    enregistrer_complet(convention_signee, utilisateurs["porteur"])
    url = _url("bilan_saisie", convention_signee)
    donnees = formulaire_de(porteur.get(url))
    second = sorted(k for k in donnees if k.endswith("-nb_enfants"))[-1].rsplit("-", 1)[0]
    donnees.pop(f"{second}-a_fonctionne", None)
    for champ in (
        "nb_enfants",
        "semaines_de_fonctionnement",
        "nb_seances",
        "nb_intervenants",
        "intervenants",
        "premiere_semaine",
    ):
        donnees[f"{second}-{champ}"] = ""
    reponse = porteur.post(url, {**donnees, "action": "deposer"})
    assert reponse.status_code == 302
    bilan = Bilan.objects.get(convention=convention_signee)
    assert bilan.etat == EtatBilan.DEPOSE
    assert [
        c.a_fonctionne for c in bilan.collectifs.order_by("collectif__ordre", "collectif_id")
    ] == [True, False]


def test_une_date_hors_de_l_annee_scolaire_est_refusee(porteur, convention_signee):
    url = _url("bilan_saisie", convention_signee)
    donnees = formulaire_de(porteur.get(url))
    cle = next(k for k in donnees if k.endswith("-premiere_semaine"))
    donnees[cle] = "2025-09-01"
    reponse = porteur.post(url, {**donnees, "action": "enregistrer"})
    assert reponse.status_code == 400
    assert "dans l'année scolaire 2026-2027 (entre le 01/08/2026 et le 31/07/2027)" in texte(
        reponse
    )


def test_deux_onglets_le_second_enregistrement_ne_l_ecrase_pas(porteur, convention_signee):
    url = _url("bilan_saisie", convention_signee)
    donnees = formulaire_de(porteur.get(url))
    assert (
        porteur.post(
            url, {**donnees, "action": "enregistrer", "actions_parents": "Premier onglet"}
        ).status_code
        == 302
    )
    reponse = porteur.post(
        url, {**donnees, "action": "enregistrer", "actions_parents": "Second onglet"}
    )
    assert reponse.status_code == 409
    assert "Rien n'a été enregistré" in texte(reponse)
    assert "Second onglet" in texte(reponse)  # la saisie n'est pas perdue
    assert Bilan.objects.get(convention=convention_signee).actions_parents == "Premier onglet"


def test_un_bilan_depose_est_en_lecture_seule(porteur, convention_signee, utilisateurs):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    url = _url("bilan_saisie", convention_signee)
    page = porteur.get(url)
    assert "Enregistrer le brouillon" not in texte(page)
    # Un résumé à lire, pas des champs grisés.
    assert 'data-testid="resume-bilan"' in page.content.decode()
    assert "disabled" not in page.content.decode()
    assert 'id="formulaire-bilan"' not in page.content.decode()
    assert "Trois cafés des parents." in texte(page)
    bilan = Bilan.objects.get(convention=convention_signee)
    reponse = porteur.post(
        url, {"version": str(bilan.version), "action": "enregistrer", "actions_parents": "Autre"}
    )
    assert reponse.status_code == 403
    assert (
        Bilan.objects.get(convention=convention_signee).actions_parents
        == "Trois cafés des parents."
    )


# --- Les pièces --------------------------------------------------------------------------


def _joindre(client, convention, nom="compte-rendu.pdf", contenu=PDF_MINIMAL):
    url = _url("bilan_saisie", convention)
    donnees = formulaire_de(client.get(url))
    donnees["description_piece"] = "Compte rendu"
    donnees["nouvelle_piece"] = SimpleUploadedFile(nom, contenu, content_type="application/pdf")
    return client.post(url, {**donnees, "action": "enregistrer"})


def test_une_piece_controlee_est_jointe_et_retiree(porteur, convention_signee):
    assert _joindre(porteur, convention_signee).status_code == 302
    piece = PieceBilan.objects.get()
    assert piece.nom == "compte-rendu.pdf"
    assert piece.description == "Compte rendu"
    url = _url("bilan_saisie", convention_signee)
    page = porteur.get(url)
    assert _url("bilan_piece", convention_signee, piece.pk) in texte(page)
    donnees = formulaire_de(page)
    assert porteur.post(url, {**donnees, "action": f"retirer_piece-{piece.pk}"}).status_code == 302
    assert not PieceBilan.objects.exists()


def test_une_piece_non_conforme_est_refusee(porteur, convention_signee):
    reponse = _joindre(porteur, convention_signee, "virus.pdf", b"MZ\x90\x00pas un pdf")
    assert reponse.status_code == 400
    assert "n'est ni un PDF, ni une image PNG ou JPEG" in texte(reponse)
    assert not PieceBilan.objects.exists()


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 200),
        ("porteur_autre", 404),
        ("instructeur", 200),
        ("instructeur_autre_caf", 404),
        ("valideur", 200),
        ("comptable", 200),
        ("national", 200),
    ],
)
def test_qui_telecharge_une_piece_du_bilan(client_de, porteur, convention_signee, persona, statut):
    _joindre(porteur, convention_signee)
    piece = PieceBilan.objects.get()
    reponse = client_de(persona).get(_url("bilan_piece", convention_signee, piece.pk))
    assert reponse.status_code == statut
    if statut == 200:
        assert b"".join(reponse.streaming_content) == PDF_MINIMAL


# --- L'examen par la Caf -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 404),
        ("porteur_autre", 404),
        ("instructeur", 200),
        ("instructeur_autre_caf", 404),
        ("valideur", 200),
        ("comptable", 200),
        ("national", 200),
    ],
)
def test_qui_ouvre_l_examen_du_bilan(client_de, convention_signee, utilisateurs, persona, statut):
    deposer_complet(convention_signee, utilisateurs["porteur"], fonctionnent=(True, False))
    reponse = client_de(persona).get(_url("bilan_examen", convention_signee))
    assert reponse.status_code == statut
    if statut == 200:
        page = texte(reponse)
        assert "Prévu (décision)" in page
        # Le comptable et l'administration nationale lisent sans examiner.
        examine = persona not in ("comptable", "national")
        assert ("Accepter le bilan" in page) == examine
        assert ("Demander des corrections" in page) == examine


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 404),
        ("porteur_autre", 404),
        ("instructeur", 302),
        ("instructeur_autre_caf", 404),
        ("valideur", 302),
        ("comptable", 403),
        ("national", 403),
    ],
)
def test_qui_accepte_le_bilan(
    client_de, convention_signee, utilisateurs, persona, statut, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    with django_capture_on_commit_callbacks(execute=False):
        reponse = client_de(persona).post(_url("bilan_accepter", convention_signee))
    assert reponse.status_code == statut
    etat = Bilan.objects.get(convention=convention_signee).etat
    assert etat == (
        EtatBilan.ACCEPTE if persona in ("instructeur", "valideur") else EtatBilan.DEPOSE
    )


@pytest.mark.parametrize(
    ("persona", "statut"),
    [
        ("anonyme", 302),
        ("porteur", 404),
        ("porteur_autre", 404),
        ("instructeur", 302),
        ("instructeur_autre_caf", 404),
        ("valideur", 302),
        ("comptable", 403),
        ("national", 403),
    ],
)
def test_qui_demande_des_corrections(
    client_de, convention_signee, utilisateurs, persona, statut, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    with django_capture_on_commit_callbacks(execute=False):
        reponse = client_de(persona).post(
            _url("bilan_corrections", convention_signee), {"message": "Joignez le compte rendu."}
        )
    assert reponse.status_code == statut
    etat = Bilan.objects.get(convention=convention_signee).etat
    assert etat == (
        EtatBilan.A_CORRIGER if persona in ("instructeur", "valideur") else EtatBilan.DEPOSE
    )


def test_demander_des_corrections_exige_un_message(instructeur, convention_signee, utilisateurs):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    reponse = instructeur.post(_url("bilan_corrections", convention_signee), {"message": "  "})
    assert reponse.status_code == 400
    assert "le message est obligatoire" in texte(reponse)
    assert Bilan.objects.get(convention=convention_signee).etat == EtatBilan.DEPOSE


def test_les_corrections_reviennent_a_la_structure_qui_depose_a_nouveau(
    instructeur,
    porteur,
    convention_signee,
    utilisateurs,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    with django_capture_on_commit_callbacks(execute=True):
        instructeur.post(
            _url("bilan_corrections", convention_signee),
            {"message": "Joignez le compte rendu signé."},
        )
    assert "Corrections demandées sur votre bilan" in mailoutbox[-1].subject
    assert "Joignez le compte rendu signé." in mailoutbox[-1].body
    message = Message.objects.get(dossier_id=convention_signee.dossier_id)
    assert message.de_la_caf and "Joignez le compte rendu signé." in message.texte
    detail = texte(porteur.get(reverse("dossier_detail", args=[convention_signee.dossier_id])))
    assert "La Caf demande des corrections" in detail
    assert "Corriger le bilan" in detail
    url = _url("bilan_saisie", convention_signee)
    page = porteur.get(url)
    assert "Joignez le compte rendu signé." in texte(page)
    assert porteur.post(url, {**formulaire_de(page), "action": "deposer"}).status_code == 302
    assert Bilan.objects.get(convention=convention_signee).etat == EtatBilan.DEPOSE


def test_accepter_montre_les_deux_calculs_et_le_montant_definitif(
    instructeur, porteur, convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"], fonctionnent=(True, False))
    avant = texte(instructeur.get(_url("bilan_examen", convention_signee)))
    assert "Aperçu, non enregistré" in avant
    assert "le plus petit des deux : <strong>2\xa0281,25\xa0€</strong> (aperçu)" in avant
    with django_capture_on_commit_callbacks(execute=False):
        reponse = instructeur.post(_url("bilan_accepter", convention_signee))
    assert reponse.status_code == 302
    apres = texte(instructeur.get(_url("bilan_examen", convention_signee)))
    assert "Aperçu, non enregistré" not in apres
    assert "Le calcul de la décision" in apres and "Le calcul sur les réels" in apres
    assert "le plus petit des deux : <strong>2\xa0281,25\xa0€</strong>" in apres
    assert "4\xa0500,00\xa0€" in apres
    assert "Accepter le bilan" not in apres
    # Côté structure : la même explication et le montant définitif.
    page = texte(porteur.get(_url("bilan_saisie", convention_signee)))
    assert "le plus petit des deux : <strong>2\xa0281,25\xa0€</strong>" in page
    detail = texte(porteur.get(reverse("dossier_detail", args=[convention_signee.dossier_id])))
    assert "Montant définitif de la prestation : <strong>2\xa0281,25\xa0€</strong>" in detail
    caf = texte(
        instructeur.get(reverse("instruction_dossier", args=[convention_signee.dossier_id]))
    )
    assert "Recalculé sur les réels" in caf and "2\xa0281,25\xa0€" in caf


def test_un_second_clic_sur_accepter_ne_change_rien(
    instructeur, valideur, convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    with django_capture_on_commit_callbacks(execute=False):
        instructeur.post(_url("bilan_accepter", convention_signee))
        reponse = valideur.post(_url("bilan_accepter", convention_signee), follow=True)
    assert "déjà accepté" in texte(reponse)
    assert Evenement.objects.filter(type="bilan_accepte").count() == 1


def test_l_historique_garde_depot_corrections_et_acceptation(
    instructeur, porteur, convention_signee, utilisateurs, django_capture_on_commit_callbacks
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    with django_capture_on_commit_callbacks(execute=False):
        instructeur.post(
            _url("bilan_corrections", convention_signee), {"message": "Précisez les séances."}
        )
    porteur.post(
        _url("bilan_saisie", convention_signee),
        {
            **formulaire_de(porteur.get(_url("bilan_saisie", convention_signee))),
            "action": "deposer",
        },
    )
    with django_capture_on_commit_callbacks(execute=False):
        instructeur.post(_url("bilan_accepter", convention_signee))
    evenements = list(
        Evenement.objects.filter(dossier_id=convention_signee.dossier_id, type__startswith="bilan_")
        .exclude(type="bilan_modification")
        .order_by("id")
    )
    assert [e.type for e in evenements] == [
        "bilan_depose",
        "bilan_a_corriger",
        "bilan_depose",
        "bilan_accepte",
    ]
    assert all(e.public for e in evenements)
    assert evenements[0].auteur == utilisateurs["porteur"]
    assert evenements[1].auteur == utilisateurs["instructeur"]
    assert "Précisez les séances." in evenements[1].description
    assert (
        "montant définitif (le plus petit des deux) : 4\xa0500,00\xa0€" in evenements[3].description
    )
    detail = texte(porteur.get(reverse("dossier_detail", args=[convention_signee.dossier_id])))
    assert "Bilan de fin d'année déposé par" in detail
    assert "Bilan accepté par la Caf" in detail


def test_le_depot_previent_l_instructeur_par_courriel(
    convention_signee, utilisateurs, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deposer_complet(convention_signee, utilisateurs["porteur"])
    assert mailoutbox[-1].to == [utilisateurs["instructeur"].email]
    assert "Bilan de fin d'année déposé" in mailoutbox[-1].subject


# --- La liste de la Caf ------------------------------------------------------------------


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
        ("national", 200),  # toutes les Caf, en lecture seule
    ],
)
def test_qui_voit_la_liste_des_bilans(client_de, convention_signee, utilisateurs, persona, statut):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    reponse = client_de(persona).get(reverse("bilans_caf"))
    assert reponse.status_code == statut
    if statut == 200:
        present = _url("bilan_examen", convention_signee) in texte(reponse)
        assert present == (persona != "instructeur_autre_caf")


def test_la_liste_des_bilans_filtre_par_campagne_et_etat(
    instructeur, convention_signee, utilisateurs
):
    deposer_complet(convention_signee, utilisateurs["porteur"])
    campagne = convention_signee.dossier.campagne_id
    page = texte(instructeur.get(reverse("bilans_caf"), {"campagne": campagne, "etat": "depose"}))
    assert _url("bilan_examen", convention_signee) in page
    page = texte(instructeur.get(reverse("bilans_caf"), {"etat": "accepte"}))
    assert _url("bilan_examen", convention_signee) not in page
    page = texte(instructeur.get(reverse("bilans_caf"), {"campagne": campagne + 1000}))
    assert "Aucun bilan pour ces critères." in page


def test_le_bilan_corrige_sur_la_page_de_l_erreur_est_enregistre(porteur, convention_signee):
    """Comme un usager : l'erreur, la correction sur la page qui la signale (sa version
    cachée comprise), l'enregistrement, puis la page rechargée qui montre la correction."""
    url = _url("bilan_saisie", convention_signee)
    donnees = formulaire_du_navigateur(porteur.get(url))
    collectif = next(k for k in donnees if k.endswith("-nb_enfants"))
    donnees[collectif] = ["beaucoup"]
    erreur = porteur.post(url, {**donnees, "action": "enregistrer"})
    assert erreur.status_code == 400

    donnees = formulaire_du_navigateur(erreur)
    donnees.pop("nouvelle_piece", None)
    donnees[collectif] = ["9"]
    correction = porteur.post(url, {**donnees, "action": "enregistrer"})

    assert correction.status_code == 302, texte(correction)
    assert champs(porteur.get(url))[collectif] == "9"
    bilan = Bilan.objects.get(convention=convention_signee)
    assert bilan.saisies_en_cours == {}
    assert bilan.collectifs.order_by("collectif__ordre").first().nb_enfants == 9
