"""Le fichier de virement SEPA (pain.001.001.03) et le récapitulatif CSV d'un lot.

Le schéma XSD officiel n'est pas disponible hors ligne sur ces machines (ni lxml pour le
lire) : les tests vérifient donc strictement la structure qu'il impose aux éléments émis
(ordre, cardinalités, longueurs, motifs des IBAN/BIC, montants, dates) et les totaux."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import timezone

from clas.versements import actions as paiements
from clas.versements.models import EtatVersement
from clas.versements.sepa import NAMESPACE, recapitulatif_csv, texte_sepa
from tests.instruction.outils import creer_campagne

from .paiements_fabrique import (
    BIC_CAF,
    IBAN_CAF,
    IBAN_STRUCTURE,
    convention_signee,
    donner_un_compte,
)

NS = {"p": NAMESPACE}
SEPA_AUTORISE = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}")
BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")


@pytest.fixture
def lot_sepa(caf_rhone, utilisateurs):
    """Un lot de trois acomptes, dont une structure au nom accentué et très long."""
    donner_un_compte(caf_rhone)
    caf_rhone.titulaire_compte = "Agent comptable de la Caf du Rhône"
    caf_rhone.save(update_fields=["titulaire_compte"])
    campagne = creer_campagne(caf_rhone, "2026-2027", cree_par=utilisateurs["valideur"])
    noms = [
        "Centre social « Les Mésanges » — Œuvre Saint-Étienne & Cie",
        "Association Élan pour l'école " + "très longue dénomination " * 4,
        "MJC Vénissieux",
    ]
    for montant, nom in zip(("4500.00", "1000.01", "333.33"), noms, strict=True):
        convention_signee(
            caf_rhone,
            utilisateurs["instructeur"],
            utilisateurs["valideur"],
            montant,
            campagne=campagne,
            etat=EtatVersement.VALIDE,
            nom=nom,
        )
    date = timezone.localdate() + dt.timedelta(days=3)
    return paiements.creer_lot(caf_rhone, utilisateurs["comptable"], date).lot


def _xml(lot) -> bytes:
    with lot.fichier_sepa.open("rb") as fichier:
        return fichier.read()


def _racine(contenu: bytes) -> ET.Element:
    return ET.fromstring(contenu)  # noqa: S314 - le fichier que la plateforme vient de produire


def _enfants(element) -> list[str]:
    return [enfant.tag.removeprefix("{" + NAMESPACE + "}") for enfant in element]


def test_le_fichier_est_du_xml_utf8_dans_l_espace_de_noms_pain_001_001_03(lot_sepa):
    contenu = _xml(lot_sepa)
    assert contenu.startswith(b"<?xml version='1.0' encoding='UTF-8'?>") or contenu.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>'
    )
    contenu.decode("utf-8")
    racine = _racine(contenu)
    assert racine.tag == f"{{{NAMESPACE}}}Document"
    assert _enfants(racine) == ["CstmrCdtTrfInitn"]
    assert _enfants(racine[0]) == ["GrpHdr", "PmtInf"]


def test_l_en_tete_de_groupe_donne_le_nombre_et_le_total(lot_sepa):
    racine = _racine(_xml(lot_sepa))
    entete = racine.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert _enfants(entete) == ["MsgId", "CreDtTm", "NbOfTxs", "CtrlSum", "InitgPty"]
    assert entete.findtext("p:MsgId", namespaces=NS) == lot_sepa.numero
    assert len(lot_sepa.numero) <= 35
    dt.datetime.strptime(entete.findtext("p:CreDtTm", namespaces=NS), "%Y-%m-%dT%H:%M:%S")
    assert entete.findtext("p:NbOfTxs", namespaces=NS) == "3"
    # 3 150,00 + 700,01 + 233,33 (70 % arrondis au centime)
    assert entete.findtext("p:CtrlSum", namespaces=NS) == "4083.34"
    assert lot_sepa.montant_total == Decimal("4083.34")
    assert entete.findtext("p:InitgPty/p:Nm", namespaces=NS) == (
        "Agent comptable de la Caf du Rhone"
    )


def test_le_bloc_de_paiement_vient_du_compte_de_la_caf(lot_sepa):
    racine = _racine(_xml(lot_sepa))
    paiement = racine.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert _enfants(paiement) == [
        "PmtInfId",
        "PmtMtd",
        "BtchBookg",
        "NbOfTxs",
        "CtrlSum",
        "PmtTpInf",
        "ReqdExctnDt",
        "Dbtr",
        "DbtrAcct",
        "DbtrAgt",
        "ChrgBr",
        "CdtTrfTxInf",
        "CdtTrfTxInf",
        "CdtTrfTxInf",
    ]
    assert paiement.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert paiement.findtext("p:BtchBookg", namespaces=NS) == "true"
    assert paiement.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert paiement.findtext("p:CtrlSum", namespaces=NS) == "4083.34"
    assert paiement.findtext("p:PmtTpInf/p:SvcLvl/p:Cd", namespaces=NS) == "SEPA"
    assert paiement.findtext("p:ReqdExctnDt", namespaces=NS) == (
        lot_sepa.date_execution.isoformat()
    )
    assert paiement.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == IBAN_CAF
    assert paiement.findtext("p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == BIC_CAF
    assert paiement.findtext("p:ChrgBr", namespaces=NS) == "SLEV"


def test_une_operation_par_versement_avec_sa_reference_et_son_libelle(lot_sepa):
    racine = _racine(_xml(lot_sepa))
    operations = racine.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
    versements = list(lot_sepa.versements.select_related("convention__dossier").order_by("pk"))
    total = Decimal("0")
    for operation, versement in zip(operations, versements, strict=True):
        assert _enfants(operation) == ["PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf"]
        assert operation.findtext("p:PmtId/p:EndToEndId", namespaces=NS) == versement.reference
        montant = operation.find("p:Amt/p:InstdAmt", NS)
        assert montant.get("Ccy") == "EUR"
        assert re.fullmatch(r"\d+\.\d{2}", montant.text)
        assert Decimal(montant.text) == versement.montant
        total += Decimal(montant.text)
        assert BIC.fullmatch(operation.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS))
        iban = operation.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS)
        assert iban == IBAN_STRUCTURE and IBAN.fullmatch(iban)
        assert operation.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == (
            f"Clas {versement.convention.dossier.numero} acompte"
        )
    assert total == lot_sepa.montant_total


def test_les_noms_sont_translitteres_et_coupes_a_70_caracteres(lot_sepa):
    racine = _racine(_xml(lot_sepa))
    noms = [e.text for e in racine.iter(f"{{{NAMESPACE}}}Nm")]
    assert "Centre social Les Mesanges - OEuvre Saint-Etienne Cie" in noms
    assert "MJC Venissieux" in noms
    for nom in noms:
        assert 1 <= len(nom) <= 70
        assert SEPA_AUTORISE.fullmatch(nom), nom
    for texte in racine.itertext():
        assert SEPA_AUTORISE.fullmatch(texte.strip()), texte


@pytest.mark.parametrize(
    ("saisi", "attendu"),
    [
        ("Caf de l'Hérault", "Caf de l'Herault"),
        ("Maison des Jeunes & de la Culture", "Maison des Jeunes de la Culture"),
        ("Crèche « Æsop » – Noël", "Creche AEsop - Noel"),
        ("Straße   12\nbis", "Strasse 12 bis"),
        ("", ""),
    ],
)
def test_texte_sepa(saisi, attendu):
    assert texte_sepa(saisi) == attendu


def test_le_recapitulatif_csv_est_lisible_par_un_tableur(lot_sepa):
    versements = list(
        lot_sepa.versements.select_related("convention__dossier__structure").order_by("pk")
    )
    lignes = list(csv.reader(io.StringIO(recapitulatif_csv(lot_sepa, versements)), delimiter=";"))
    assert lignes[0][0] == "Référence (EndToEndId)"
    assert lignes[0][4] == "Montant (€)"
    assert [ligne[4] for ligne in lignes[1:]] == ["3150,00", "700,01", "233,33", "4083,34"]
    assert lignes[1][0] == versements[0].reference
    assert lignes[1][2].startswith("Centre social « Les Mésanges »")
    assert lignes[1][7] == "Mis en paiement"
    assert lignes[-1][0] == f"Total du lot {lot_sepa.numero}"
    assert lignes[-1][3] == "3 versements"
