"""La frise d'un dossier : dépôt → instruction → décision → convention → acompte → bilan →
solde ou indu → clôture, chaque étape faite, en cours ou à venir, avec sa date ou son
échéance, et ce qui vient ensuite.

Une fonction pure (`construire_frise`) sur des faits déjà lus (`Faits`, des valeurs simples) :
les faits qui viennent des applications du dessus (décision, convention, versements, bilan,
indu) sont lus par celles-ci (`clas.bilans.frise`), jamais importées d'ici.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from clas.bareme import formater_euros

Statut = Literal["fait", "en_cours", "a_venir", "sans_objet"]
ETATS_DECIDES = ("accepte", "refuse", "sans_suite", "cloture")
LIBELLES_DECISION = {"accord": "Accord", "refus": "Refus", "sans_suite": "Classé sans suite"}
LIBELLES_VERSEMENT = {
    "a_valider": "à valider par la Caf",
    "valide": "validé, en attente du lot de paiement",
    "mis_en_paiement": "mis en paiement",
    "accepte_banque": "accepté par la banque",
    "paye": "payé",
    "rejete": "rejeté par la banque : la Caf le réémet",
}


@dataclass(frozen=True)
class Faits:
    """Ce qui est arrivé au dossier (dates en jours, états en codes des `TextChoices`)."""

    etat: str
    cloture_depots: dt.date | None = None
    depose_le: dt.date | None = None
    echeance_complements: dt.date | None = None
    decision: str = ""  # accord | refus | sans_suite
    decidee_le: dt.date | None = None
    montant_accorde: Decimal | None = None
    convention_etablie_le: dt.date | None = None
    convention_signee_le: dt.date | None = None
    acompte_etat: str = ""
    acompte_montant: Decimal | None = None
    acompte_paye_le: dt.date | None = None
    date_limite_bilan: dt.date | None = None
    bilan_etat: str = ""  # brouillon | depose | a_corriger | accepte
    bilan_depose_le: dt.date | None = None
    bilan_accepte_le: dt.date | None = None
    solde_etat: str = ""
    solde_montant: Decimal | None = None
    solde_paye_le: dt.date | None = None
    indu_etat: str = ""  # ouvert | rembourse
    indu_montant: Decimal | None = None
    indu_echeance: dt.date | None = None
    indu_rembourse_le: dt.date | None = None
    cloture_le: dt.date | None = None


@dataclass(frozen=True)
class Jalon:
    code: str
    titre: str
    statut: Statut
    date: dt.date | None = None  # faite le
    echeance: dt.date | None = None  # attendue avant le
    detail: str = ""
    par_la_structure: bool = False  # l'étape en cours attend la structure (sinon la Caf)

    @property
    def libelle_statut(self) -> str:
        return {
            "fait": "Étape faite",
            "en_cours": "Étape en cours",
            "a_venir": "Étape à venir",
            "sans_objet": "Sans objet",
        }[self.statut]


@dataclass(frozen=True)
class Frise:
    jalons: list[Jalon] = field(default_factory=list)

    @property
    def courant(self) -> Jalon | None:
        return next((j for j in self.jalons if j.statut == "en_cours"), None)

    @property
    def rang_courant(self) -> int:
        """Le rang (depuis 1) de l'étape en cours ; toutes faites : le nombre d'étapes."""
        for rang, jalon in enumerate(self.jalons, start=1):
            if jalon.statut == "en_cours":
                return rang
        faites = [r for r, j in enumerate(self.jalons, start=1) if j.statut == "fait"]
        return faites[-1] if faites else 1

    @property
    def suivant(self) -> Jalon | None:
        """L'étape qui vient après l'étape en cours."""
        rang = self.rang_courant
        return next((j for j in self.jalons[rang:] if j.statut == "a_venir"), None)

    @property
    def terminee(self) -> bool:
        return self.courant is None


def _e(montant: Decimal | None) -> str:
    return formater_euros(montant) if montant is not None else ""


def _date(jour: dt.date | None) -> str:
    return f"{jour:%d/%m/%Y}" if jour else ""


def _depot(f: Faits) -> tuple[bool, Jalon]:
    fait = f.depose_le is not None
    if fait:
        return True, Jalon("depot", "Dépôt", "fait", date=f.depose_le, detail="Dossier déposé.")
    detail = (
        f"Complétez le dossier et déposez-le avant le {_date(f.cloture_depots)}."
        if f.cloture_depots
        else "Complétez le dossier et déposez-le."
    )
    return False, Jalon(
        "depot",
        "Dépôt",
        "en_cours",
        echeance=f.cloture_depots,
        detail=detail,
        par_la_structure=True,
    )


def _instruction(f: Faits) -> tuple[bool, Jalon]:
    if f.decision or f.etat in ETATS_DECIDES:
        return True, Jalon(
            "instruction", "Instruction", "fait", date=f.decidee_le, detail="Instruit par la Caf."
        )
    if f.etat == "complements_demandes":
        return False, Jalon(
            "instruction",
            "Instruction",
            "en_cours",
            echeance=f.echeance_complements,
            detail="La Caf demande des compléments : répondez et déposez à nouveau"
            + (f" avant le {_date(f.echeance_complements)}." if f.echeance_complements else "."),
            par_la_structure=True,
        )
    return False, Jalon(
        "instruction", "Instruction", "en_cours", detail="La Caf instruit le dossier."
    )


def _decision(f: Faits) -> tuple[bool, Jalon]:
    nature = f.decision or {"refuse": "refus", "sans_suite": "sans_suite"}.get(f.etat, "")
    if not nature and f.etat in ("accepte", "cloture"):
        nature = "accord"
    if not nature:
        return False, Jalon(
            "decision",
            "Décision",
            "en_cours",
            detail="La Caf propose puis valide la décision (deux agents différents).",
        )
    detail = LIBELLES_DECISION.get(nature, nature)
    if nature == "accord" and f.montant_accorde is not None:
        detail += f" : {_e(f.montant_accorde)} accordés."
    return True, Jalon("decision", "Décision", "fait", date=f.decidee_le, detail=detail)


def _convention(f: Faits) -> tuple[bool, Jalon]:
    if f.convention_signee_le:
        return True, Jalon(
            "convention", "Convention", "fait", date=f.convention_signee_le, detail="Signée."
        )
    if f.convention_etablie_le:
        return False, Jalon(
            "convention",
            "Convention",
            "en_cours",
            detail="La convention est établie : un signataire de la structure la signe.",
            par_la_structure=True,
        )
    return False, Jalon(
        "convention", "Convention", "en_cours", detail="La Caf établit la convention."
    )


def _acompte(f: Faits) -> tuple[bool, Jalon]:
    if f.acompte_paye_le or f.acompte_etat == "paye":
        return True, Jalon(
            "acompte",
            "Acompte",
            "fait",
            date=f.acompte_paye_le,
            detail=f"Payé : {_e(f.acompte_montant)}." if f.acompte_montant else "Payé.",
        )
    etat = LIBELLES_VERSEMENT.get(f.acompte_etat, "en préparation par la Caf")
    montant = f" de {_e(f.acompte_montant)}" if f.acompte_montant else ""
    return False, Jalon("acompte", "Acompte", "en_cours", detail=f"Acompte{montant} {etat}.")


def _bilan(f: Faits) -> tuple[bool, Jalon]:
    if f.bilan_etat == "accepte":
        return True, Jalon(
            "bilan", "Bilan", "fait", date=f.bilan_accepte_le, detail="Bilan accepté par la Caf."
        )
    avant = f" avant le {_date(f.date_limite_bilan)}" if f.date_limite_bilan else ""
    if f.bilan_etat == "depose":
        return False, Jalon(
            "bilan", "Bilan", "en_cours", date=f.bilan_depose_le, detail="La Caf examine le bilan."
        )
    if f.bilan_etat == "a_corriger":
        return False, Jalon(
            "bilan",
            "Bilan",
            "en_cours",
            echeance=f.date_limite_bilan,
            detail=f"La Caf demande des corrections : corrigez et déposez le bilan{avant}.",
            par_la_structure=True,
        )
    return False, Jalon(
        "bilan",
        "Bilan",
        "en_cours",
        echeance=f.date_limite_bilan,
        detail=f"Déposez le bilan de fin d'année{avant} : ce qui a réellement eu lieu.",
        par_la_structure=True,
    )


def _regularisation(f: Faits) -> tuple[bool, Jalon]:
    if f.indu_etat:
        if f.indu_etat == "rembourse":
            return True, Jalon(
                "regularisation",
                "Indu",
                "fait",
                date=f.indu_rembourse_le,
                detail=f"Indu de {_e(f.indu_montant)} remboursé.",
            )
        return False, Jalon(
            "regularisation",
            "Indu",
            "en_cours",
            echeance=f.indu_echeance,
            detail=f"Remboursez l'indu de {_e(f.indu_montant)}"
            + (f" avant le {_date(f.indu_echeance)}." if f.indu_echeance else "."),
            par_la_structure=True,
        )
    if f.solde_etat:
        if f.solde_etat == "paye":
            return True, Jalon(
                "regularisation",
                "Solde",
                "fait",
                date=f.solde_paye_le,
                detail=f"Solde de {_e(f.solde_montant)} payé.",
            )
        etat = LIBELLES_VERSEMENT.get(f.solde_etat, "en préparation")
        return False, Jalon(
            "regularisation",
            "Solde",
            "en_cours",
            detail=f"Solde de {_e(f.solde_montant)} {etat}.",
        )
    if f.bilan_etat == "accepte":
        return True, Jalon(
            "regularisation",
            "Solde ou indu",
            "fait",
            date=f.bilan_accepte_le,
            detail="Ni solde ni indu : les versements égalent le montant définitif.",
        )
    return False, Jalon(
        "regularisation",
        "Solde ou indu",
        "en_cours",
        detail="Après le bilan, la Caf paie le solde ou demande le remboursement d'un indu.",
    )


def _cloture(f: Faits) -> tuple[bool, Jalon]:
    if f.etat == "cloture":
        return True, Jalon("cloture", "Clôture", "fait", date=f.cloture_le, detail="Clôturé.")
    return False, Jalon(
        "cloture", "Clôture", "en_cours", detail="Le dossier est clôturé quand tout est réglé."
    )


ETAPES = (_depot, _instruction, _decision, _convention, _acompte, _bilan, _regularisation, _cloture)


def construire_frise(f: Faits) -> Frise:
    """Les huit étapes : les faites, la première qui ne l'est pas (en cours), les suivantes
    à venir (avec l'échéance déjà connue, celle du bilan par exemple). Après un refus ou un
    classement sans suite, les étapes de l'argent sont sans objet."""
    jalons: list[Jalon] = []
    en_cours_vu = False
    sans_suite = f.decision in ("refus", "sans_suite") or f.etat in ("refuse", "sans_suite")
    for etape in ETAPES:
        fait, jalon = etape(f)
        if fait:
            jalons.append(jalon)
        elif sans_suite and jalon.code not in ("depot", "instruction", "decision"):
            jalons.append(Jalon(jalon.code, jalon.titre, "sans_objet", detail="Sans objet."))
        elif not en_cours_vu:
            jalons.append(jalon)
            en_cours_vu = True
        else:
            jalons.append(
                Jalon(
                    jalon.code,
                    jalon.titre,
                    "a_venir",
                    echeance=jalon.echeance,
                    detail=jalon.detail,
                    par_la_structure=jalon.par_la_structure,
                )
            )
    return Frise(jalons)
