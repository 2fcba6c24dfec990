"""Le fichier de virement SEPA d'un lot (pain.001.001.03) et son récapitulatif CSV.

Le fichier suit la norme ISO 20022 « Customer Credit Transfer Initiation » version 3, celle
que demandent les banques françaises pour les virements SEPA : un en-tête de groupe
(`GrpHdr`), un bloc de paiement (`PmtInf`) pour le compte de la Caf, puis une opération
(`CdtTrfTxInf`) par versement, identifiée par sa référence de bout en bout (`EndToEndId`).
Les noms et libellés n'emploient que le jeu de caractères latin restreint du SEPA : les
accents sont translittérés (« Périgueux » → « Perigueux »), le reste remplacé par une espace.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from clas.core.exports import ligne_csv

from .models import LotPaiement, NatureVersement, Versement

__all__ = [
    "NAMESPACE",
    "generer_pain001",
    "libelle_remise",
    "montant_sepa",
    "recapitulatif_csv",
    "texte_sepa",
]

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
LONGUEUR_NOM = 70
LONGUEUR_LIBELLE = 140

# Le jeu de caractères SEPA (EPC217-08) : lettres latines sans accent, chiffres, / - ? : ( ) . , ' +
_INTERDIT = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'", "‘": "'", "«": "", "»": ""}
)


def texte_sepa(texte: str, longueur: int = LONGUEUR_NOM) -> str:
    """« Centre social Les Hirondelles — Lyon 8ᵉ » → « Centre social Les Hirondelles - Lyon 8e »
    (caractères SEPA seulement, espaces répétées réduites, coupé à `longueur`)."""
    texte = (texte or "").translate(_LIGATURES).replace("—", "-").replace("–", "-")
    decompose = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    propre = re.sub(r"\s+", " ", _INTERDIT.sub(" ", sans_accents)).strip()
    return propre[:longueur].rstrip()


def montant_sepa(montant: Decimal) -> str:
    """4500 → « 4500.00 » (point décimal, deux décimales, comme l'exige le schéma)."""
    return f"{Decimal(montant):.2f}"


def libelle_remise(versement: Versement) -> str:
    """Ce que la structure lit sur son relevé : « Clas CLAS-069-2026-00001 acompte »."""
    nature = "acompte" if versement.nature == NatureVersement.ACOMPTE else "solde"
    return texte_sepa(f"Clas {versement.convention.dossier.numero} {nature}", LONGUEUR_LIBELLE)


def _sous(
    parent: ET.Element, balise: str, texte: str | None = None, **attributs: str
) -> ET.Element:
    element = ET.SubElement(parent, balise, attributs)
    if texte is not None:
        element.text = texte
    return element


def _agent(parent: ET.Element, balise: str, bic: str) -> None:
    _sous(_sous(_sous(parent, balise), "FinInstnId"), "BIC", bic)


def _compte(parent: ET.Element, balise: str, iban: str) -> None:
    _sous(_sous(_sous(parent, balise), "Id"), "IBAN", iban)


def generer_pain001(lot: LotPaiement, versements: Iterable[Versement]) -> bytes:
    """Le fichier pain.001.001.03 du lot, encodé en UTF-8 avec sa déclaration XML.

    `versements` : ceux du lot, `convention__dossier__structure` préchargés ; leur
    `reference` (EndToEndId), `iban_beneficiaire` et `bic_beneficiaire` sont déjà fixés."""
    versements = list(versements)
    total = sum((v.montant for v in versements), Decimal("0.00"))
    cree_le = timezone.localtime(lot.created_at or timezone.now()).replace(microsecond=0)

    document = ET.Element("Document", {"xmlns": NAMESPACE})
    initiation = _sous(document, "CstmrCdtTrfInitn")

    entete = _sous(initiation, "GrpHdr")
    _sous(entete, "MsgId", lot.numero)
    _sous(entete, "CreDtTm", cree_le.strftime("%Y-%m-%dT%H:%M:%S"))
    _sous(entete, "NbOfTxs", str(len(versements)))
    _sous(entete, "CtrlSum", montant_sepa(total))
    _sous(_sous(entete, "InitgPty"), "Nm", texte_sepa(lot.titulaire_emetteur))

    paiement = _sous(initiation, "PmtInf")
    _sous(paiement, "PmtInfId", lot.numero)
    _sous(paiement, "PmtMtd", "TRF")
    _sous(paiement, "BtchBookg", "true")
    _sous(paiement, "NbOfTxs", str(len(versements)))
    _sous(paiement, "CtrlSum", montant_sepa(total))
    type_paiement = _sous(paiement, "PmtTpInf")
    _sous(_sous(type_paiement, "SvcLvl"), "Cd", "SEPA")
    _sous(paiement, "ReqdExctnDt", lot.date_execution.isoformat())
    _sous(_sous(paiement, "Dbtr"), "Nm", texte_sepa(lot.titulaire_emetteur))
    _compte(paiement, "DbtrAcct", lot.iban_emetteur)
    _agent(paiement, "DbtrAgt", lot.bic_emetteur)
    _sous(paiement, "ChrgBr", "SLEV")

    for versement in versements:
        operation = _sous(paiement, "CdtTrfTxInf")
        _sous(_sous(operation, "PmtId"), "EndToEndId", versement.reference)
        _sous(_sous(operation, "Amt"), "InstdAmt", montant_sepa(versement.montant), Ccy="EUR")
        _agent(operation, "CdtrAgt", versement.bic_beneficiaire)
        _sous(
            _sous(operation, "Cdtr"),
            "Nm",
            texte_sepa(versement.convention.dossier.structure.nom),
        )
        _compte(operation, "CdtrAcct", versement.iban_beneficiaire)
        _sous(_sous(operation, "RmtInf"), "Ustrd", libelle_remise(versement))

    ET.indent(document, space="  ")
    xml: bytes = ET.tostring(document, encoding="UTF-8", xml_declaration=True)
    return xml


ENTETES_CSV = [
    "Référence (EndToEndId)",
    "Dossier",
    "Structure",
    "Nature",
    "Montant (€)",
    "IBAN",
    "BIC",
    "État",
    "Payé le",
    "Référence bancaire",
    "Motif du rejet",
]


def recapitulatif_csv(lot: LotPaiement, versements: Iterable[Versement]) -> str:
    """Le récapitulatif du lot pour un tableur : « ; » comme séparateur, montants à la
    française, une ligne de total, aucun texte lu comme une formule (`core.exports`). Le
    BOM UTF-8 est ajouté par la vue qui l'envoie."""
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(ENTETES_CSV)
    total = Decimal("0.00")
    nombre = 0
    for versement in versements:
        total += versement.montant
        nombre += 1
        ecrivain.writerow(
            ligne_csv(
                [
                    versement.reference,
                    versement.convention.dossier.numero,
                    versement.convention.dossier.structure.nom,
                    versement.get_nature_display(),
                    versement.montant,
                    versement.iban_beneficiaire,
                    versement.bic_beneficiaire,
                    versement.get_etat_display(),
                    versement.paye_le,
                    versement.reference_bancaire,
                    versement.motif_rejet,
                ]
            )
        )
    ecrivain.writerow(
        ligne_csv(
            [
                f"Total du lot {lot.numero}",
                "",
                "",
                f"{nombre} versement{'s' if nombre > 1 else ''}",
                total,
                *[""] * 6,
            ]
        )
    )
    return sortie.getvalue()
