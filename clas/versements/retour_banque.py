"""Le retour de la banque sur un lot : quels virements sont acceptés, payés, rejetés.

Deux formats acceptés :

1. un **CSV simple** (séparateur « ; », UTF-8, une ligne d'en-tête) ::

       reference;statut;date;reference_bancaire;motif
       CLAS069-2026-00001-A1;paye;02/12/2026;VIR-2026-118;
       CLAS069-2026-00002-A1;rejete;02/12/2026;;Compte clos (AC04)
       CLAS069-2026-00003-A1;accepte;02/12/2026;;

   `reference` : la référence de bout en bout du versement (EndToEndId) ; `statut` : `paye`,
   `rejete` ou `accepte` (pris par la banque, pas encore réglé) ; `date` : jj/mm/aaaa ou
   aaaa-mm-jj (obligatoire pour un paiement) ; `reference_bancaire` : obligatoire pour un
   paiement ; `motif` : obligatoire pour un rejet ;

2. un **pain.002** (rapport d'état de paiement ISO 20022, versions .001.03 à .001.10 : les
   noms d'éléments utilisés sont les mêmes) :
   `CstmrPmtStsRpt/OrgnlGrpInfAndSts` (`OrgnlMsgId`, `GrpSts`, `StsRsnInf`), puis des blocs
   `OrgnlPmtInfAndSts` (`OrgnlPmtInfId`, `PmtInfSts`, `StsRsnInf`) et leurs opérations
   `TxInfAndSts` (`OrgnlEndToEndId`, `TxSts`, `StsRsnInf/Rsn/Cd`, `AccptncDtTm`, `StsId`).
   Statuts : ACTC, ACCP, ACSP (et ACWC) → « accepté par la banque » ; ACSC → payé ; RJCT →
   rejeté, motif traduit (`MOTIFS_SEPA`) ; RCVD, PDNG, PART, ACWP → rien à faire (ignoré).
   Un statut de bloc sans opérations vaut pour tous les versements du bloc ; un statut de
   groupe, dans un fichier sans aucune opération ni statut de bloc, pour tout le lot (le
   bloc ou le groupe doit alors désigner ce lot : `OrgnlPmtInfId` / `OrgnlMsgId`).

Un fichier illisible (XML mal formé, en-tête absent, rien à appliquer) est refusé en entier
(`RetourInvalide`). Sinon chaque ligne est appliquée seule, dans son point de reprise : le
rapport dit ce qui est **appliqué**, **ignoré** (déjà fait, statut d'attente) et **refusé**
(référence inconnue, date illisible, paiement d'un versement rejeté…), et pourquoi.
Réimporter le même fichier ne change rien : chaque ligne est alors « ignorée, déjà faite ».
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
from clas.core.exceptions import ActionImpossible

from .actions import (
    _agent,
    _verrouiller,
    accepter_banque,
    annoncer_les_paiements,
    payer,
    rejeter,
    verifier_separation,
)
from .etats import EN_BANQUE
from .models import EtatVersement, LotPaiement, Versement

__all__ = [
    "COLONNES",
    "LigneRetour",
    "RapportRetour",
    "ResultatLigne",
    "RetourInvalide",
    "analyser",
    "importer_retour",
    "motif_de_rejet",
]

E = EtatVersement
COLONNES = ["reference", "statut", "date", "reference_bancaire", "motif"]
TAILLE_MAX = 2 * 1024 * 1024
PAYE, REJETE, ACCEPTE, ATTENTE = "paye", "rejete", "accepte", "attente"
APPLIQUEE, IGNOREE, REFUSEE = "appliquee", "ignoree", "refusee"

# Les statuts ISO 20022 (ExternalPaymentTransactionStatus1Code) et ce qu'ils font ici.
STATUTS_ISO = {
    "ACTC": ACCEPTE,  # contrôles techniques passés
    "ACCP": ACCEPTE,  # contrôles du client passés
    "ACSP": ACCEPTE,  # règlement en cours
    "ACWC": ACCEPTE,  # accepté avec modification (date, frais) : toujours pas réglé
    "ACSC": PAYE,  # réglé : le compte de la Caf est débité
    "RJCT": REJETE,
    "RCVD": ATTENTE,
    "PDNG": ATTENTE,
    "PART": ATTENTE,  # partiellement accepté : le détail est dans les opérations
    "ACWP": ATTENTE,
}
LIBELLES_ATTENTE = {
    "RCVD": "reçu par la banque, pas encore contrôlé",
    "PDNG": "en attente à la banque",
    "PART": "partiellement accepté, le détail est dans les opérations",
    "ACWP": "accepté sans suite de traitement",
}

# Les motifs de rejet SEPA courants (ISO 20022 ExternalStatusReason1Code), en français.
MOTIFS_SEPA = {
    "AC01": "IBAN incorrect",
    "AC03": "compte du bénéficiaire invalide",
    "AC04": "compte clos",
    "AC06": "compte bloqué",
    "AC13": "type de compte du débiteur invalide",
    "AG01": "opération interdite sur ce compte",
    "AG02": "code opération invalide",
    "AM04": "provision insuffisante",
    "AM05": "opération en double",
    "BE04": "adresse du bénéficiaire manquante",
    "BE05": "émetteur non reconnu",
    "CNOR": "banque du bénéficiaire non joignable",
    "DNOR": "banque du débiteur non joignable",
    "DUPL": "paiement en double",
    "FF01": "format de fichier invalide",
    "FOCR": "rappel à la demande de l'émetteur",
    "MD07": "titulaire décédé",
    "MS02": "raison non précisée par le bénéficiaire",
    "MS03": "raison non précisée par la banque",
    "RC01": "BIC incorrect",
    "RR01": "identification du compte manquante",
    "RR02": "nom ou adresse du débiteur manquant",
    "RR03": "nom ou adresse du bénéficiaire manquant",
    "RR04": "raison réglementaire",
    "SL01": "service particulier de la banque",
    "TM01": "reçu après l'heure limite",
}


def motif_de_rejet(code: str, complement: str = "") -> str:
    """« Rejet bancaire AC04 : compte clos (Compte soldé). » ; un code inconnu est cité."""
    code = code.strip().upper()
    if not code:
        texte = "Rejet bancaire : motif non précisé"
    elif code in MOTIFS_SEPA:
        texte = f"Rejet bancaire {code} : {MOTIFS_SEPA[code]}"
    else:
        texte = f"Rejet bancaire : motif {code}"
    return texte + (f" ({complement})." if complement else ".")


class RetourInvalide(Exception):
    """Le fichier n'est pas appliqué du tout ; `erreurs` dit quoi corriger."""

    def __init__(self, erreurs: list[str]) -> None:
        super().__init__(" ".join(erreurs))
        self.erreurs = erreurs


@dataclass(frozen=True)
class LigneRetour:
    """Ce que le fichier dit d'un versement. `lieu` situe la ligne (« Ligne 3 »,
    « Opération 2 », « Statut du lot ») ; `erreurs` non vide : la ligne sera refusée."""

    lieu: str
    reference: str
    statut: str  # PAYE, REJETE, ACCEPTE, ATTENTE ; "" si illisible
    date: dt.date | None
    reference_bancaire: str = ""
    motif: str = ""
    code: str = ""  # le statut ISO 20022 d'origine (vide pour le CSV)
    erreurs: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatutGlobal:
    """Un statut de groupe (`GrpSts`) ou de bloc (`PmtInfSts`) sans opérations détaillées :
    il vaut pour chaque versement du lot ou du bloc `identifiant`."""

    lieu: str
    identifiant: str
    code: str
    date: dt.date | None
    reference_bancaire: str
    motif: str


@dataclass(frozen=True)
class Retour:
    lignes: list[LigneRetour]
    globaux: list[StatutGlobal] = field(default_factory=list)


@dataclass(frozen=True)
class ResultatLigne:
    lieu: str
    reference: str
    sort: str  # APPLIQUEE, IGNOREE ou REFUSEE
    texte: str  # la phrase du rapport, « Ligne 2 : … »


@dataclass
class RapportRetour:
    payes: list[Versement] = field(default_factory=list)
    rejetes: list[Versement] = field(default_factory=list)
    acceptes: list[Versement] = field(default_factory=list)
    resultats: list[ResultatLigne] = field(default_factory=list)

    def _du_sort(self, sort: str) -> list[ResultatLigne]:
        return [r for r in self.resultats if r.sort == sort]

    @property
    def appliquees(self) -> list[ResultatLigne]:
        return self._du_sort(APPLIQUEE)

    @property
    def ignorees(self) -> list[ResultatLigne]:
        return self._du_sort(IGNOREE)

    @property
    def refusees(self) -> list[ResultatLigne]:
        return self._du_sort(REFUSEE)

    @property
    def resume(self) -> str:
        """« 2 appliquées, 0 ignorée, 1 refusée. » (0 et 1 au singulier, à la française)."""
        parties = [
            f"{len(liste)} {mot}{'s' if len(liste) > 1 else ''}"
            for liste, mot in (
                (self.appliquees, "appliquée"),
                (self.ignorees, "ignorée"),
                (self.refusees, "refusée"),
            )
        ]
        return ", ".join(parties) + "."

    @property
    def lignes(self) -> list[str]:
        return [r.texte for r in self.resultats]

    @property
    def inchange(self) -> bool:
        return not self.appliquees

    @property
    def deja_applique(self) -> bool:
        """Rien de neuf et rien de refusé : ce fichier avait déjà été appliqué."""
        return not self.appliquees and not self.refusees


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


def _analyser_csv(contenu: bytes) -> Retour:
    lecteur = csv.reader(io.StringIO(_decoder(contenu)), delimiter=";")
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
        reference, statut, date, reference_bancaire, motif = (
            [c.strip() for c in colonnes] + [""] * len(COLONNES)
        )[: len(COLONNES)]
        if len(colonnes) > len(COLONNES):
            lignes.append(
                LigneRetour(
                    f"Ligne {numero}",
                    reference,
                    "",
                    None,
                    erreurs=(
                        f"{len(colonnes)} colonnes au lieu de {len(COLONNES)} (un "
                        "point-virgule en trop dans le motif ?).",
                    ),
                )
            )
            continue
        lignes.append(_ligne(f"Ligne {numero}", reference, statut, date, reference_bancaire, motif))
    if not entete_vue:
        raise RetourInvalide(["Le fichier est vide : il n'a ni en-tête ni ligne."])
    if not lignes:
        raise RetourInvalide(["Le fichier n'a que l'en-tête : aucune ligne à appliquer."])
    return Retour(lignes)


def _ligne(
    lieu: str,
    reference: str,
    statut: str,
    date: str,
    reference_bancaire: str,
    motif: str,
    code: str = "",
) -> LigneRetour:
    """Une ligne lue, avec ses erreurs (elle sera alors refusée)."""
    erreurs: list[str] = []
    statut_normalise = _sans_accents(statut).lower()
    if not reference:
        erreurs.append("la référence (EndToEndId) est vide.")
    if statut_normalise not in (PAYE, REJETE, ACCEPTE, ATTENTE):
        erreurs.append(
            f"statut « {statut} » inconnu ; écrivez « paye », « rejete » ou « accepte »."
        )
    date_lue = None
    if date:
        try:
            date_lue = _date(date)
        except ValueError:
            erreurs.append(f"date « {date} » illisible ; écrivez-la jj/mm/aaaa.")
        else:
            if date_lue and date_lue > timezone.localdate():
                erreurs.append(f"la date {date_lue:%d/%m/%Y} est à venir.")
    if statut_normalise in (PAYE, ACCEPTE) and not date:
        quoi = "un paiement" if statut_normalise == PAYE else "une acceptation"
        erreurs.append(f"{quoi} a besoin de sa date (jj/mm/aaaa).")
    if statut_normalise == PAYE and not reference_bancaire:
        erreurs.append("un paiement a besoin de sa référence bancaire.")
    if statut_normalise == REJETE and not motif:
        erreurs.append("un rejet a besoin de son motif.")
    return LigneRetour(
        lieu=lieu,
        reference=reference,
        statut=statut_normalise,
        date=date_lue,
        reference_bancaire=reference_bancaire[:100],
        motif=motif,
        code=code,
        erreurs=tuple(erreurs),
    )


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _enfants(element: ET.Element, nom: str) -> list[ET.Element]:
    """Les enfants directs de ce nom local : le `StsRsnInf` d'un groupe n'est pas celui de
    ses opérations."""
    return [e for e in element if _local(e) == nom]


def _premier(element: ET.Element, *chemin: str) -> ET.Element | None:
    """Le premier élément qui suit ces noms locaux, enfant après enfant."""
    courant: ET.Element | None = element
    for nom in chemin:
        if courant is None:
            return None
        courant = next(iter(_enfants(courant, nom)), None)
    return courant


def _texte(element: ET.Element | None, *chemin: str) -> str:
    trouve = _premier(element, *chemin) if element is not None else None
    return (trouve.text or "").strip() if trouve is not None else ""


def _raison(element: ET.Element) -> tuple[str, str]:
    """Le code du motif (`Cd`, ou `Prtry` propre à la banque) et son complément."""
    info = _premier(element, "StsRsnInf")
    if info is None:
        return "", ""
    code = _texte(info, "Rsn", "Cd") or _texte(info, "Rsn", "Prtry")
    complements = [(e.text or "").strip() for e in _enfants(info, "AddtlInf")]
    return code.upper(), " ".join(c for c in complements if c)


def _operation(
    rang: int, operation: ET.Element, heritee: str, cree_le: str, message: str
) -> LigneRetour:
    """Une opération `TxInfAndSts` ; sans `TxSts`, elle prend le statut de son bloc (ou du
    groupe). La référence bancaire : `StsId`, `AcctSvcrRef`, sinon l'identifiant du message."""
    code = (_texte(operation, "TxSts") or heritee).upper()
    reference = _texte(operation, "OrgnlEndToEndId")
    date = (_texte(operation, "AccptncDtTm") or cree_le)[:10]
    lieu = f"Opération {rang}"
    statut = STATUTS_ISO.get(code)
    if statut is None:
        return LigneRetour(
            lieu,
            reference,
            "",
            None,
            code=code,
            erreurs=(
                f"statut « {code or 'absent'} » inconnu (attendus : ACTC, ACCP, ACSP, ACSC, "
                "RJCT, ou un statut d'attente).",
            ),
        )
    motif = ""
    if statut == REJETE:
        motif = motif_de_rejet(*_raison(operation))
    elif statut == ATTENTE:
        motif = LIBELLES_ATTENTE[code]
    reference_bancaire = _texte(operation, "StsId") or _texte(operation, "AcctSvcrRef") or message
    return _ligne(lieu, reference, statut, date, reference_bancaire, motif, code=code)


def _global(
    lieu: str, identifiant: str, element: ET.Element, code: str, cree_le: str, message: str
) -> StatutGlobal:
    return StatutGlobal(
        lieu=lieu,
        identifiant=identifiant,
        code=code,
        date=_date(cree_le) if cree_le else None,
        reference_bancaire=message,
        motif=motif_de_rejet(*_raison(element)) if STATUTS_ISO.get(code) == REJETE else "",
    )


def _analyser_pain002(contenu: bytes) -> Retour:
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
    try:
        if cree_le:
            _date(cree_le)
    except ValueError as erreur:
        raise RetourInvalide(
            [f"La date du message (CreDtTm « {cree_le} ») est illisible."]
        ) from erreur
    groupe = _premier(rapport, "OrgnlGrpInfAndSts")
    code_groupe = _texte(groupe, "GrpSts").upper()
    blocs = _enfants(rapport, "OrgnlPmtInfAndSts")
    lignes: list[LigneRetour] = []
    globaux: list[StatutGlobal] = []
    rang = 0
    for bloc in blocs:
        code_bloc = _texte(bloc, "PmtInfSts").upper()
        operations = _enfants(bloc, "TxInfAndSts")
        if not operations and code_bloc:
            identifiant = _texte(bloc, "OrgnlPmtInfId")
            globaux.append(
                _global(
                    f"Statut du bloc {identifiant} ({code_bloc})",
                    identifiant,
                    bloc,
                    code_bloc,
                    cree_le,
                    message,
                )
            )
        for operation in operations:
            rang += 1
            lignes.append(_operation(rang, operation, code_bloc or code_groupe, cree_le, message))
    if not lignes and not globaux and groupe is not None and code_groupe:
        identifiant = _texte(groupe, "OrgnlMsgId")
        globaux.append(
            _global(
                f"Statut du lot ({code_groupe})", identifiant, groupe, code_groupe, cree_le, message
            )
        )
    if not lignes and not globaux:
        raise RetourInvalide(
            [
                "Le pain.002 ne contient ni opération (TxInfAndSts) ni statut de lot (GrpSts) "
                "ou de bloc (PmtInfSts) : rien à appliquer."
            ]
        )
    return Retour(lignes, globaux)


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


def analyser(contenu: bytes) -> Retour:
    """Ce que dit le fichier (CSV ou pain.002), ou RetourInvalide s'il est illisible."""
    if contenu.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _analyser_pain002(contenu)
    return _analyser_csv(contenu)


# --- Application --------------------------------------------------------------------------


def _deplier(
    retour: Retour, lot: LotPaiement, versements: dict[str, Versement]
) -> tuple[list[LigneRetour], list[ResultatLigne]]:
    """Les statuts de groupe ou de bloc deviennent une ligne par versement du lot ; un
    statut qui ne désigne pas ce lot est refusé sans rien toucher."""
    lignes = list(retour.lignes)
    refus: list[ResultatLigne] = []
    for statut in retour.globaux:
        if statut.identifiant != lot.numero:
            refus.append(
                ResultatLigne(
                    statut.lieu,
                    "",
                    REFUSEE,
                    f"{statut.lieu} : il désigne « {statut.identifiant or 'aucun lot'} », pas le "
                    f"lot {lot.numero} : rien n'est appliqué à ses versements.",
                )
            )
            continue
        sens = STATUTS_ISO.get(statut.code, "")
        date = f"{statut.date:%Y-%m-%d}" if statut.date else ""
        for reference in versements:
            if sens == "":
                lignes.append(
                    LigneRetour(
                        statut.lieu,
                        reference,
                        "",
                        None,
                        code=statut.code,
                        erreurs=(f"statut « {statut.code} » inconnu.",),
                    )
                )
                continue
            motif = statut.motif or LIBELLES_ATTENTE.get(statut.code, "")
            lignes.append(
                _ligne(
                    statut.lieu,
                    reference,
                    sens,
                    date,
                    statut.reference_bancaire,
                    motif,
                    code=statut.code,
                )
            )
    return lignes, refus


def _appliquer(
    ligne: LigneRetour,
    versement: Versement,
    lot: LotPaiement,
    comptable: Utilisateur,
    rapport: RapportRetour,
) -> tuple[str, str]:
    """Applique une ligne lisible à son versement verrouillé : (sort, phrase sans le lieu)."""
    ref, montant, etat = ligne.reference, formater_euros(versement.montant), versement.etat
    cree_le = timezone.localdate(lot.created_at)
    if ligne.statut == ATTENTE:
        return IGNOREE, f"{ref} : statut {ligne.code} ({ligne.motif}) : rien à faire."
    deja: dict[str, str] = {
        E.PAYE: "payé",
        E.REJETE: "rejeté",
        E.ACCEPTE_BANQUE: "accepté par la banque",
    }
    voulu = {PAYE: E.PAYE, REJETE: E.REJETE, ACCEPTE: E.ACCEPTE_BANQUE}[ligne.statut]
    if etat == voulu or (ligne.statut == ACCEPTE and etat == E.PAYE):
        return IGNOREE, f"{ref} déjà {deja[etat]} : rien n'a changé."
    if etat == E.REJETE:
        return REFUSEE, f"{ref} est déjà rejeté, il ne peut pas être {_participe(ligne)}."
    if etat == E.PAYE:
        return REFUSEE, (
            f"{ref} est déjà payé (le {versement.paye_le:%d/%m/%Y}) : un rejet après paiement "
            "se traite hors de la plateforme."
        )
    if etat not in EN_BANQUE:
        return REFUSEE, f"{ref} est « {versement.get_etat_display()} » : il n'est pas à la banque."
    if ligne.date and ligne.date < cree_le:
        return REFUSEE, (
            f"la date {ligne.date:%d/%m/%Y} précède la création du lot ({cree_le:%d/%m/%Y})."
        )
    if ligne.statut == PAYE:
        assert ligne.date is not None
        verifier_separation([versement], comptable)
        payer(versement, comptable, ligne.date, ligne.reference_bancaire, lot, ligne.code)
        rapport.payes.append(versement)
        return APPLIQUEE, f"{ref} payé le {ligne.date:%d/%m/%Y} ({montant})."
    if ligne.statut == REJETE:
        rejeter(versement, comptable, ligne.motif, ligne.code)
        rapport.rejetes.append(versement)
        return APPLIQUEE, f"{ref} rejeté ({montant}) : {ligne.motif}"
    assert ligne.date is not None
    accepter_banque(versement, comptable, ligne.code, ligne.date)
    rapport.acceptes.append(versement)
    return APPLIQUEE, (
        f"{ref} accepté par la banque le {ligne.date:%d/%m/%Y} ({montant}), pas encore réglé."
    )


def _participe(ligne: LigneRetour) -> str:
    return {PAYE: "payé", ACCEPTE: "accepté"}.get(ligne.statut, "rejeté")


def importer_retour(
    lot: LotPaiement, fichier: UploadedFile[bytes], comptable: Utilisateur
) -> RapportRetour:
    """Applique le retour de la banque sur le lot, ligne par ligne (voir le module)."""
    _agent(comptable, lot.caf_id, "comptable")
    retour = analyser(lire(fichier))
    rapport = RapportRetour()
    with transaction.atomic():
        lot = LotPaiement.objects.select_for_update().get(pk=lot.pk)
        versements = {
            v.reference: v for v in _verrouiller(lot.versements.values_list("pk", flat=True))
        }
        lignes, refus = _deplier(retour, lot, versements)
        rapport.resultats.extend(refus)
        vues: dict[str, str] = {}
        for ligne in lignes:
            rapport.resultats.append(_resultat(ligne, versements, vues, lot, comptable, rapport))
        if not rapport.inchange:
            lot.traite_le = timezone.now()
            lot.traite_par = comptable
            lot.save(update_fields=["traite_le", "traite_par"])
            annoncer_les_paiements((v.convention for v in rapport.payes), comptable)
    return rapport


def _resultat(
    ligne: LigneRetour,
    versements: dict[str, Versement],
    vues: dict[str, str],
    lot: LotPaiement,
    comptable: Utilisateur,
    rapport: RapportRetour,
) -> ResultatLigne:
    def refus(texte: str) -> ResultatLigne:
        return ResultatLigne(ligne.lieu, ligne.reference, REFUSEE, f"{ligne.lieu} : {texte}")

    if ligne.erreurs:
        return refus(" ".join(e[:1].upper() + e[1:] for e in ligne.erreurs))
    if ligne.reference in vues:
        return refus(f"la référence {ligne.reference} figure déjà ({vues[ligne.reference]}).")
    vues[ligne.reference] = ligne.lieu.lower()
    versement = versements.get(ligne.reference)
    if versement is None:
        return refus(f"la référence « {ligne.reference} » n'est pas dans le lot {lot.numero}.")
    try:
        # Un point de reprise par ligne : une ligne refusée en cours de route n'emporte
        # ni les autres ni une écriture à moitié faite.
        with transaction.atomic():
            sort, texte = _appliquer(ligne, versement, lot, comptable, rapport)
    except ActionImpossible as impossible:
        versement.refresh_from_db()
        return refus(str(impossible))
    return ResultatLigne(ligne.lieu, ligne.reference, sort, f"{ligne.lieu} : {texte}")
