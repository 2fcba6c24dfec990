"""L'open data des subventions (`/open-data/subventions.csv`) : chaque convention signée d'une
Caf au SIRET connu, une ligne au format SCDL subventions 2.1.1, validée par frictionless
contre le schéma gardé dans le dépôt (et ses contrôles propres : clé des SIRET, SIRET ou RNA
du bénéficiaire), chaque valeur recalculée depuis la convention ; public, en flux, et à
nombre de requêtes constant."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from frictionless import Resource, Schema
from stdnum import luhn

from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.conventions.models import Convention
from clas.referentiel.models import Caf
from clas.statistiques.open_data import SCHEMA_SCDL
from clas.versements.models import Versement
from tests.conftest import PERSONAS
from tests.core.lecture_exports import contenu
from tests.factories import siret_valide
from tests.instruction.outils import creer_campagne, creer_decision, creer_dossier
from tests.outils import texte

from .fabrique import _payer, remplir

pytestmark = pytest.mark.django_db

URL = "/open-data/subventions.csv"
SIRET_RHONE = siret_valide(9000)
SCHEMA = json.loads(SCHEMA_SCDL.read_text(encoding="utf-8"))


@pytest.fixture
def donnees(caf_rhone, caf_somme, utilisateurs) -> dict[str, Utilisateur]:
    """Des conventions signées dans deux Caf ; seule celle du Rhône a son SIRET."""
    Caf.objects.filter(pk=caf_rhone.pk).update(siret=SIRET_RHONE)
    for caf in (caf_rhone, caf_somme):
        remplir(creer_campagne(caf, "2025-2026", cree_par=utilisateurs["valideur"]), utilisateurs)
    return utilisateurs


def convention(
    campagne: Campagne,
    agents: dict[str, Utilisateur],
    *,
    taux_acompte: str = "0.70",
    signee: bool = True,
    titre: str | None = None,
    **champs_structure,
) -> Convention:
    dossier = creer_dossier(campagne, **champs_structure)
    if titre is not None:
        dossier.titre = titre
        dossier.save(update_fields=["titre"])
    decision = creer_decision(dossier, agents["instructeur"], agents["valideur"], "2563.00")
    return Convention.objects.create(
        dossier=dossier,
        decision=decision,
        montant_maximal=decision.montant,
        taux_acompte=Decimal(taux_acompte),
        date_limite_bilan=dt.date(2026, 9, 30),
        signee_par=dossier.cree_par if signee else None,
        signee_le=dt.datetime(2025, 10, 14, 22, 30, tzinfo=dt.UTC) if signee else None,
    )


def lire(reponse) -> list[dict[str, str]]:
    brut = contenu(reponse)
    assert not brut.startswith(b"\xef\xbb\xbf"), "UTF-8 sans BOM"
    return list(csv.DictReader(io.StringIO(brut.decode("utf-8"))))


def erreurs_frictionless(brut: bytes) -> list[list[object]]:
    rapport = Resource(data=brut, format="csv", schema=Schema.from_descriptor(SCHEMA)).validate()
    return rapport.flatten(["rowNumber", "fieldName", "type", "note"])


def erreurs_propres_au_schema(lignes: list[dict[str, str]]) -> list[str]:
    """Les `custom_checks` du schéma SCDL (ceux de Validata, que frictionless ne porte
    pas) : la clé de Luhn des SIRET, un SIRET ou un RNA pour chaque bénéficiaire."""
    erreurs = []
    for controle in SCHEMA["custom_checks"]:
        parametres = controle["params"]
        for rang, ligne in enumerate(lignes, start=2):
            if controle["name"] == "french-siret-value":
                valeur = ligne[parametres["column"]]
                if valeur and not luhn.is_valid(valeur):
                    erreurs.append(f"ligne {rang} : {parametres['column']} {valeur}")
            elif controle["name"] == "one-of-required":
                if not (ligne[parametres["column1"]] or ligne[parametres["column2"]]):
                    erreurs.append(f"ligne {rang} : ni SIRET ni RNA")
            else:
                erreurs.append(f"contrôle inconnu : {controle['name']}")
    return erreurs


def test_les_colonnes_sont_celles_du_schema_dans_son_ordre(donnees, anonyme) -> None:
    entete = contenu(anonyme.get(URL)).decode("utf-8").split("\r\n")[0]
    assert entete.split(",") == [champ["name"] for champ in SCHEMA["fields"]]
    assert entete.split(",") == [
        "nomAttribuant",
        "idAttribuant",
        "dateConvention",
        "referenceDecision",
        "nomBeneficiaire",
        "idBeneficiaire",
        "rnaBeneficiaire",
        "objet",
        "montant",
        "nature",
        "conditionsVersement",
        "datesPeriodeVersement",
        "idRAE",
        "notificationUE",
        "pourcentageSubvention",
        "dispositifAide",
    ]


def test_chaque_ligne_est_valide_selon_le_schema_scdl(donnees, anonyme, caf_rhone) -> None:
    campagne = Campagne.objects.get(caf=caf_rhone)
    convention(campagne, donnees, taux_acompte="1", nom="=HYPERLINK(1)", rna="W691234567")
    convention(campagne, donnees, titre="Projet " + "é" * 193)
    reponse = anonyme.get(URL)
    brut = contenu(reponse)
    lignes = lire(reponse)
    assert len(lignes) == 4  # les 2 de la fabrique et les 2 d'ici, toutes du Rhône
    assert erreurs_frictionless(brut) == []
    assert erreurs_propres_au_schema(lignes) == []


def test_le_validateur_refuse_une_ligne_fautive() -> None:
    """Le contrôle du test peut échouer : une ligne hors schéma est signalée."""
    entete = ",".join(champ["name"] for champ in SCHEMA["fields"])
    fautive = (
        "Caf du Rhône,1234,2025-13-01,,X,73282932000075,,Objet,4500,aide,unique,2025,,false,1.00,"
    )
    brut = f"{entete}\r\n{fautive}\r\n".encode()
    champs = {erreur[1] for erreur in erreurs_frictionless(brut)}
    assert {"idAttribuant", "dateConvention", "nature", "datesPeriodeVersement"} <= champs
    assert "notificationUE" in champs  # « false » : le schéma veut « oui » ou « non »
    ligne = dict(zip(entete.split(","), fautive.split(","), strict=True))
    sans_identifiant = {**ligne, "idAttribuant": SIRET_RHONE, "idBeneficiaire": ""}
    assert erreurs_propres_au_schema([ligne, sans_identifiant]) == [
        "ligne 2 : idAttribuant 1234",
        "ligne 2 : idBeneficiaire 73282932000075",
        "ligne 3 : ni SIRET ni RNA",
    ]


def test_chaque_valeur_vient_de_la_convention(donnees, anonyme, caf_rhone) -> None:
    lignes = {ligne["referenceDecision"]: ligne for ligne in lire(anonyme.get(URL))}
    publiees = Convention.objects.filter(dossier__campagne__caf=caf_rhone).select_related(
        "dossier__structure"
    )
    assert set(lignes) == {c.dossier.numero for c in publiees}
    for c in publiees:
        ligne = lignes[c.dossier.numero]
        signature = timezone.localdate(c.signee_le)
        paye = max(v.paye_le for v in Versement.objects.filter(convention=c))
        assert ligne == {
            "nomAttribuant": "Caf du Rhône",
            "idAttribuant": SIRET_RHONE,
            "dateConvention": signature.isoformat(),
            "referenceDecision": c.dossier.numero,
            "nomBeneficiaire": c.dossier.structure.nom,
            "idBeneficiaire": c.dossier.structure.siret,
            "rnaBeneficiaire": c.dossier.structure.rna,
            "objet": "Prestation de service Contrat local d'accompagnement à la scolarité "
            f"(Clas), année scolaire 2025-2026 : {c.dossier.titre}",
            "montant": f"{c.montant_maximal:.2f}",
            "nature": "aide en numéraire",
            "conditionsVersement": "échelonné",
            "datesPeriodeVersement": f"{signature}/{max(c.date_limite_bilan, paye)}",
            "idRAE": "",
            "notificationUE": "non",
            "pourcentageSubvention": "1.00",
            "dispositifAide": "",
        }


def test_versement_unique_objet_borne_et_formule_neutralisee(donnees, anonyme, caf_rhone):
    campagne = Campagne.objects.get(caf=caf_rhone)
    unique = convention(campagne, donnees, taux_acompte="1.0000", nom="=HYPERLINK(1)")
    long = convention(campagne, donnees, titre="Projet " + "é" * 193)
    lignes = {ligne["referenceDecision"]: ligne for ligne in lire(anonyme.get(URL))}
    ligne = lignes[unique.dossier.numero]
    assert ligne["conditionsVersement"] == "unique"
    # Le 14 octobre à 22 h 30 UTC est le 15 à Paris ; rien de payé : la période prévue.
    assert ligne["dateConvention"] == "2025-10-15"
    assert ligne["datesPeriodeVersement"] == "2025-10-15/2026-09-30"
    assert ligne["nomBeneficiaire"] == "'=HYPERLINK(1)"
    _payer(unique, donnees["comptable"], dt.date(2025, 11, 3))
    lignes = {ligne["referenceDecision"]: ligne for ligne in lire(anonyme.get(URL))}
    assert lignes[unique.dossier.numero]["datesPeriodeVersement"] == "2025-11-03"
    objet = lignes[long.dossier.numero]["objet"]
    assert len(objet) == 256 and objet.endswith("é…")


def test_seules_les_conventions_signees_d_une_caf_au_siret_connu(
    donnees, anonyme, caf_rhone, caf_somme
) -> None:
    campagne = Campagne.objects.get(caf=caf_rhone)
    non_signee = convention(campagne, donnees, signee=False)
    lignes = lire(anonyme.get(URL))
    assert non_signee.dossier.numero not in {ligne["referenceDecision"] for ligne in lignes}
    assert {ligne["nomAttribuant"] for ligne in lignes} == {"Caf du Rhône"}
    # La page des chiffres dit ce qui manque, et où le corriger.
    page = texte(anonyme.get("/chiffres/"))
    assert "2 conventions signées n'y figurent pas encore" in page
    Caf.objects.filter(pk=caf_somme.pk).update(siret=siret_valide(9001))
    assert {ligne["nomAttribuant"] for ligne in lire(anonyme.get(URL))} == {
        "Caf du Rhône",
        "Caf de la Somme",
    }
    assert "n'y figurent pas encore" not in texte(anonyme.get("/chiffres/"))


def test_sans_convention_le_fichier_a_son_en_tete(anonyme) -> None:
    brut = contenu(anonyme.get(URL))
    assert brut.decode("utf-8").startswith("nomAttribuant,idAttribuant,")
    assert erreurs_frictionless(brut) == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_l_open_data_est_public(client_de, donnees, persona) -> None:
    reponse = client_de(persona).get(URL)
    assert reponse.status_code == 200
    assert reponse.streaming
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert len(lire(reponse)) == 2


def test_le_nombre_de_requetes_ne_depend_pas_du_nombre_de_conventions(
    caf_rhone, utilisateurs, anonyme
) -> None:
    Caf.objects.filter(pk=caf_rhone.pk).update(siret=SIRET_RHONE)
    campagne = creer_campagne(caf_rhone, "2025-2026", cree_par=utilisateurs["valideur"])

    def requetes() -> int:
        with CaptureQueriesContext(connection) as contexte:
            contenu(anonyme.get(URL))
        return len(contexte.captured_queries)

    remplir(campagne, utilisateurs)
    une_fois = requetes()
    remplir(campagne, utilisateurs, fois=5)
    assert len(lire(anonyme.get(URL))) == 12
    assert requetes() == une_fois
