"""Parcours de l'instruction côté Caf (issue 4, point 15). Sur un dossier déposé par une
structure du Rhône créée pour le parcours : l'instructeur le prend et demande des compléments
sur le budget ; la structure complète et dépose à nouveau ; l'instructeur corrige un collectif
(36 → 18 semaines), lit le montant recalculé et propose un accord ; un valideur valide ; la
structure lit la décision et télécharge la lettre.

La démo (`donnees_demo`) fournit les agents et la campagne ouverte du Rhône ; le dossier du
parcours est créé ici, pour ne pas dépendre des dossiers de la démo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from clas.bareme import CollectifEntree, Entree, calculer, formater_euros
from clas.campagnes.models import Campagne
from clas.comptes.models import AgentCaf, Utilisateur
from clas.core.validators import siret_valide_depuis
from clas.dossiers import actions
from clas.dossiers.models import Collectif, Dossier, EtatDossier
from clas.referentiel.models import Caf, ParametresBareme
from clas.simulateur.formulaire import annee_scolaire_en_cours
from clas.structures.models import MembreStructure, RoleMembre, Structure, TypeStructure
from tests.dossiers.suivi_fabrique import ajouter_collectif, dossier_complet

pytestmark = [pytest.mark.e2e]

MOT_DE_PASSE_DEMO = "demo-clas-2026"
INSTRUCTEUR = "instructeur@demo.clas.fr"
VALIDEUR = "valideur@demo.clas.fr"
PORTEUR = "samia.kaci@maison-des-etapes.fr"
MOT_DE_PASSE_PORTEUR = "Venissieux-Clas-2026!"
DEBUT_SIRET = "7923456100018"
SIRET = siret_valide_depuis(DEBUT_SIRET)
TITRE = "Coup de pouce aux Minguettes"

# Le budget de `dossier_complet` : charges 64 = 15 000 ; produits 74 (commune) = 10 000 et
# 75 = 500 ; prestation demandée 4 500. La structure ajoute, à la demande de la Caf, ses
# achats (60) et la participation des familles (70) : le budget reste équilibré.
ACHATS = Decimal("1200")
PARTICIPATION_FAMILLES = Decimal("1200")
MESSAGE_COMPLEMENTS = (
    "Votre budget ne comporte aucun achat : indiquez les fournitures et le petit matériel "
    "(compte 60) et la participation des familles (compte 70)."
)
MOTIF_CORRECTION = "Le collectif CE2-CM2 ne fonctionne qu'à partir de janvier (liste d'émargement)."


@dataclasses.dataclass(frozen=True)
class Parcours:
    dossier: Dossier
    collectifs: tuple[Collectif, Collectif]
    annee: str


def rentree(annee: str) -> dt.date:
    """Le premier lundi de septembre de l'année scolaire."""
    jour = dt.date(int(annee[:4]), 9, 1)
    return jour + dt.timedelta(days=-jour.weekday() % 7)


@pytest.fixture
def parcours(donnees_demo: None, settings, django_capture_on_commit_callbacks) -> Parcours:
    """Une structure du Rhône, son administratrice et un dossier complet déposé dans la
    campagne ouverte du Rhône (celle de la démo, sinon une créée ici)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caf = Caf.objects.get(departement="69")
    annees = list(ParametresBareme.objects.values_list("annee_scolaire", flat=True))
    annee = annee_scolaire_en_cours(timezone.localdate())
    if annee not in annees:
        annee = annees[-1]
    campagne = Campagne.objects.filter(caf=caf, annee_scolaire=annee).ouvertes().first()
    valideur = Utilisateur.objects.get(email=VALIDEUR)
    if campagne is None:
        maintenant = timezone.now()
        campagne = Campagne.objects.create(
            caf=caf,
            annee_scolaire=annee,
            titre=f"Appel à projets Clas {annee}",
            ouverture=maintenant - dt.timedelta(days=1),
            cloture=maintenant + dt.timedelta(days=30),
            enveloppe=Decimal("450000"),
            cree_par=valideur,
        )
    # L'instructeur de la démo est aussi valideur ici : le bouton « Valider » absent de sa
    # propre proposition prouve alors la règle des deux agents, pas seulement son rôle.
    AgentCaf.objects.filter(utilisateur__email=INSTRUCTEUR).update(est_valideur=True)

    structure = Structure.objects.create(
        nom="Maison des Étapes",
        type_structure=TypeStructure.ASSOCIATION,
        siret=SIRET,
        adresse="4 avenue Jean Cagne",
        commune="Vénissieux",
        code_postal="69200",
        departement="69",
        caf=caf,
    )
    porteur = Utilisateur.objects.create_user(
        PORTEUR, MOT_DE_PASSE_PORTEUR, prenom="Samia", nom="Kaci"
    )
    MembreStructure.objects.create(
        utilisateur=porteur, structure=structure, role=RoleMembre.ADMINISTRATEUR
    )
    dossier = dossier_complet(structure, campagne, porteur, nb_collectifs=0, titre=TITRE)
    debut = rentree(annee)
    collectifs = (
        ajouter_collectif(
            dossier,
            0,
            nom="CP-CE1",
            niveaux=["CP", "CE1"],
            premiere_semaine=debut,
            semaines_de_fonctionnement=36,
        ),
        ajouter_collectif(
            dossier,
            1,
            nom="CE2-CM2",
            niveaux=["CE2", "CM1", "CM2"],
            premiere_semaine=debut,
            semaines_de_fonctionnement=36,
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.deposer(dossier, porteur)
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.DEPOSE
    mail.outbox.clear()
    return Parcours(dossier=dossier, collectifs=collectifs, annee=annee)


def bareme(annee: str, semaines_ce2_cm2: int) -> Decimal:
    """clas.bareme.calculer sur les chiffres retenus à la fin du parcours : budget complété
    par la structure, collectif CE2-CM2 ramené à `semaines_ce2_cm2` semaines."""
    entree = Entree(
        annee_scolaire=annee,
        depenses_totales=Decimal("15000") + ACHATS,
        cofinancements=Decimal("10000") + Decimal("500") + PARTICIPATION_FAMILLES,
        collectifs=tuple(
            CollectifEntree(
                nom=nom,
                nb_enfants=10,
                nb_intervenants=2,
                semaines_de_fonctionnement=semaines,
                bonus_projets_culturels=True,
            )
            for nom, semaines in (("CP-CE1", 36), ("CE2-CM2", semaines_ce2_cm2))
        ),
    )
    parametres = ParametresBareme.objects.get(annee_scolaire=annee).vers_bareme()
    return calculer(entree, parametres).montant_total


def en_texte(montant: Decimal) -> str:
    """« 4 106,25 € » tel que la page l'affiche (Playwright normalise les espaces)."""
    return formater_euros(montant).replace("\u00a0", " ")


def se_connecter(page: Page, url: str, email: str, mot_de_passe: str) -> None:
    page.goto(f"{url}/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def se_deconnecter(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter").first).to_be_visible()


def test_une_caf_instruit_demande_des_complements_corrige_propose_et_valide_un_accord(
    live_server, page: Page, capture, parcours: Parcours
) -> None:
    dossier = parcours.dossier
    numero = dossier.numero
    _cp_ce1, ce2_cm2 = parcours.collectifs
    etat = page.locator("#etat-dossier")
    echeance = timezone.localdate() + dt.timedelta(days=7)

    # 1. L'instructeur trouve le dossier dans « À instruire », le prend, demande des compléments.
    se_connecter(page, live_server.url, INSTRUCTEUR, MOT_DE_PASSE_DEMO)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Instruction"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Instruction des dossiers")
    files = page.get_by_role("navigation", name="Files de travail")
    files.get_by_role("link", name=re.compile(r"^À instruire")).click()
    # Les filtres sont repliés au-dessus des résultats : on les ouvre.
    page.get_by_role("button", name=re.compile("^Rechercher et filtrer")).click()
    page.get_by_role("searchbox", name=re.compile("^Rechercher")).fill(numero)
    page.get_by_role("button", name="Appliquer les filtres").click()
    ligne = page.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_contain_text("Maison des Étapes")
    expect(ligne).to_contain_text("Déposé")
    expect(ligne).to_contain_text("Non attribué")
    capture("instruction-01-file-a-instruire")
    ligne.get_by_role("link", name=numero).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    expect(etat).to_have_text("Déposé")
    capture("instruction-02-dossier-depose")
    page.get_by_role("button", name="Prendre le dossier").click()
    expect(page.get_by_role("status")).to_contain_text("Vous instruisez ce dossier.")
    expect(etat).to_have_text("En instruction")
    expect(page.locator("#instructeur")).to_contain_text("(vous)")
    capture("instruction-03-dossier-pris")

    complements = page.locator("#complements")
    # force=True : la case du DSFR est masquée sous son libellé, qui reçoit le clic.
    complements.get_by_label("Le budget", exact=True).check(force=True)
    complements.get_by_label("À rendre avant le").fill(echeance.isoformat())
    # Oublier de dire ce qui manque : refusé, dit en français, rien n'est envoyé.
    complements.get_by_role("button", name="Demander des compléments").click()
    complements = page.locator("#complements")
    expect(
        complements.get_by_text("Dites à la structure ce qu'elle doit compléter.")
    ).to_be_visible()
    expect(complements.get_by_label("Ce qui est demandé")).to_have_attribute("aria-invalid", "true")
    expect(etat).to_have_text("En instruction")
    capture("instruction-04a-demande-complements-erreur")
    assert not mail.outbox
    complements.get_by_label("Le budget", exact=True).check(force=True)
    complements.get_by_label("Ce qui est demandé").fill(MESSAGE_COMPLEMENTS)
    complements.get_by_label("À rendre avant le").fill(echeance.isoformat())
    capture("instruction-04-demande-complements")
    complements.get_by_role("button", name="Demander des compléments").click()
    expect(page.get_by_role("status")).to_contain_text("Compléments demandés")
    expect(etat).to_have_text("Compléments demandés")
    expect(page.locator("#complements-en-cours")).to_contain_text(
        f"à rendre avant le {echeance:%d/%m/%Y}"
    )
    capture("instruction-05-complements-demandes")
    assert any(
        message.to == [PORTEUR] and MESSAGE_COMPLEMENTS in message.body for message in mail.outbox
    )
    se_deconnecter(page)

    # 2. La structure lit la demande, complète le budget et dépose à nouveau.
    se_connecter(page, live_server.url, PORTEUR, MOT_DE_PASSE_PORTEUR)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    expect(etat).to_have_text("Compléments demandés")
    demande = page.locator("#complements")
    expect(demande).to_contain_text(f"La Caf demande des compléments avant le {echeance:%d/%m/%Y}")
    expect(demande).to_contain_text(MESSAGE_COMPLEMENTS)
    expect(page.get_by_role("link", name="Consulter le projet")).to_be_visible()
    capture("instruction-06-porteur-demande-recue")
    demande.get_by_role("link", name="Le budget").click()

    expect(page.get_by_text("Étape 3 sur 5")).to_be_visible()
    page.get_by_label("60 — Achats").fill("mille deux cents")
    page.get_by_label("70 — Ventes de produits finis").fill("1 200")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_label("60 — Achats")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Saisissez un montant en euros").first).to_be_visible()
    page.get_by_label("60 — Achats").fill("1 200")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Étape enregistrée.")).to_be_visible()
    page.goto(page.url)  # relu après rechargement (verrou optimiste)
    expect(page.get_by_label("60 — Achats")).to_have_value(re.compile(r"^1\s?200"))
    expect(page.get_by_test_id("totaux-budget").get_by_text("Budget équilibré")).to_be_visible()
    capture("instruction-07-porteur-budget-complete")

    page.get_by_role("link", name=numero).click()  # le fil d'Ariane
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    page.get_by_role("button", name="Déposer à nouveau").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Compléments déposés : la Caf reprend l'instruction."
    )
    expect(etat).to_have_text("En instruction")
    expect(page.locator("#complements")).to_have_count(0)
    capture("instruction-08-porteur-complements-deposes")
    se_deconnecter(page)

    # 3. L'instructeur corrige le collectif CE2-CM2 (36 → 18 semaines) et propose un accord.
    se_connecter(page, live_server.url, INSTRUCTEUR, MOT_DE_PASSE_DEMO)
    page.goto(f"{live_server.url}/instruction/dossiers/{dossier.pk}/")
    expect(etat).to_have_text("En instruction")
    avant, apres = bareme(parcours.annee, 36), bareme(parcours.annee, 18)
    assert apres < avant
    expect(page.get_by_test_id("montant-retenu")).to_have_text(en_texte(avant))
    bloc = page.locator(f"#collectif-{ce2_cm2.pk}")
    bloc.get_by_text("Corriger ce collectif").click()
    bloc.get_by_label("Semaines de fonctionnement").fill("18")
    bloc.get_by_role("button", name="Enregistrer la correction").click()
    bloc = page.locator(f"#collectif-{ce2_cm2.pk}")
    expect(bloc.get_by_text("Indiquez le motif : il est gardé dans l'historique.")).to_be_visible()
    expect(page.get_by_test_id("montant-retenu")).to_have_text(en_texte(avant))
    capture("instruction-09a-correction-sans-motif")
    bloc.get_by_label("Semaines de fonctionnement").fill("18")
    bloc.get_by_label("Motif de la correction").fill(MOTIF_CORRECTION)
    capture("instruction-09-correction-collectif")
    bloc.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_role("status")).to_contain_text(
        "1 correction enregistrée : le montant est recalculé."
    )
    expect(page.get_by_test_id("montant-retenu")).to_have_text(en_texte(apres))
    expect(page.get_by_test_id("montant-retenu-entete")).to_have_text(en_texte(apres))
    expect(page.get_by_test_id("montant-declare")).to_have_text(en_texte(avant))
    bloc = page.locator(f"#collectif-{ce2_cm2.pk}")
    expect(bloc.get_by_text("Corrigé par la Caf")).to_be_visible()
    semaines = bloc.locator("tr[data-champ='semaines_de_fonctionnement']")
    expect(semaines.locator("td").nth(0)).to_have_text("36")
    expect(semaines.locator("td").nth(1)).to_have_text("18")
    expect(semaines).to_contain_text(MOTIF_CORRECTION)
    expect(page.locator("#corrections-appliquees")).to_contain_text("36 déclaré → 18 retenu")
    capture("instruction-10-montant-recalcule")

    proposition = page.locator("#form-proposer")
    expect(proposition.get_by_role("radio", name=re.compile("^Accord"))).to_be_checked()
    expect(proposition.get_by_label("Montant proposé (euros)")).to_have_value(
        f"{apres:.2f}".replace(".", ",")
    )
    # Seuls les champs de la décision choisie s'affichent (CSS, sans JavaScript).
    expect(proposition.locator("#champs-refus")).to_be_hidden()
    proposition.locator("label[for=nature-refus]").click()
    expect(proposition.locator("#champs-accord")).to_be_hidden()
    expect(proposition.get_by_label(re.compile("^Motif du refus"))).to_be_visible()
    proposition.locator("label[for=nature-accord]").click()
    expect(proposition.locator("#champs-refus")).to_be_hidden()
    capture("instruction-11-proposition")
    proposition.get_by_role("button", name="Proposer la décision").click()
    expect(page.get_by_role("status")).to_contain_text("Proposition enregistrée")
    en_attente = page.locator("#proposition-en-attente")
    expect(en_attente).to_contain_text(f"Proposition à valider : accord de {en_texte(apres)}")
    expect(page.locator("#attente-validation")).to_have_text(
        "En attente de validation par un autre agent"
    )
    # L'instructeur (ici aussi valideur) ne valide jamais sa propre proposition.
    expect(page.get_by_role("button", name="Valider la décision")).to_have_count(0)
    capture("instruction-12-proposition-en-attente")
    page.goto(f"{live_server.url}/instruction/validation/")
    ligne = page.get_by_role("row").filter(has_text=numero)
    expect(ligne.get_by_text("Votre proposition")).to_be_visible()
    expect(ligne.get_by_role("checkbox")).to_have_count(0)
    capture("instruction-13-validation-vue-par-l-auteur")
    se_deconnecter(page)

    # 4. Le valideur ouvre la proposition et la valide.
    se_connecter(page, live_server.url, VALIDEUR, MOT_DE_PASSE_DEMO)
    page.goto(f"{live_server.url}/instruction/validation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Propositions à valider")
    ligne = page.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_contain_text("Maison des Étapes")
    expect(ligne).to_contain_text(en_texte(apres))
    capture("instruction-14-validation-valideur")
    ligne.get_by_role("link", name=numero).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    expect(page.locator("#proposition-en-attente")).to_contain_text(f"accord de {en_texte(apres)}")
    capture("instruction-15-dossier-a-valider")
    page.get_by_role("button", name="Valider la décision").click()
    expect(page.get_by_role("status")).to_contain_text(f"Décision prise sur le dossier {numero}")
    page.goto(f"{live_server.url}/instruction/dossiers/{dossier.pk}/")
    expect(etat).to_have_text("Accepté")
    expect(page.locator("#decision-prise")).to_contain_text(f"Accord : {en_texte(apres)}")
    capture("instruction-16-decision-prise")
    assert any(message.to == [PORTEUR] and numero in message.subject for message in mail.outbox)
    se_deconnecter(page)

    # 5. La structure lit la décision et télécharge la lettre.
    se_connecter(page, live_server.url, PORTEUR, MOT_DE_PASSE_PORTEUR)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    expect(etat).to_have_text("Accepté")
    decision = page.locator("section#decision")
    expect(decision).to_contain_text(f"Décision de la Caf : accord — {en_texte(apres)}")
    expect(decision.locator("#decision-collectifs")).to_contain_text("CE2-CM2")
    capture("instruction-17-porteur-decision")
    with page.expect_download() as telechargement:
        decision.get_by_role("link", name="Télécharger la lettre de décision (PDF)").click()
    lettre = telechargement.value
    assert numero in lettre.suggested_filename
    assert Path(lettre.path()).read_bytes().startswith(b"%PDF")
    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.ACCEPTE
