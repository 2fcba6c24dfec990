"""Parcours d'une structure : de la création du compte au dossier Clas déposé (issue 3, point
15). Une personne crée son compte, confirme son adresse, inscrit son association en Isère,
remplit le dossier étape par étape (deux collectifs, budget, quatre pièces, attestation),
lit l'estimation du barème, dépose, puis retrouve le dossier numéroté et son accusé PDF."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from clas.bareme import CollectifEntree, Entree, calculer, formater_euros
from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.core.validators import iban_fr, siret_valide_depuis
from clas.demo.donnees import pdf_minimal
from clas.referentiel.donnees import charger_caf, charger_parametres
from clas.referentiel.models import Caf, ParametresBareme
from clas.simulateur.formulaire import annee_scolaire_en_cours

pytestmark = [pytest.mark.e2e]

EMAIL = "nadia.benali@reussir-grenoble.fr"
MOT_DE_PASSE = "Grenoble-Clas-2026!"
DEBUT_SIRET = "4182974000012"
SIRET = siret_valide_depuis(DEBUT_SIRET)
IBAN = iban_fr("300040000312345678901")
SIRET_FAUX = SIRET[:-1] + str((int(SIRET[-1]) + 1) % 10)  # la dernière clé fausse
DEPENSES = Decimal("16000")  # comptes 60 à 65 : 1 500 + 1 000 + 2 500 + 11 000
SUBVENTION_COMMUNE = Decimal("9000")

# (nom, niveaux, enfants, horaires, bonus culturel)
COLLECTIFS = [
    ("CP-CE1", ["CP", "CE1"], 10, [("Mardi", "17:00", "18:30"), ("Jeudi", "17:00", "18:30")], True),
    (
        "CE2-CM2",
        ["CE2", "CM1", "CM2"],
        11,
        [("Mercredi", "14:00", "16:00"), ("Vendredi", "17:00", "18:30")],
        False,
    ),
]
PIECES = [
    ("Statuts", "statuts.pdf", None),
    ("Relevé d'identité bancaire", "rib.pdf", None),
    ("Attestation d'assurance", "attestation-assurance.pdf", 365),
    ("Liste des dirigeants", "liste-dirigeants.pdf", None),
]


@pytest.fixture
def campagne_isere(transactional_db: None) -> Campagne:
    """Une campagne ouverte de la Caf de l'Isère, datée autour de maintenant : le parcours
    ne dépend pas de la date du jour."""
    charger_caf(Caf)
    charger_parametres(ParametresBareme)
    annees = list(ParametresBareme.objects.values_list("annee_scolaire", flat=True))
    annee = annee_scolaire_en_cours(timezone.localdate())
    if annee not in annees:
        annee = annees[-1]
    valideur = Utilisateur.objects.create_user(
        "valideur@caf38.exemple.fr", "Valideur-Isere-2026", prenom="Paul", nom="Martin"
    )
    maintenant = timezone.now()
    return Campagne.objects.create(
        caf=Caf.objects.get(departement="38"),
        annee_scolaire=annee,
        titre=f"Appel à projets Clas {annee}",
        ouverture=maintenant - dt.timedelta(days=1),
        cloture=maintenant + dt.timedelta(days=30),
        enveloppe=Decimal("250000"),
        cree_par=valideur,
    )


def seul(libelle: str) -> re.Pattern[str]:
    """Ce libellé exactement, quels que soient la marque « * » et le texte d'aide qui le
    suivent dans la balise <label> (« Nom » sans « Prénom », « Adresse » sans « Adresse
    électronique »)."""
    return re.compile(rf"^\s*{re.escape(libelle)}[^\S\n]*(\*|\n|$)")


def estimation(annee: str, cofinancements: Decimal) -> Decimal:
    """Le barème (clas.bareme.calculer) pour les deux collectifs et le budget du parcours."""
    entree = Entree(
        annee_scolaire=annee,
        depenses_totales=DEPENSES,
        cofinancements=cofinancements,
        collectifs=tuple(
            CollectifEntree(
                nom=nom,
                nb_enfants=enfants,
                nb_intervenants=2,
                semaines_de_fonctionnement=36,
                bonus_projets_culturels=culturel,
            )
            for nom, _niveaux, enfants, _horaires, culturel in COLLECTIFS
        ),
    )
    parametres = ParametresBareme.objects.get(annee_scolaire=annee).vers_bareme()
    return calculer(entree, parametres).montant_total


def en_texte(montant: Decimal) -> str:
    """« 5 426,00 € » tel que la page l'affiche (Playwright normalise les espaces)."""
    return formater_euros(montant).replace("\u00a0", " ")


def saisie(montant: Decimal) -> str:
    """Un montant tapé à la française : 5426.00 → « 5426,00 »."""
    return f"{montant:.2f}".replace(".", ",")


def premier_lundi_de_septembre(annee: str) -> dt.date:
    jour = dt.date(int(annee[:4]), 9, 7)
    return jour + dt.timedelta(days=-jour.weekday() % 7)


def remplir_collectif(bloc: Locator, rang: int, rentree: dt.date) -> None:
    nom, niveaux, enfants, horaires, culturel = COLLECTIFS[rang]
    bloc.get_by_label("Nom du collectif").fill(nom)
    bloc.get_by_label("Lieu", exact=True).fill("Maison des habitants, 12 rue des Alpes, Grenoble")
    for niveau in niveaux:
        # force=True : la case du DSFR est masquée sous son libellé, qui reçoit le clic.
        bloc.get_by_label(niveau, exact=True).check(force=True)
    bloc.get_by_label("Nombre d'enfants").fill(str(enfants))
    intervenants = [
        ("Sophie Lambert", "Salarié", "BAFA, animatrice"),
        ("Karim Haddad", "Bénévole", "Professeur des écoles retraité"),
    ]
    for i, (personne, statut, qualification) in enumerate(intervenants, start=1):
        bloc.get_by_label(f"Intervenant {i} : nom").fill(f"{personne} ({nom})")
        bloc.get_by_label(f"Intervenant {i} : statut").select_option(label=statut)
        bloc.get_by_label(f"Intervenant {i} : qualification").fill(qualification)
    for i, (jour, debut, fin) in enumerate(horaires, start=1):
        bloc.get_by_label(f"Séance {i} : jour").select_option(label=jour)
        bloc.get_by_label(f"Séance {i} : début").fill(debut)
        bloc.get_by_label(f"Séance {i} : fin").fill(fin)
    bloc.get_by_label("Première semaine de fonctionnement").fill(rentree.isoformat())
    bloc.get_by_label("Nombre de semaines de fonctionnement").fill("36")
    if culturel:
        bloc.get_by_label("Projets culturels ou éducatifs (bonus)").check(force=True)
        bloc.get_by_label("Actions culturelles ou éducatives prévues").fill(
            "Atelier théâtre avec une compagnie grenobloise, deux sorties au musée."
        )


def test_une_personne_cree_son_compte_inscrit_sa_structure_et_depose_un_dossier_de_deux_collectifs(
    live_server, page: Page, capture, settings, tmp_path: Path, campagne_isere: Campagne
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    annee = campagne_isere.annee_scolaire
    menu = page.get_by_role("navigation", name="Menu principal")

    # 1. Créer un compte.
    page.goto(f"{live_server.url}/inscription/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Prénom").fill("Nadia")
    page.get_by_label(seul("Nom")).fill("Benali")
    # Une faute de frappe dans la confirmation : refusée, expliquée en français, rien perdu.
    page.get_by_label(seul("Mot de passe")).fill(MOT_DE_PASSE)
    page.get_by_label("Confirmation du mot de passe").fill(MOT_DE_PASSE + "x")
    page.get_by_role("button", name="Créer mon compte").click()
    confirmation = page.get_by_label("Confirmation du mot de passe")
    expect(confirmation).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Les deux mots de passe sont différents")).to_be_visible()
    expect(page.get_by_label("Adresse électronique")).to_have_value(EMAIL)
    capture("porteur-01a-inscription-erreur")
    assert not mail.outbox
    page.get_by_label(seul("Mot de passe")).fill(MOT_DE_PASSE)
    confirmation.fill(MOT_DE_PASSE)
    capture("porteur-01-inscription")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Confirmez votre adresse électronique"
    )
    expect(page.get_by_text(EMAIL)).to_be_visible()
    capture("porteur-02-inscription-envoyee")

    # 2. Ouvrir le lien de confirmation reçu par courriel.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    lien = re.search(r"https?://\S+/inscription/confirmer/\S+/", mail.outbox[0].body)
    assert lien is not None, mail.outbox[0].body
    page.goto(lien.group(0))

    # 3. Inscrire la structure (la confirmation y mène directement, connecté).
    expect(page).to_have_url(re.compile(r"/structures/inscrire/$"))
    expect(
        page.get_by_text("Votre adresse est confirmée et votre compte est ouvert.")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscrire une structure")
    page.get_by_label("Nom de la structure").fill("Association Réussir à Grenoble")
    page.get_by_label("Type de structure").select_option(label="Association")
    page.get_by_label("Forme juridique").select_option(label="Association loi 1901")
    page.get_by_label("SIRET").fill(SIRET_FAUX)
    page.get_by_label("Numéro RNA").fill("W381234567")
    page.get_by_label(seul("Adresse")).fill("12 rue des Alpes")
    page.get_by_label("Code postal").fill("38000")
    page.get_by_label("Commune").fill("Grenoble")
    page.get_by_label("IBAN").fill(" ".join(re.findall(".{1,4}", IBAN)))
    page.get_by_label("BIC").fill("AGRIFRPP881")
    # Le compte est vérifié par la Caf avec son RIB : le déposer est obligatoire.
    page.get_by_label("RIB du compte").set_input_files(
        {"name": "rib.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    page.get_by_label("Prénom du représentant légal").fill("Jeanne")
    page.get_by_label(seul("Nom du représentant légal")).fill("Rousseau")
    page.get_by_label("Qualité du représentant légal").fill("Présidente")
    page.get_by_label("Adresse électronique de contact").fill("contact@reussir-grenoble.fr")
    page.get_by_label("Téléphone de contact").fill("04 76 00 00 00")
    page.get_by_role("button", name="Inscrire la structure").click()
    siret = page.get_by_label("SIRET")
    expect(siret).to_have_attribute("aria-invalid", "true")
    expect(
        page.get_by_text("Ce SIRET n'est pas valide (clé de contrôle incorrecte)")
    ).to_be_visible()
    expect(page.get_by_label("Nom de la structure")).to_have_value("Association Réussir à Grenoble")
    capture("porteur-03a-structure-erreur-siret")
    siret.fill(f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}")
    # Un navigateur ne garde jamais un fichier choisi après un envoi : on le redonne.
    page.get_by_label("RIB du compte").set_input_files(
        {"name": "rib.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    capture("porteur-03-structure-inscrire")
    page.get_by_role("button", name="Inscrire la structure").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Association Réussir à Grenoble")
    expect(page.get_by_text("Vous en êtes l'administrateur")).to_be_visible()
    fiche = page.locator("dl.clas-fiche")
    # La fiche groupe les chiffres (espaces insécables, que Playwright normalise).
    expect(fiche.nth(0)).to_contain_text(f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}")
    expect(fiche.nth(1)).to_contain_text("Caf de l'Isère")
    # Le compte saisi attend la vérification de la Caf ; il n'est montré que masqué.
    expect(fiche.nth(2)).to_contain_text("aucun compte accepté")
    expect(page.locator("#compte-a-verifier")).to_contain_text(IBAN[-4:])
    capture("porteur-04-structure-fiche")

    # 4. Créer le dossier pour la campagne ouverte de la Caf.
    menu.get_by_role("link", name="Mes dossiers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers")
    expect(page.get_by_text(f"« {campagne_isere.titre} » : dépôts ouverts")).to_be_visible()
    capture("porteur-05-dossiers-vide")
    page.get_by_role("button", name="Créer le dossier").click()

    # 5. Étape 1 : le projet.
    expect(page.get_by_text("Étape 1 sur 5")).to_be_visible()
    page.get_by_label("Titre du projet").fill("Clas de la Villeneuve")
    textes = {
        "Résumé du projet": "Deux collectifs d'écoliers du quartier, deux soirs par semaine.",
        "Axe « enfants »": "Aide méthodologique, jeux de lecture, ouverture culturelle.",
        "Axe « parents »": "Accueil des parents à chaque séance, cafés des parents.",
        "Axe « école »": "Rencontre trimestrielle avec les enseignants des écoles du quartier.",
        "Axe « partenaires locaux »": "Médiathèque Kateb Yacine, maison des habitants.",
        "Comment les enfants sont orientés": "Par les enseignants, avec l'accord des parents.",
        "Liens avec les écoles": "Participation au comité de pilotage du PEDT de Grenoble.",
        "Lieux d'accueil": "Maison des habitants, salle accessible, six ordinateurs.",
    }
    for libelle, texte in textes.items():
        page.get_by_label(libelle).fill(texte)
    capture("porteur-06-etape-projet")
    page.get_by_role("button", name="Suivant").click()

    # 6. Étape 2 : deux collectifs.
    expect(page.get_by_text("Étape 2 sur 5")).to_be_visible()
    rentree = premier_lundi_de_septembre(annee)
    remplir_collectif(page.locator("#collectif-0"), 0, rentree)
    page.get_by_role("button", name="Ajouter un collectif").click()
    expect(page.locator("fieldset.clas-collectif")).to_have_count(2)
    expect(page.locator("#collectif-0").get_by_label("Nom du collectif")).to_have_value("CP-CE1")
    remplir_collectif(page.locator("#collectif-1"), 1, rentree)
    capture("porteur-07-etape-collectifs")
    page.get_by_role("button", name="Suivant").click()

    # 7. Étape 3 : le budget, équilibré, la PS demandée égale à l'estimation du barème.
    expect(page.get_by_text("Étape 3 sur 5")).to_be_visible()
    panneau = page.locator("#panneau-bareme")
    expect(panneau.get_by_text("Éligible", exact=True)).to_have_count(2)
    ps_demandee = estimation(annee, Decimal("0"))
    participation_familles = DEPENSES - SUBVENTION_COMMUNE - ps_demandee
    for libelle, montant in [
        ("60 — Achats", "1 500"),
        ("61 — Services extérieurs", "1000"),
        ("62 — Autres services extérieurs", "2 500"),
        ("64 — Charges de personnel", "onze mille"),
        ("70 — Ventes de produits finis", saisie(participation_familles)),
        ("74 — Subvention : Commune ou intercommunalité", "9 000"),
        ("Prestation de service Clas demandée à la Caf", saisie(ps_demandee)),
    ]:
        page.get_by_label(libelle).fill(montant)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    personnel = page.get_by_label("64 — Charges de personnel")
    expect(personnel).to_have_attribute("aria-invalid", "true")
    expect(personnel).to_have_value("onze mille")
    expect(page.get_by_text("Saisissez un montant en euros").first).to_be_visible()
    capture("porteur-08a-etape-budget-erreur")
    # La correction s'enregistre (la page de l'erreur porte la version du dossier : pas de
    # « modifié par » vous-même), et un rechargement la montre.
    personnel.fill("11 000")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Étape enregistrée.")).to_be_visible()
    expect(page.get_by_text("a été modifié par")).to_have_count(0)
    page.goto(page.url)
    expect(page.get_by_label("64 — Charges de personnel")).to_have_value(re.compile(r"^11\s?000"))
    totaux = page.get_by_test_id("totaux-budget")
    expect(totaux).to_contain_text(en_texte(DEPENSES))
    expect(totaux.get_by_text("Budget équilibré")).to_be_visible()
    capture("porteur-08-etape-budget")
    page.get_by_role("button", name="Suivant").click()

    # 8. Le panneau latéral montre l'estimation du barème pour ces chiffres.
    attendu = estimation(annee, DEPENSES - ps_demandee)
    assert attendu == ps_demandee  # plafond = reste à charge = PS demandée : pas de réduction
    expect(page.get_by_test_id("estimation-totale")).to_have_text(en_texte(attendu))
    expect(page.get_by_test_id("budget-desequilibre")).to_have_count(0)
    expect(page.get_by_test_id("ps-depasse")).to_have_count(0)

    # 9. Étape 4 : les quatre pièces obligatoires, de vrais PDF déposés un à un.
    expect(page.get_by_text("Étape 4 sur 5")).to_be_visible()
    expect(page.get_by_text("Le coffre-fort de la structure est vide")).to_be_visible()
    capture("porteur-09-etape-documents-vide")
    for type_piece, nom_fichier, validite_jours in PIECES:
        chemin = tmp_path / nom_fichier
        chemin.write_bytes(pdf_minimal(f"{type_piece} - Association Reussir a Grenoble"))
        page.get_by_label("Type de la nouvelle pièce").select_option(label=type_piece)
        page.get_by_label("Fichier").set_input_files(chemin)
        if validite_jours:
            fin = timezone.localdate() + dt.timedelta(days=validite_jours)
            page.get_by_label("Valable jusqu'au").fill(fin.isoformat())
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_text(f"« {nom_fichier} » est rangé dans le coffre-fort")).to_be_visible()
        expect(page.get_by_label(f"{type_piece} — {nom_fichier}")).to_be_checked()
    capture("porteur-10-etape-documents")
    page.get_by_role("button", name="Suivant").click()

    # 10. Étape 5 : l'attestation, signée par l'administratrice.
    expect(page.get_by_text("Étape 5 sur 5")).to_be_visible()
    # Signer sans cocher : refusé, la case est désignée.
    page.get_by_role("button", name="Signer l'attestation").click()
    expect(page.get_by_text("Cochez la case pour signer l'attestation").first).to_be_visible()
    expect(page.get_by_test_id("attestation-signee")).to_have_count(0)
    capture("porteur-11a-etape-attestation-erreur")
    page.get_by_label("J'atteste sur l'honneur").check(force=True)
    capture("porteur-11-etape-attestation")
    page.get_by_role("button", name="Signer l'attestation").click()
    expect(page.get_by_test_id("attestation-signee")).to_contain_text("Nadia Benali")
    capture("porteur-12-attestation-signee")
    page.get_by_role("link", name="Vérifier et déposer le dossier").click()

    # 11. La page du dossier : complet, on dépose.
    expect(page.get_by_role("heading", level=1)).to_have_text("Clas de la Villeneuve")
    expect(page.get_by_text("Le dossier est complet.")).to_be_visible()
    expect(page.get_by_test_id("estimation-totale")).to_have_text(en_texte(attendu))
    capture("porteur-13-dossier-avant-depot")
    page.get_by_role("button", name="Déposer", exact=True).click()
    numero_attendu = re.compile(rf"CLAS-038-{annee[:4]}-\d{{5}}")
    expect(page.get_by_role("status")).to_contain_text("Dossier déposé sous le numéro CLAS-038-")
    expect(page.locator("#etat-dossier")).to_have_text("Déposé")
    numero = page.locator("#etat-dossier + strong").inner_text()
    assert numero_attendu.fullmatch(numero), numero
    capture("porteur-14-dossier-depose")
    assert any(numero in message.subject + message.body for message in mail.outbox[1:])

    # 12. Retrouver le dossier déposé dans la liste, puis télécharger son accusé de dépôt.
    menu.get_by_role("link", name="Mes dossiers").click()
    ligne = page.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_contain_text("Clas de la Villeneuve")
    expect(ligne).to_contain_text("Déposé")
    expect(ligne).to_contain_text(en_texte(ps_demandee))
    capture("porteur-15-dossiers-liste")
    ligne.get_by_role("link", name="Voir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clas de la Villeneuve")
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Télécharger l'accusé de dépôt (PDF)").click()
    recu = telechargement.value
    assert recu.suggested_filename == f"accuse-depot-{numero}.pdf"
    assert Path(recu.path()).read_bytes().startswith(b"%PDF")
    capture("porteur-16-dossier-recu")
