"""Les sections de la convention et des avenants sur les pages du dossier (inscrites par
`ConventionsConfig.ready`, voir `clas.core.sections`). Aucune requête tant que le dossier
n'est pas accepté."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from clas.core.sections import lu_une_fois, lus_une_fois
from clas.dossiers.models import Dossier, EtatDossier
from clas.instruction.models import Decision, ObjetProposition, Proposition, StatutProposition

from .avenants import collectifs_du_resultat, obstacle_avenant
from .models import Avenant, Convention, ProjetAvenant
from .permissions import capacites_avenant, peut_signer

ETATS_APRES_ACCORD = (EtatDossier.ACCEPTE, EtatDossier.CLOTURE)
# Ce que les sections ne montrent pas de la décision (l'entrée et les paramètres figés, que
# lisent la lettre et l'API) : pas lu avec la convention.
DECISION_NON_LUE = ("decision__entree_bareme", "decision__parametres")


def convention_du_dossier(dossier: Dossier) -> Convention | None:
    """La convention d'un dossier accepté (ou clôturé), lue une seule fois par page avec ce
    que les sections en montrent (signataire, décision, qui l'a proposée et validée) : la
    relation inverse la garde sur l'objet dossier, que la page passe à chaque section
    (convention, avenants, versements, bilan, régularisation)."""
    if dossier.etat not in ETATS_APRES_ACCORD:
        return None
    return cast(
        Convention | None,
        lu_une_fois(dossier, Dossier.convention, lambda: _lire_convention(dossier)),
    )


def _lire_convention(dossier: Dossier) -> Convention | None:
    # La décision déjà lue par la page (côté Caf) n'est pas relue : son explication figée
    # pèse 80 Ko pour 30 collectifs.
    decision = cast(
        Decision | None, Dossier.decision.related.get_cached_value(dossier, default=None)
    )
    relations = ["signee_par"]
    if decision is None:
        relations += ["decision__instructeur", "decision__valideur"]
    convention = (
        Convention.objects.select_related(*relations)
        .defer(*DECISION_NON_LUE if decision is None else ())
        .filter(dossier_id=dossier.pk)
        .first()
    )
    if convention is not None:
        if decision is not None and decision.pk == convention.decision_id:
            convention.decision = decision
        convention.dossier = dossier
    return convention


def avenants_de(convention: Convention) -> list[Avenant]:
    """Les avenants de la convention, lus une fois par page : les sections de la convention
    et de la régularisation les partagent."""
    return lus_une_fois(
        convention,
        "avenants",
        Avenant.objects.select_related("valide_par", "proposition__auteur").order_by("numero"),
    )


def convention_structure(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """La convention et si la personne connectée peut la signer."""
    convention = convention_du_dossier(dossier)
    if convention is None:
        return None
    return {
        "convention": convention,
        "peut_signer": (
            not convention.est_signee
            and utilisateur is not None
            and peut_signer(dossier, utilisateur)
        ),
    }


def convention_caf(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Côté Caf : la convention, qui l'a signée, quand et depuis où."""
    convention = convention_du_dossier(dossier)
    return {"convention": convention} if convention is not None else None


def avenants_caf(
    dossier: Dossier, utilisateur: Any, page: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Côté Caf : la décision d'origine, les avenants, l'avenant en attente et ce que
    l'agent peut faire (proposer, valider ou renvoyer)."""
    convention = convention_du_dossier(dossier)
    if convention is None:
        return None
    # La page du dossier côté Caf a déjà lu la proposition en attente.
    if "proposition_en_attente" in page:
        en_attente = page["proposition_en_attente"]
    else:
        en_attente = (
            Proposition.objects.filter(dossier_id=dossier.pk, statut=StatutProposition.EN_ATTENTE)
            .select_related("auteur")
            .first()
        )
    avenants = avenants_de(convention)
    projet = None
    collectifs_projet: list[dict[str, Any]] = []
    if en_attente is not None and en_attente.objet == ObjetProposition.AVENANT:
        projet = ProjetAvenant.objects.filter(proposition=en_attente).first()
        if projet is not None:
            collectifs_projet = collectifs_du_resultat(projet.resultat)
    capacites = (
        capacites_avenant(dossier, utilisateur, convention, en_attente)
        if utilisateur is not None and utilisateur.is_authenticated
        else {"proposer": False, "valider": False}
    )
    montant_total = (convention.decision.resultat or {}).get("montant_total")
    return {
        "convention": convention,
        "decision": convention.decision,
        "bareme_decision": Decimal(str(montant_total)) if montant_total is not None else None,
        "avenants": avenants,
        "en_attente": en_attente if projet is not None else None,
        "projet": projet,
        "collectifs_projet": collectifs_projet,
        "obstacle": obstacle_avenant(dossier, convention),
        "capacites": capacites,
    }
