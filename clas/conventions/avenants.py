"""Les avenants à une convention signée (CLAS.md §2.3) : changer les collectifs retenus
ou le montant, par la même proposition et la même validation qu'une décision.

Un instructeur de la Caf propose (`proposer_avenant`) : les collectifs retenus et/ou un
nouveau montant, au plus le barème recalculé sur ces collectifs avec les paramètres DE LA
DÉCISION (jamais ceux de maintenant), et un motif. Un autre agent, valideur, valide par
`clas.instruction.decisions.valider`, qui appelle `valider_avenant` dans sa transaction :
l'avenant garde l'entrée et le résultat du barème, le montant d'avant et d'après ; le
montant maximal de la convention change, le dossier reste « accepté », l'acompte déjà créé
n'est pas touché. Les chiffres d'origine restent dans la décision et dans chaque avenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from clas.bareme import (
    Entree,
    EntreeInvalide,
    Parametres,
    Resultat,
    calculer,
    entree_vers_json,
    formater_euros,
    lire_entree,
    resultat_vers_json,
)
from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.core.pdf import enregistrer_une_fois
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import Collectif, Dossier, EtatDossier, Evenement
from clas.instruction.decisions import ActionImpossible, traiter
from clas.instruction.models import (
    Decision,
    NatureDecision,
    ObjetProposition,
    Proposition,
    StatutProposition,
)

from .models import Avenant, Convention, ProjetAvenant

__all__ = [
    "CalculAvenant",
    "calculer_avenant",
    "collectifs_en_vigueur",
    "entree_en_vigueur",
    "generer_pdf_avenant",
    "obstacle_avenant",
    "parametres_de_la_decision",
    "proposer_avenant",
    "valider_avenant",
]


def parametres_de_la_decision(decision: Decision) -> Parametres:
    """Les paramètres du barème tels que la décision les a gardés (jamais ceux de
    maintenant)."""
    gardes = decision.parametres or {}
    annee = (decision.entree_bareme or {}).get("annee_scolaire")
    return Parametres.depuis_dict(
        str(annee or decision.dossier.campagne.annee_scolaire),
        {nom: valeur.get("valeur") for nom, valeur in gardes.items()},
        {nom: valeur.get("source", "") for nom, valeur in gardes.items()},
    )


def entree_en_vigueur(
    convention: Convention, avenants: list[Avenant] | None = None
) -> dict[str, Any]:
    """L'entrée du barème en vigueur : celle du dernier avenant, sinon de la décision."""
    if avenants is None:
        avenants = list(Avenant.objects.filter(convention=convention).order_by("numero"))
    entree: dict[str, Any] = (
        avenants[-1].entree_bareme if avenants else convention.decision.entree_bareme
    )
    return entree


def collectifs_en_vigueur(
    entree: dict[str, Any], collectifs: list[Collectif]
) -> list[dict[str, Any]]:
    """Chaque collectif du dossier avec son entrée du barème et s'il est retenu
    aujourd'hui. L'entrée garde les collectifs dans l'ordre (ordre, id) du dossier."""
    donnees = list(entree.get("collectifs", []))
    return [
        {
            "collectif": collectif,
            "entree": donnees[rang] if rang < len(donnees) else None,
            "retenu": rang < len(donnees) and donnees[rang].get("retenu", True) is not False,
        }
        for rang, collectif in enumerate(collectifs)
    ]


@dataclass(frozen=True)
class CalculAvenant:
    entree: Entree
    resultat: Resultat

    @property
    def montant_bareme(self) -> Decimal:
        return self.resultat.montant_total


def calculer_avenant(
    convention: Convention, collectifs: list[Collectif], retenus: set[int]
) -> CalculAvenant:
    """Le barème sur l'entrée en vigueur, les collectifs `retenus` (identifiants) cochés,
    avec les paramètres de la décision."""
    decision = convention.decision
    entree = dict(entree_en_vigueur(convention))
    donnees = list(entree.get("collectifs", []))
    if len(donnees) != len(collectifs):
        raise ValueError(
            "Les collectifs du dossier ne correspondent plus à ceux de la décision : "
            "l'avenant ne peut pas être calculé."
        )
    nouveaux = []
    for collectif, donnee in zip(collectifs, donnees, strict=True):
        donnee = {k: v for k, v in donnee.items() if k != "retenu"}
        if collectif.pk not in retenus:
            donnee["retenu"] = False
        nouveaux.append(donnee)
    entree["collectifs"] = nouveaux
    parametres = parametres_de_la_decision(decision)
    try:
        lue = lire_entree(entree, [parametres.annee_scolaire])
    except EntreeInvalide as erreur:  # ne devrait pas arriver : l'entrée vient de la décision
        raise ValueError(
            "L'entrée du barème gardée par la décision est illisible : "
            + " ".join(e.message for e in erreur.erreurs)
        ) from None
    return CalculAvenant(lue, calculer(lue, parametres))


def obstacle_avenant(dossier: Dossier, convention: Convention | None) -> str:
    """Pourquoi un avenant n'est pas possible (texte vide s'il l'est)."""
    if dossier.etat == EtatDossier.CLOTURE:
        return "Le dossier est clôturé : il est en lecture seule."
    if dossier.etat != EtatDossier.ACCEPTE or convention is None:
        return "Un avenant ne porte que sur la convention d'un dossier accepté."
    if not convention.est_signee:
        return (
            "La convention n'est pas encore signée : un avenant ne porte que sur une "
            "convention signée."
        )
    if convention.montant_definitif is not None:  # arrêté à l'acceptation du bilan
        return "Le bilan est accepté : le montant définitif est fixé, plus d'avenant possible."
    return ""


def _collectifs(dossier: Dossier) -> list[Collectif]:
    return list(Collectif.objects.filter(dossier=dossier).order_by("ordre", "id"))


def proposer_avenant(
    dossier: Dossier,
    auteur: Utilisateur,
    collectifs_retenus: list[int] | set[int],
    montant: Decimal | None,
    motif: str,
) -> Proposition:
    """Crée la proposition d'avenant (objet « avenant ») et son projet. Lève
    PermissionDenied, ValidationError (erreurs par champ : collectifs, montant, motif) ou
    `decisions.ActionImpossible`."""
    motif = (motif or "").strip()
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("campagne__caf", "structure")
            .get(pk=dossier.pk)
        )
        agent = agent_de(auteur)
        if agent is None or agent.caf_id != dossier.campagne.caf_id or not agent.est_instructeur:
            raise PermissionDenied("Seul un instructeur de la Caf du dossier propose un avenant.")
        convention = (
            Convention.objects.select_for_update(of=("self",))
            .select_related("decision")
            .filter(dossier=dossier)
            .first()
        )
        obstacle = obstacle_avenant(dossier, convention)
        if obstacle:
            raise ActionImpossible(obstacle + " Rien n'a été enregistré.")
        assert convention is not None
        if Proposition.objects.filter(
            dossier=dossier, statut=StatutProposition.EN_ATTENTE
        ).exists():
            raise ActionImpossible(
                "Une proposition attend déjà d'être validée pour ce dossier : rien n'a été "
                "enregistré."
            )
        collectifs = _collectifs(dossier)
        connus = {c.pk for c in collectifs}
        retenus = {int(i) for i in collectifs_retenus} & connus
        erreurs: dict[str, str] = {}
        try:
            calcul = calculer_avenant(convention, collectifs, retenus)
        except ValueError as erreur:
            raise ActionImpossible(str(erreur)) from None
        avant = {
            c["collectif"].pk
            for c in collectifs_en_vigueur(entree_en_vigueur(convention), collectifs)
            if c["retenu"]
        }
        if montant is None:
            montant = calcul.montant_bareme
        if not retenus:
            erreurs["collectifs"] = "Retenez au moins un collectif."
        elif montant <= 0:
            erreurs["montant"] = (
                "Le nouveau montant doit être positif. Pour ne plus rien verser, la Caf "
                "régularise au bilan."
            )
        elif montant > calcul.montant_bareme:
            erreurs["montant"] = (
                f"Le nouveau montant ({formater_euros(montant)}) ne peut pas dépasser le "
                f"barème recalculé sur ces collectifs avec les paramètres de la décision "
                f"({formater_euros(calcul.montant_bareme)})."
            )
        elif retenus == avant and montant == convention.montant_maximal:
            erreurs["montant"] = (
                "L'avenant ne change rien : modifiez les collectifs retenus ou le montant "
                f"(aujourd'hui {formater_euros(convention.montant_maximal)})."
            )
        if not motif:
            erreurs["motif"] = "Expliquez le motif de l'avenant : il figure dans l'avenant."
        if erreurs:
            raise ValidationError(erreurs)
        try:
            with transaction.atomic():
                proposition = Proposition.objects.create(
                    dossier=dossier,
                    objet=ObjetProposition.AVENANT,
                    nature=NatureDecision.ACCORD,
                    montant=montant,
                    montant_bareme=calcul.montant_bareme,
                    texte=motif,
                    auteur=auteur,
                )
        except IntegrityError:  # la contrainte « une proposition en attente par dossier »
            raise ActionImpossible(
                "Une proposition attend déjà d'être validée pour ce dossier : rechargez la page."
            ) from None
        ProjetAvenant.objects.create(
            proposition=proposition,
            convention=convention,
            collectifs_retenus=sorted(retenus),
            entree_bareme=entree_vers_json(calcul.entree),
            resultat=resultat_vers_json(calcul.resultat),
        )
        Evenement.noter(
            dossier,
            TypeEvenement.PROPOSITION_AVENANT,
            (
                f"Proposition d'avenant : montant maximal de "
                f"{formater_euros(convention.montant_maximal)} à {formater_euros(montant)} "
                f"({len(retenus)} collectif(s) retenu(s)). Motif : {motif}"
            ),
            auteur=auteur,
            objet=proposition,
            apres=proposition.statut,
        )
    return proposition


def valider_avenant(
    proposition: Proposition, dossier: Dossier, valideur: Utilisateur, commentaire: str = ""
) -> Avenant:
    """Appelé par `decisions.valider`, dans sa transaction, proposition et dossier sous
    verrou et le valideur déjà vérifié (autre agent, valideur de la Caf)."""
    convention = (
        Convention.objects.select_for_update(of=("self",))
        .select_related("decision")
        .filter(dossier=dossier)
        .first()
    )
    obstacle = obstacle_avenant(dossier, convention)
    if obstacle:
        raise ActionImpossible(obstacle + " Renvoyez la proposition à l'instructeur.")
    assert convention is not None
    projet = ProjetAvenant.objects.filter(proposition=proposition).first()
    if projet is None or projet.convention_id != convention.pk:
        raise ActionImpossible("Cette proposition d'avenant est incomplète : renvoyez-la.")
    assert proposition.montant is not None
    montant_avant = convention.montant_maximal
    numero = (
        Avenant.objects.filter(convention=convention).aggregate(n=Max("numero"))["n"] or 0
    ) + 1
    avenant = Avenant.objects.create(
        convention=convention,
        proposition=proposition,
        numero=numero,
        montant_avant=montant_avant,
        montant_apres=proposition.montant,
        entree_bareme=projet.entree_bareme,
        resultat=projet.resultat,
        motif=proposition.texte,
        valide_par=valideur,
    )
    Convention.objects.filter(pk=convention.pk).update(montant_maximal=proposition.montant)
    traiter(
        proposition,
        "valider",
        valideur,
        commentaire,
        (
            f"Avenant n° {numero} à la convention : montant maximal porté de "
            f"{formater_euros(montant_avant)} à {formater_euros(proposition.montant)}. "
            f"Motif : {proposition.texte}"
        ),
    )
    transaction.on_commit(partial(_apres_avenant, avenant.pk), robust=True)
    return avenant


def _apres_avenant(avenant_id: int) -> None:
    avenant = Avenant.objects.get(pk=avenant_id)
    generer_pdf_avenant(avenant)
    envoyer_avenant(avenant)


def envoyer_avenant(avenant: Avenant) -> None:
    """À la structure (ses membres et son adresse) : l'avenant, avec son PDF joint."""
    from django.urls import reverse

    from clas.core.courriels import envoyer
    from clas.dossiers.courriels import destinataires_structure, url_absolue

    avenant = Avenant.objects.select_related(
        "convention__dossier__structure", "convention__dossier__campagne__caf"
    ).get(pk=avenant.pk)
    dossier = avenant.convention.dossier
    contexte = {
        **contexte_avenant(avenant),
        "url_dossier": url_absolue(reverse("dossier_detail", args=[dossier.pk])),
    }
    envoyer(
        "conventions/avenant/courriel",
        destinataires_structure(dossier),
        contexte,
        sujet=f"Avenant n° {avenant.numero} à votre convention Clas — {dossier.numero}",
        pieces=[(avenant.pdf, nom_pdf_avenant(avenant))],
    )


# --- Le PDF de l'avenant --------------------------------------------------------------------


def nom_pdf_avenant(avenant: Avenant) -> str:
    dossier = avenant.convention.dossier
    return f"avenant-{avenant.numero}-{dossier.numero or dossier.pk}.pdf"


def collectifs_du_resultat(resultat: dict[str, Any]) -> list[dict[str, Any]]:
    """Les collectifs du résultat gardé, montants en Decimal pour le filtre `euros`."""
    return [
        {
            "nom": c.get("nom", ""),
            "eligible": c.get("eligible", False),
            "montant": Decimal(str(c.get("montant", "0"))),
        }
        for c in (resultat or {}).get("collectifs", [])
    ]


def contexte_avenant(avenant: Avenant) -> dict[str, Any]:
    convention = avenant.convention
    dossier = convention.dossier
    return {
        "avenant": avenant,
        "convention": convention,
        "dossier": dossier,
        "structure": dossier.structure,
        "campagne": dossier.campagne,
        "caf": dossier.campagne.caf,
        "decision": convention.decision,
        "collectifs": collectifs_du_resultat(avenant.resultat),
        "montant_bareme": Decimal(str((avenant.resultat or {}).get("montant_total", "0"))),
    }


def generer_pdf_avenant(avenant: Avenant, *, remplacer: bool = False) -> bool:
    """Produit et enregistre le PDF s'il n'existe pas encore (idempotent)."""
    avenant = Avenant.objects.select_related(
        "convention__dossier__structure",
        "convention__dossier__campagne__caf",
        "convention__decision",
        "valide_par",
    ).get(pk=avenant.pk)
    return enregistrer_une_fois(
        avenant,
        "pdf",
        nom_pdf_avenant(avenant),
        "conventions/avenant/avenant_pdf.html",
        lambda: contexte_avenant(avenant),
        remplacer=remplacer,
    )


def inscrire_validation() -> None:
    """La validation d'une proposition d'avenant passe par `valider_avenant` (appelée par
    `clas.instruction.decisions.valider`, qui n'importe pas les conventions)."""
    from clas.instruction.decisions import VALIDATIONS_PAR_OBJET

    VALIDATIONS_PAR_OBJET[ObjetProposition.AVENANT] = valider_avenant
