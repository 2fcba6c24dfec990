"""Le retour de la banque sur un lot : quels virements sont passés, lesquels sont rejetés.

Deux formats acceptés :

1. un **CSV simple** (séparateur « ; », UTF-8, une ligne d'en-tête) ::

       reference;statut;date;reference_bancaire;motif
       CLAS069-2026-00001-A1;paye;02/12/2026;VIR-2026-118;
       CLAS069-2026-00002-A1;rejete;02/12/2026;;Compte clos (AC04)

   `reference` : la référence de bout en bout du versement (EndToEndId) ; `statut` : `paye`
   ou `rejete` ; `date` : jj/mm/aaaa ou aaaa-mm-jj (obligatoire pour un paiement) ;
   `reference_bancaire` : obligatoire pour un paiement ; `motif` : obligatoire pour un rejet ;

2. un **pain.002** (rapport d'état de paiement ISO 20022) minimal : pour chaque
   `TxInfAndSts`, `OrgnlEndToEndId` et `TxSts` (`ACSC` : payé, `RJCT` : rejeté, motif lu dans
   `StsRsnInf`) ; la date est `AccptncDtTm` ou, à défaut, celle du message (`CreDtTm`).

Tout ou rien : si une seule ligne est invalide (référence inconnue dans ce lot, statut ou
date illisible, paiement d'un versement déjà rejeté…), rien n'est appliqué et le rapport dit
ligne par ligne quoi corriger. Rejouer le même fichier ne change rien (« déjà payé »).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from clas.bareme import formater_euros
from clas.comptes.models import Utilisateur

from .actions import (
    _agent,
    _verrouiller,
    annoncer_les_paiements,
    payer,
    rejeter,
    verifier_separation,
)
from .models import EtatVersement, LotPaiement, Versement

__all__ = [
    "COLONNES",
    "LigneRetour",
    "RapportRetour",
    "RetourInvalide",
    "analyser",
    "importer_retour",
]

E = EtatVersement
COLONNES = ["reference", "statut", "date", "reference_bancaire", "motif"]
TAILLE_MAX = 2 * 1024 * 1024
PAYE, REJETE = "paye", "rejete"

# Les motifs de rejet SEPA les plus courants (ISO 20022 ExternalStatusReason1Code).
MOTIFS_SEPA = {
    "AC01": "IBAN incorrect",
    "AC04": "compte clos",
    "AC06": "compte bloqué",
    "AG01": "opération interdite sur ce compte",
    "AG02": "code opération invalide",
    "AM05": "opération en double",
    "BE04": "adresse du bénéficiaire manquante",
    "MD07": "titulaire décédé",
    "MS02": "raison non précisée par le bénéficiaire",
    "MS03": "raison non précisée par la banque",
    "RC01": "BIC incorrect",
    "RR01": "identification du compte manquante",
}


class RetourInvalide(Exception):
    """Le fichier n'est pas appliqué ; `erreurs` dit quoi corriger, ligne par ligne."""

    def __init__(self, erreurs: list[str]) -> None:
        super().__init__(" ".join(erreurs))
        self.erreurs = erreurs


@dataclass(frozen=True)
class LigneRetour:
    numero: int  # ligne du CSV, ou rang de l'opération dans le pain.002
    reference: str
    statut: str  # PAYE ou REJETE
    date: dt.date | None
    reference_bancaire: str
    motif: str


@dataclass
class RapportRetour:
    payes: list[Versement] = field(default_factory=list)
    rejetes: list[Versement] = field(default_factory=list)
    lignes: list[str] = field(default_factory=list)  # une phrase par ligne du fichier

    @property
    def inchange(self) -> bool:
        return not self.payes and not self.rejetes


# --- Lecture ------------------------------------------------------------------------------


def _sans_accents(texte: str) -> str:
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose if not unicodedata.combining(c))


def _date(texte: str) -> dt.date | None:
    texte = texte.strip()
    for format_ in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(texte, format_).date()
        except ValueError:
            continue
    raise ValueError(texte)


def _decoder(contenu: bytes) -> str:
    try:
        return contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        return contenu.decode("cp1252", errors="replace")  # export d'un tableur Windows


def _analyser_csv(contenu: bytes) -> list[LigneRetour]:
    lecteur = csv.reader(io.StringIO(_decoder(contenu)), delimiter=";")
    erreurs: list[str] = []
    lignes: list[LigneRetour] = []
    entete_vue = False
    for numero, colonnes in enumerate(lecteur, start=1):
        if not any(c.strip() for c in colonnes):
            continue
        if not entete_vue:
            entete = [c.strip().lower() for c in colonnes]
            if entete[: len(COLONNES)] != COLONNES:
                raise RetourInvalide(
                    [
                        f"Ligne {numero} : la première ligne doit être l'en-tête "
                        f"« {';'.join(COLONNES)} » (séparateur point-virgule)."
                    ]
                )
            entete_vue = True
            continue
        if len(colonnes) > len(COLONNES):
            erreurs.append(
                f"Ligne {numero} : {len(colonnes)} colonnes au lieu de {len(COLONNES)} "
                "(un point-virgule en trop dans le motif ?)."
            )
            continue
        reference, statut, date, reference_bancaire, motif = (
            [c.strip() for c in colonnes] + [""] * len(COLONNES)
        )[: len(COLONNES)]
        lignes.append(_ligne(numero, reference, statut, date, reference_bancaire, motif, erreurs))
    if not entete_vue:
        raise RetourInvalide(["Le fichier est vide : il n'a ni en-tête ni ligne."])
    if erreurs:
        raise RetourInvalide(erreurs)
    if not lignes:
        raise RetourInvalide(["Le fichier n'a que l'en-tête : aucune ligne à appliquer."])
    return lignes


def _ligne(
    numero: int,
    reference: str,
    statut: str,
    date: str,
    reference_bancaire: str,
    motif: str,
    erreurs: list[str],
) -> LigneRetour:
    """Une ligne lue ; ses erreurs s'ajoutent à `erreurs` (la ligne est alors ignorée)."""
    avant = len(erreurs)
    statut_normalise = _sans_accents(statut).lower()
    if not reference:
        erreurs.append(f"Ligne {numero} : la référence (EndToEndId) est vide.")
    if statut_normalise not in (PAYE, REJETE):
        erreurs.append(
            f"Ligne {numero} : statut « {statut} » inconnu ; écrivez « paye » ou « rejete »."
        )
    date_lue = None
    if date:
        try:
            date_lue = _date(date)
        except ValueError:
            erreurs.append(f"Ligne {numero} : date « {date} » illisible ; écrivez-la jj/mm/aaaa.")
        else:
            if date_lue and date_lue > timezone.localdate():
                erreurs.append(f"Ligne {numero} : la date {date_lue:%d/%m/%Y} est à venir.")
    if statut_normalise == PAYE:
        if not date:
            erreurs.append(f"Ligne {numero} : un paiement a besoin de sa date (jj/mm/aaaa).")
        if not reference_bancaire:
            erreurs.append(f"Ligne {numero} : un paiement a besoin de sa référence bancaire.")
    if statut_normalise == REJETE and not motif:
        erreurs.append(f"Ligne {numero} : un rejet a besoin de son motif.")
    return LigneRetour(
        numero=numero,
        reference=reference,
        statut=statut_normalise if len(erreurs) == avant else "",
        date=date_lue,
        reference_bancaire=reference_bancaire[:100],
        motif=motif,
    )


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _premier(element: ET.Element, *chemin: str) -> ET.Element | None:
    """Le premier descendant qui suit ces noms locaux (quel que soit l'espace de noms)."""
    courant: ET.Element | None = element
    for nom in chemin:
        if courant is None:
            return None
        courant = next((e for e in courant.iter() if e is not courant and _local(e) == nom), None)
    return courant


def _texte(element: ET.Element, *chemin: str) -> str:
    trouve = _premier(element, *chemin)
    return (trouve.text or "").strip() if trouve is not None else ""


def _analyser_pain002(contenu: bytes) -> list[LigneRetour]:
    if re.search(rb"<!(DOCTYPE|ENTITY)", contenu, re.IGNORECASE):
        raise RetourInvalide(["Le fichier XML contient une déclaration DOCTYPE : refusé."])
    try:
        racine = ET.fromstring(contenu)  # noqa: S314 - DOCTYPE et entités refusés ci-dessus
    except ET.ParseError as erreur:
        raise RetourInvalide([f"Le fichier XML est mal formé : {erreur}."]) from erreur
    rapport = _premier(racine, "CstmrPmtStsRpt") if _local(racine) == "Document" else None
    if rapport is None:
        raise RetourInvalide(
            [
                "Ce fichier XML n'est pas un rapport d'état de paiement (pain.002, élément "
                "CstmrPmtStsRpt) : déposez le retour de la banque ou le CSV documenté."
            ]
        )
    message = _texte(rapport, "GrpHdr", "MsgId")
    cree_le = _texte(rapport, "GrpHdr", "CreDtTm")[:10]
    operations = [e for e in rapport.iter() if _local(e) == "TxInfAndSts"]
    if not operations:
        raise RetourInvalide(["Le pain.002 ne contient aucune opération (TxInfAndSts)."])
    erreurs: list[str] = []
    lignes = []
    for rang, operation in enumerate(operations, start=1):
        code = _texte(operation, "TxSts").upper()
        reference = _texte(operation, "OrgnlEndToEndId")
        date = (_texte(operation, "AccptncDtTm") or cree_le)[:10]
        if code == "ACSC":
            statut, motif = PAYE, ""
            reference_bancaire = _texte(operation, "StsId") or message
        elif code == "RJCT":
            raison = _texte(operation, "StsRsnInf", "Rsn", "Cd").upper()
            complement = _texte(operation, "StsRsnInf", "AddtlInf")
            libelle = MOTIFS_SEPA.get(raison, "motif non précisé")
            motif = f"Rejet bancaire {raison or '—'} : {libelle}"
            motif += f" ({complement})." if complement else "."
            statut, reference_bancaire = REJETE, ""
        else:
            erreurs.append(
                f"Opération {rang} ({reference or 'sans référence'}) : statut « {code} » non "
                "traité ; seuls ACSC (payé) et RJCT (rejeté) sont appliqués."
            )
            continue
        lignes.append(_ligne(rang, reference, statut, date, reference_bancaire, motif, erreurs))
    if erreurs:
        raise RetourInvalide([e.replace("Ligne ", "Opération ", 1) for e in erreurs])
    return lignes


def lire(fichier: UploadedFile[bytes]) -> bytes:
    nom = (fichier.name or "fichier").rsplit("/", 1)[-1]
    taille = fichier.size or 0
    if taille == 0:
        raise RetourInvalide([f"Le fichier « {nom} » est vide."])
    if taille > TAILLE_MAX:
        raise RetourInvalide([f"Le fichier « {nom} » dépasse 2 Mo : est-ce bien un retour ?"])
    fichier.seek(0)
    contenu: bytes = fichier.read()
    return contenu


def analyser(contenu: bytes) -> list[LigneRetour]:
    """Les lignes du fichier (CSV ou pain.002), ou RetourInvalide avec toutes les erreurs."""
    if contenu.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _analyser_pain002(contenu)
    return _analyser_csv(contenu)


# --- Application --------------------------------------------------------------------------


def importer_retour(
    lot: LotPaiement, fichier: UploadedFile[bytes], comptable: Utilisateur
) -> RapportRetour:
    """Applique le retour de la banque sur le lot, tout ou rien (voir le module)."""
    _agent(comptable, lot.caf_id, "comptable")
    lignes = analyser(lire(fichier))
    rapport = RapportRetour()
    with transaction.atomic():
        lot = LotPaiement.objects.select_for_update().get(pk=lot.pk)
        versements = {
            v.reference: v for v in _verrouiller(lot.versements.values_list("pk", flat=True))
        }
        erreurs: list[str] = []
        vues: dict[str, int] = {}
        cree_le = timezone.localdate(lot.created_at)
        for ligne in lignes:
            versement = versements.get(ligne.reference)
            if ligne.reference in vues:
                erreurs.append(
                    f"Ligne {ligne.numero} : la référence {ligne.reference} figure déjà ligne "
                    f"{vues[ligne.reference]}."
                )
                continue
            vues[ligne.reference] = ligne.numero
            if versement is None:
                erreurs.append(
                    f"Ligne {ligne.numero} : la référence « {ligne.reference} » n'est pas dans "
                    f"le lot {lot.numero}."
                )
            elif ligne.statut == PAYE and versement.etat == E.REJETE:
                erreurs.append(
                    f"Ligne {ligne.numero} : {ligne.reference} est déjà rejeté, il ne peut pas "
                    "être payé."
                )
            elif ligne.statut == REJETE and versement.etat == E.PAYE:
                erreurs.append(
                    f"Ligne {ligne.numero} : {ligne.reference} est déjà payé (le "
                    f"{versement.paye_le:%d/%m/%Y}) : un rejet après paiement se traite hors "
                    "de la plateforme."
                )
            elif ligne.statut == PAYE and ligne.date and ligne.date < cree_le:
                erreurs.append(
                    f"Ligne {ligne.numero} : la date {ligne.date:%d/%m/%Y} précède la création "
                    f"du lot ({cree_le:%d/%m/%Y})."
                )
        if erreurs:
            raise RetourInvalide(erreurs)
        verifier_separation(
            [
                versements[ligne.reference]
                for ligne in lignes
                if ligne.statut == PAYE and versements[ligne.reference].etat == E.MIS_EN_PAIEMENT
            ],
            comptable,
        )
        for ligne in lignes:
            versement = versements[ligne.reference]
            montant = formater_euros(versement.montant)
            if ligne.statut == PAYE and versement.etat == E.MIS_EN_PAIEMENT:
                assert ligne.date is not None
                payer(versement, comptable, ligne.date, ligne.reference_bancaire, lot)
                rapport.payes.append(versement)
                rapport.lignes.append(
                    f"Ligne {ligne.numero} : {ligne.reference} payé le {ligne.date:%d/%m/%Y} "
                    f"({montant})."
                )
            elif ligne.statut == REJETE and versement.etat == E.MIS_EN_PAIEMENT:
                rejeter(versement, comptable, ligne.motif)
                rapport.rejetes.append(versement)
                rapport.lignes.append(
                    f"Ligne {ligne.numero} : {ligne.reference} rejeté ({montant}) : {ligne.motif}"
                )
            else:
                deja = "payé" if versement.etat == E.PAYE else "rejeté"
                rapport.lignes.append(
                    f"Ligne {ligne.numero} : {ligne.reference} déjà {deja} : rien n'a changé."
                )
        if not rapport.inchange:
            lot.traite_le = timezone.now()
            lot.traite_par = comptable
            lot.save(update_fields=["traite_le", "traite_par"])
            annoncer_les_paiements((v.convention for v in rapport.payes), comptable)
    return rapport
