"""Parcours de l'argent après la décision (issue 5, point 13), sur les données de démo : le
porteur de « Lire et grandir ensemble » (accepté, convention à signer) signe la convention ;
le valideur valide l'acompte ; le comptable crée le lot, télécharge le fichier SEPA et le
CSV, marque le lot payé ; le porteur dépose un bilan avec un collectif de moins que prévu ;
l'instructeur l'accepte ; le solde ou l'indu apparaît avec le bon montant.

Les montants attendus sont calculés ici, indépendamment des pages : l'acompte à partir de
la convention, le montant définitif par `clas.bareme.calculer` sur l'entrée réelle (un
collectif non retenu, le compte de résultat prérempli = le budget prévisionnel) avec les
paramètres gardés par la décision."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clas.bareme import Parametres, arrondir, calculer, formater_euros, lire_entree
from clas.bilans.models import Bilan, EtatBilan, Indu
from clas.conventions.models import Convention
from clas.dossiers.bareme import cofinancements, depenses_totales
from clas.dossiers.models import Collectif, LigneBudget
from clas.versements.models import EtatVersement, NatureVersement, Versement

pytestmark = [pytest.mark.e2e]

MOT_DE_PASSE_DEMO = "demo-clas-2026"
PORTEUR = "lireetgrandir@demo.clas.fr"
VALIDEUR = "valideur@demo.clas.fr"
COMPTABLE = "comptable@demo.clas.fr"
INSTRUCTEUR = "instructeur@demo.clas.fr"
TITRE = "Lire et grandir ensemble"
STRUCTURE = "Association Lire et grandir"
ESPACE_SEPA = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
REFERENCE_BANCAIRE = "VIR-E2E-2026-0001"

ACTIONS_PARENTS = (
    "Un café des parents par mois, une réunion de rentrée et un entretien individuel en juin."
)
EVALUATIONS = {
    "Axe « enfants »": "Les enfants font leurs devoirs plus seuls ; la lecture a progressé.",
    "Axe « parents »": "Les parents viennent plus souvent ; trois animent l'atelier lecture.",
    "Axe « école »": "Une rencontre par trimestre avec les enseignants de l'école Jean-Macé.",
    "Axe « partenaires locaux »": "La médiathèque a accueilli un groupe chaque mois.",
}


def en_texte(montant: Decimal) -> str:
    """« 5 592,30 € » tel que la page l'affiche (Playwright normalise les espaces)."""
    return formater_euros(montant).replace("\u00a0", " ").replace("\u202f", " ")


def se_connecter(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def se_deconnecter(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter").first).to_be_visible()


def montant_definitif_attendu(convention: Convention, arrete: Collectif) -> Decimal:
    """Le barème sur les réels, recalculé ici : l'entrée gardée par la décision, le collectif
    `arrete` non retenu, dépenses et cofinancements du compte de résultat prérempli (le
    budget prévisionnel, laissé tel quel), paramètres gardés par la décision ; plafonné au
    montant décidé."""
    decision = convention.decision
    annee = convention.dossier.campagne.annee_scolaire
    decidee = lire_entree(decision.entree_bareme, [annee])
    collectifs = list(convention.dossier.collectifs.order_by("ordre", "id"))
    assert len(collectifs) == len(decidee.collectifs)
    budget = list(LigneBudget.objects.filter(dossier=convention.dossier))
    reelle = dataclasses.replace(
        decidee,
        depenses_totales=depenses_totales(budget),
        cofinancements=cofinancements(budget),
        collectifs=tuple(
            dataclasses.replace(c, retenu=False) if collectif.pk == arrete.pk else c
            for collectif, c in zip(collectifs, decidee.collectifs, strict=True)
        ),
    )
    parametres = Parametres.depuis_dict(
        annee,
        {nom: p.get("valeur") for nom, p in decision.parametres.items()},
        {nom: p.get("source", "") for nom, p in decision.parametres.items()},
    )
    recalcul = calculer(reelle, parametres).montant_total
    assert recalcul < convention.montant_maximal, "un collectif de moins doit coûter moins"
    return min(recalcul, convention.montant_maximal)


def test_signature_acompte_lot_sepa_paiement_bilan_et_regularisation(
    live_server, page: Page, capture, donnees_demo: None
) -> None:
    debut = time.monotonic()
    url = live_server.url
    convention = Convention.objects.select_related("dossier", "decision").get(
        dossier__titre=TITRE, dossier__structure__nom=STRUCTURE
    )
    dossier = convention.dossier
    numero = dossier.numero
    assert not convention.est_signee
    acompte_attendu = arrondir(convention.taux_acompte * convention.montant_maximal)
    assert Decimal("0") < acompte_attendu < convention.montant_maximal

    # 1. Le porteur lit le montant maximal et signe la convention.
    se_connecter(page, url, PORTEUR)
    page.goto(f"{url}/dossiers/{dossier.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    bloc = page.locator("section#convention")
    expect(bloc.get_by_role("heading", name="Convention à signer")).to_be_visible()
    expect(bloc).to_contain_text(f"Montant maximal : {en_texte(convention.montant_maximal)}")
    capture("versements-01-porteur-convention-a-signer")
    # Un mot de passe mal tapé : rien n'est signé, la page le dit.
    bloc.get_by_label("Votre mot de passe").fill(MOT_DE_PASSE_DEMO + "x")
    bloc.get_by_role("button", name="Signer la convention").click()
    expect(
        page.get_by_text("Mot de passe incorrect : la convention n'a pas été signée.")
    ).to_be_visible()
    capture("versements-01a-porteur-signature-mot-de-passe-faux")
    convention.refresh_from_db()
    assert not convention.est_signee
    # La page de signature reste ouverte, le montant rappelé : on ressaisit.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Signer la convention du dossier {numero}"
    )
    page.get_by_label("Votre mot de passe").fill(MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name="Signer la convention").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Convention signée. L'acompte de {en_texte(acompte_attendu)}"
    )
    bloc = page.locator("section#convention")
    expect(bloc.get_by_role("heading", name="Convention signée")).to_be_visible()
    expect(page.locator("#convention-acompte")).to_contain_text(
        f"Acompte : {en_texte(acompte_attendu)}"
    )
    expect(page.locator("#convention-acompte")).to_contain_text("À valider")
    capture("versements-02-porteur-convention-signee")
    acompte = Versement.objects.get(convention=convention, nature=NatureVersement.ACOMPTE)
    assert acompte.montant == acompte_attendu
    se_deconnecter(page)

    # 2. Le valideur valide l'acompte de ce dossier (et lui seul).
    se_connecter(page, url, VALIDEUR)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Paiements"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paiements")
    page.get_by_role("tab", name=re.compile(r"^À valider")).click()
    panneau = page.locator("#panneau-a-valider")
    expect(panneau).to_be_visible()
    ligne = panneau.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_contain_text(STRUCTURE)
    expect(ligne).to_contain_text(en_texte(acompte_attendu))
    # Toutes les cases sont cochées d'avance : on ne garde que celle de ce dossier.
    for case in panneau.get_by_role("checkbox").all():
        case.uncheck(force=True)
    ligne.get_by_role("checkbox").check(force=True)
    capture("versements-03-valideur-a-valider")
    panneau.get_by_role("button", name="Valider les versements cochés").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"1 versement validé ({en_texte(acompte_attendu)}) : il est prêt à être mis en paiement"
    )
    expect(
        page.locator("#panneau-a-valider").get_by_role("row").filter(has_text=numero)
    ).to_have_count(0)
    capture("versements-04-valideur-acompte-valide")
    acompte.refresh_from_db()
    assert acompte.etat == EtatVersement.VALIDE
    assert acompte.valide_par.email == VALIDEUR
    se_deconnecter(page)

    # 3. Le comptable crée le lot, télécharge le SEPA et le CSV, marque le lot payé.
    se_connecter(page, url, COMPTABLE)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Paiements"
    ).click()
    page.get_by_role("tab", name=re.compile(r"^À mettre en paiement")).click()
    panneau = page.locator("#panneau-a-payer")
    expect(panneau).to_be_visible()
    ligne = panneau.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_contain_text(en_texte(acompte_attendu))
    expect(ligne).to_contain_text("Compte accepté")
    aujourd_hui = timezone.localdate()
    # Une date d'exécution passée : refusée, aucun lot créé.
    hier = aujourd_hui - dt.timedelta(days=1)
    panneau.get_by_label("Date d'exécution demandée").fill(hier.isoformat())
    panneau.get_by_role("button", name="Créer le lot de paiement").click()
    expect(
        page.get_by_text(f"La date d'exécution ({hier:%d/%m/%Y}) est passée").first
    ).to_be_visible()
    capture("versements-05a-comptable-date-passee")
    acompte.refresh_from_db()
    assert acompte.lot is None
    page.get_by_role("tab", name=re.compile(r"^À mettre en paiement")).click()
    panneau = page.locator("#panneau-a-payer")
    panneau.get_by_label("Date d'exécution demandée").fill(aujourd_hui.isoformat())
    capture("versements-05-comptable-a-mettre-en-paiement")
    panneau.get_by_role("button", name="Créer le lot de paiement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lot de paiement")
    acompte.refresh_from_db()
    assert acompte.etat == EtatVersement.MIS_EN_PAIEMENT and acompte.lot is not None
    lot = acompte.lot
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lot de paiement {lot.numero}")
    expect(page.locator(f"#versement-{acompte.pk}")).to_contain_text(en_texte(acompte_attendu))
    capture("versements-06-comptable-lot-cree")

    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Fichier de virement SEPA (pain.001)").click()
    sepa = Path(telechargement.value.path()).read_bytes()
    racine = ET.fromstring(sepa)  # noqa: S314 - le fichier que la plateforme vient de produire
    assert racine.tag == f"{{{ESPACE_SEPA}}}Document"
    texte_sepa = sepa.decode("utf-8")
    assert f">{acompte_attendu:.2f}<" in texte_sepa
    assert dossier.structure.iban in texte_sepa
    ns = {"p": ESPACE_SEPA}
    montants = [Decimal(m.text or "") for m in racine.iterfind(".//p:InstdAmt", ns)]
    assert acompte_attendu in montants
    assert sum(montants) == lot.montant_total

    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Récapitulatif (CSV)").click()
    recapitulatif = Path(telechargement.value.path()).read_text(encoding="utf-8-sig")
    lignes_csv = list(csv.reader(io.StringIO(recapitulatif), delimiter=";"))
    assert any(numero in ";".join(ligne_csv) for ligne_csv in lignes_csv), recapitulatif

    formulaire = page.locator("#form-payer")
    # Une date de paiement à venir : refusée, le lot reste à payer.
    demain = aujourd_hui + dt.timedelta(days=1)
    formulaire.get_by_label("Date du paiement").fill(demain.isoformat())
    formulaire.get_by_label("Référence bancaire").fill(REFERENCE_BANCAIRE)
    formulaire.get_by_role("button", name="Marquer le lot payé").click()
    formulaire = page.locator("#form-payer")
    expect(
        formulaire.get_by_text("Cette date est à venir : indiquez celle du relevé.")
    ).to_be_visible()
    expect(formulaire.get_by_label("Date du paiement")).to_have_attribute("aria-invalid", "true")
    capture("versements-07a-comptable-date-de-paiement-a-venir")
    acompte.refresh_from_db()
    assert acompte.etat == EtatVersement.MIS_EN_PAIEMENT
    formulaire.get_by_label("Date du paiement").fill(aujourd_hui.isoformat())
    formulaire.get_by_label("Référence bancaire").fill(REFERENCE_BANCAIRE)
    formulaire.get_by_role("button", name="Marquer le lot payé").click()
    expect(page.get_by_role("status")).to_contain_text(f"Lot {lot.numero} marqué payé")
    ligne = page.locator(f"#versement-{acompte.pk}")
    expect(ligne).to_contain_text("Payé")
    expect(ligne).to_contain_text(f"le {aujourd_hui:%d/%m/%Y} ({REFERENCE_BANCAIRE})")
    capture("versements-07-comptable-lot-paye")
    acompte.refresh_from_db()
    assert acompte.etat == EtatVersement.PAYE
    se_deconnecter(page)

    # 4. Le porteur dépose son bilan : le dernier collectif n'a pas fonctionné.
    collectifs = list(dossier.collectifs.order_by("ordre", "id"))
    assert len(collectifs) >= 2
    arrete = collectifs[-1]
    definitif = montant_definitif_attendu(convention, arrete)
    ecart = definitif - acompte_attendu

    se_connecter(page, url, PORTEUR)
    page.goto(f"{url}/dossiers/{dossier.pk}/")
    expect(page.locator("#convention-acompte")).to_contain_text("Payé")
    page.locator("section#bilan").get_by_role("link", name="Saisir le bilan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilan de fin d'année")
    capture("versements-08-porteur-bilan-prerempli")
    page.locator(f"#collectif-{arrete.pk}").get_by_label(
        "Ce collectif a fonctionné pendant l'année"
    ).uncheck(force=True)
    page.get_by_label("Actions menées avec les parents").fill(ACTIONS_PARENTS)
    for axe, texte in EVALUATIONS.items():
        page.get_by_label(axe).fill(texte)
    # Un nombre d'enfants en lettres : refusé, le reste de la saisie est gardé ; corrigé, le
    # brouillon s'enregistre et se relit après rechargement (verrou optimiste du bilan).
    enfants = page.locator(f"#collectif-{collectifs[0].pk}").get_by_label(
        "Enfants réellement accueillis"
    )
    prevus = enfants.input_value()
    enfants.fill("dix")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    enfants = page.locator(f"#collectif-{collectifs[0].pk}").get_by_label(
        "Enfants réellement accueillis"
    )
    expect(enfants).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Saisissez un nombre entier, par exemple 10.").first).to_be_visible()
    expect(page.get_by_label("Actions menées avec les parents")).to_have_value(ACTIONS_PARENTS)
    capture("versements-08a-porteur-bilan-erreur")
    enfants.fill(prevus)
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_text("a été modifié par")).to_have_count(0)
    page.goto(page.url)
    expect(page.get_by_label("Actions menées avec les parents")).to_have_value(ACTIONS_PARENTS)
    expect(
        page.locator(f"#collectif-{arrete.pk}").get_by_label(
            "Ce collectif a fonctionné pendant l'année"
        )
    ).not_to_be_checked()
    expect(page.locator("#manques")).to_have_count(0)
    bilan = Bilan.objects.get(convention=convention)
    assert bilan.etat == EtatBilan.BROUILLON
    page.get_by_role("button", name="Déposer le bilan").click()
    expect(page.locator("#manques")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Bilan déposé")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    expect(page.locator("section#bilan")).to_contain_text(
        f"État : Déposé — déposé le {timezone.localdate():%d/%m/%Y}"
    )
    capture("versements-09-porteur-bilan-depose")
    bilan.refresh_from_db()
    assert bilan.etat == EtatBilan.DEPOSE
    reel = bilan.collectifs.get(collectif=arrete)
    assert not reel.a_fonctionne
    assert bilan.collectifs.filter(a_fonctionne=True).count() == len(collectifs) - 1
    se_deconnecter(page)

    # 5. L'instructeur examine le bilan (les deux calculs côte à côte) et l'accepte.
    se_connecter(page, url, INSTRUCTEUR)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Bilans").click()
    ligne = page.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_contain_text(STRUCTURE)
    capture("versements-10-instructeur-bilans")
    ligne.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/instruction/dossiers/{dossier.pk}/bilan/$"))
    calculs = page.locator("#deux-calculs")
    expect(calculs).to_contain_text("Le calcul de la décision")
    expect(calculs).to_contain_text("Le calcul sur les réels")
    ligne_arretee = calculs.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=arrete.nom, exact=True)
    )
    expect(ligne_arretee).to_contain_text("N'a pas fonctionné d'après le bilan.")
    expect(calculs.locator("#montant-definitif")).to_contain_text(en_texte(definitif))
    capture("versements-11-instructeur-examen")
    page.get_by_role("button", name="Accepter le bilan").click()
    suite = (
        f"Solde de {en_texte(ecart)} à valider."
        if ecart > 0
        else f"Indu de {en_texte(-ecart)} notifié à la structure."
        if ecart < 0
        else ""
    )
    expect(page.get_by_role("status")).to_contain_text(
        f"Bilan accepté. Montant définitif : {en_texte(definitif)}. {suite}".strip()
    )
    expect(page.locator("#bilan-accepte")).to_contain_text(en_texte(definitif))
    capture("versements-12-instructeur-bilan-accepte")
    bilan.refresh_from_db()
    assert bilan.etat == EtatBilan.ACCEPTE
    assert bilan.montant_definitif == definitif

    page.goto(f"{url}/instruction/dossiers/{dossier.pk}/")
    regularisation = page.locator("section#regularisation")
    expect(regularisation.locator("#montant-definitif")).to_contain_text(en_texte(definitif))
    if ecart > 0:
        expect(regularisation.locator("#solde-a-recevoir")).to_contain_text(en_texte(ecart))
    elif ecart < 0:
        expect(regularisation.locator("#indu")).to_contain_text(en_texte(-ecart))
    capture("versements-13-instructeur-regularisation")
    se_deconnecter(page)

    # 6. Le porteur lit le montant définitif et le solde à recevoir ou l'indu à rembourser.
    se_connecter(page, url, PORTEUR)
    page.goto(f"{url}/dossiers/{dossier.pk}/")
    regularisation = page.locator("section#regularisation")
    expect(regularisation.locator("#montant-definitif")).to_contain_text(en_texte(definitif))
    if ecart > 0:
        expect(regularisation.locator("#solde-a-recevoir")).to_contain_text(
            f"Solde à recevoir : {en_texte(ecart)}"
        )
        solde = Versement.objects.get(convention=convention, nature=NatureVersement.SOLDE)
        assert solde.montant == ecart
    elif ecart < 0:
        indu = regularisation.locator("#indu")
        expect(indu).to_contain_text(f"Indu à rembourser : {en_texte(-ecart)}")
        expect(indu.locator("#indu-reste")).to_contain_text(en_texte(-ecart))
        assert Indu.objects.get(convention=convention).montant == -ecart
        with page.expect_download() as telechargement:
            indu.get_by_role("link", name="Télécharger l'avis d'indu (PDF)").click()
        assert Path(telechargement.value.path()).read_bytes().startswith(b"%PDF")
    else:
        expect(regularisation.locator("#rien-a-payer")).to_be_visible()
    capture("versements-14-porteur-regularisation")
    print(
        f"\nParcours des versements : {time.monotonic() - debut:.1f} s — acompte "
        f"{en_texte(acompte_attendu)}, définitif {en_texte(definitif)}, écart {en_texte(ecart)}"
    )
