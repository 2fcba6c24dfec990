"""Le calcul du barème tel qu'il était avant son passage en arithmétique entière (décembre
2026), en fractions : la référence à laquelle `tests/bareme/test_reference.py` compare le
calcul de la plateforme, résultat et explication compris. Ne pas modifier : c'est le témoin."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

from clas.bareme.argent import CENTIME, arrondir, formater_euros, formater_nombre
from clas.bareme.calcul import (
    CollectifEntree,
    Entree,
    Etape,
    MotifIneligibilite,
    ParametreUtilise,
    Resultat,
    ResultatCollectif,
)
from clas.bareme.parametres import LIBELLES_PARAMETRES, Parametres, texte_valeur

ZERO = Decimal("0.00")

_MONTANTS_ENUMERES_MAX = 12
_DECIMALES_AFFICHEES_MAX = 6


def calculer_reference(entree: Entree, parametres: Parametres) -> Resultat:
    """Calcule la prestation de service d'un projet et explique chaque étape."""
    _verifier(entree, parametres)
    nombre = len(entree.collectifs)
    # Fractions : aucun arrondi intermédiaire, seul le montant de chaque collectif est arrondi.
    prix_de_revient = Fraction(entree.depenses_totales) / nombre
    etapes = [
        Etape(
            code="nombre_collectifs",
            libelle="Nombre de collectifs déclarés",
            valeur=str(nombre),
            formule=f"{_compte(nombre, 'collectif')} déclaré{_s(nombre)}, éligible{_s(nombre)} "
            "ou non : tous comptent pour répartir les dépenses",
        ),
        Etape(
            code="prix_de_revient",
            libelle="Prix de revient par collectif",
            valeur=_valeur_montant(prix_de_revient),
            formule=f"{formater_euros(entree.depenses_totales)} ÷ {formater_nombre(nombre)} "
            f"= {_euros(prix_de_revient)}",
        ),
    ]
    resultats = []
    for index, collectif in enumerate(entree.collectifs):
        resultat, etapes_collectif = _calculer_collectif(
            index, collectif, prix_de_revient, parametres
        )
        resultats.append(resultat)
        etapes += etapes_collectif
    return _plafonner(entree, parametres, tuple(resultats), etapes)


def _verifier(entree: Entree, parametres: Parametres) -> None:
    if entree.annee_scolaire != parametres.annee_scolaire:
        raise ValueError(
            f"Les paramètres fournis sont ceux de {parametres.annee_scolaire}, "
            f"et non de l'année scolaire demandée ({entree.annee_scolaire})."
        )
    if not entree.collectifs:
        raise ValueError("Déclarez au moins un collectif.")
    for nom in ("depenses_totales", "cofinancements"):
        montant: Decimal = getattr(entree, nom)
        if not montant.is_finite() or montant < 0 or not _au_centime(Fraction(montant)):
            raise ValueError(
                f"« {nom} » doit être un montant positif ou nul, au centime ; {montant} reçu."
            )
    for collectif in entree.collectifs:
        nombres = (
            collectif.nb_enfants,
            collectif.nb_intervenants,
            collectif.semaines_de_fonctionnement,
        )
        if min(nombres) < 0:
            raise ValueError(f"Le collectif « {collectif.nom} » a un nombre négatif.")


def _calculer_collectif(
    index: int, collectif: CollectifEntree, prix_de_revient: Fraction, parametres: Parametres
) -> tuple[ResultatCollectif, list[Etape]]:
    motifs, etape_eligibilite = _eligibilite(index, collectif, parametres)
    if motifs:
        return _collectif_ineligible(collectif, motifs), [
            etape_eligibilite,
            _etape_montant_nul(index, collectif, motifs),
        ]
    p = parametres
    base = min(Fraction(p.taux) * prix_de_revient, Fraction(p.montant_max_collectif))
    bonus_culturel = Fraction(p.bonus_projets_culturels if collectif.bonus_projets_culturels else 0)
    bonus_parents = Fraction(
        p.bonus_accompagnement_parents if collectif.bonus_accompagnement_parents else 0
    )
    semaines = min(collectif.semaines_de_fonctionnement, p.semaines_reference)
    exact = (base + bonus_culturel + bonus_parents) * semaines / p.semaines_reference
    montant = arrondir(_decimal(exact))
    etapes = [
        etape_eligibilite,
        _etape_base(index, collectif, prix_de_revient, base, p),
        _etape_bonus(index, collectif, "bonus_projets_culturels", bonus_culturel, p),
        _etape_bonus(index, collectif, "bonus_accompagnement_parents", bonus_parents, p),
        _etape_semaines(index, collectif, semaines, p),
        _etape_montant(
            index,
            collectif,
            termes=(base, bonus_culturel, bonus_parents),
            semaines=semaines,
            exact=exact,
            montant=montant,
            p=p,
        ),
    ]
    resultat = ResultatCollectif(
        nom=collectif.nom,
        eligible=True,
        montant=montant,
        motifs_ineligibilite=(),
        base=_decimal(base),
        bonus=_decimal(bonus_culturel + bonus_parents),
        semaines_retenues=semaines,
    )
    return resultat, etapes


def _collectif_ineligible(
    collectif: CollectifEntree, motifs: tuple[MotifIneligibilite, ...]
) -> ResultatCollectif:
    return ResultatCollectif(
        nom=collectif.nom,
        eligible=False,
        montant=ZERO,
        motifs_ineligibilite=motifs,
        base=ZERO,
        bonus=ZERO,
        semaines_retenues=0,
    )


def _etape_montant_nul(
    index: int, collectif: CollectifEntree, motifs: tuple[MotifIneligibilite, ...]
) -> Etape:
    raisons = " ".join(motif.message for motif in motifs)
    return Etape(
        code="montant_collectif",
        libelle=f"Montant — {collectif.nom}",
        valeur=texte_valeur(ZERO),
        formule=f"Collectif non éligible → {formater_euros(ZERO)}. {raisons}",
        collectif=index,
    )


def _eligibilite(
    index: int, collectif: CollectifEntree, p: Parametres
) -> tuple[tuple[MotifIneligibilite, ...], Etape]:
    motifs: list[MotifIneligibilite] = []
    controles: list[str] = []
    noms_parametres = ["intervenants_min"]

    intervenants = collectif.nb_intervenants
    suffisant = intervenants >= p.intervenants_min
    controles.append(
        f"{_compte(intervenants, 'intervenant')} {'≥' if suffisant else '<'} {p.intervenants_min}"
    )
    if not suffisant:
        motifs.append(
            MotifIneligibilite(
                "intervenants_insuffisants",
                f"{_au_moins(p.intervenants_min, 'intervenant')} ; "
                f"{intervenants} déclaré{_s(intervenants)}.",
            )
        )

    derogatoire = collectif.milieu_rural or collectif.enfant_en_situation_de_handicap
    minimum = p.effectif_min_derogatoire if derogatoire else p.effectif_min
    noms_parametres += [
        "effectif_min_derogatoire" if derogatoire else "effectif_min",
        "effectif_max",
    ]
    enfants = collectif.nb_enfants
    texte_minimum = f"{minimum} (minimum dérogatoire)" if derogatoire else str(minimum)
    if enfants < minimum:
        controles.append(f"{_compte(enfants, 'enfant')} < {texte_minimum}")
        motifs.append(_motif_effectif_insuffisant(enfants, derogatoire, p))
        if not derogatoire:
            noms_parametres.append("effectif_min_derogatoire")
    elif enfants > p.effectif_max:
        controles.append(f"{_compte(enfants, 'enfant')} > {p.effectif_max}")
        motifs.append(
            MotifIneligibilite(
                "effectif_trop_eleve",
                f"Au plus {_compte(p.effectif_max, 'enfant')} par collectif ; "
                f"{enfants} déclaré{_s(enfants)}.",
            )
        )
    else:
        controles.append(f"{_compte(enfants, 'enfant')} entre {texte_minimum} et {p.effectif_max}")

    semaines = collectif.semaines_de_fonctionnement
    controles.append(f"{_compte(semaines, 'semaine')} {'≥' if semaines >= 1 else '<'} 1")
    if semaines < 1:
        motifs.append(
            MotifIneligibilite(
                "aucune_semaine",
                "Le collectif doit fonctionner au moins une semaine ; "
                f"{semaines} déclarée{_s(semaines)}.",
            )
        )

    if not collectif.retenu:
        controles.append("non retenu par la Caf")
        motifs.append(
            MotifIneligibilite(
                "non_retenu",
                "La Caf n'a pas retenu ce collectif (écarté à l'instruction, ou n'a pas "
                "fonctionné d'après le bilan).",
            )
        )

    conclusion = "non éligible" if motifs else "éligible"
    etape = Etape(
        code="eligibilite",
        libelle=f"Éligibilité — {collectif.nom}",
        valeur="false" if motifs else "true",
        formule=" ; ".join(controles) + f" → {conclusion}",
        collectif=index,
        parametres=_utilises(p, *noms_parametres),
    )
    return tuple(motifs), etape


def _motif_effectif_insuffisant(
    enfants: int, derogatoire: bool, p: Parametres
) -> MotifIneligibilite:
    declares = f"{enfants} déclaré{_s(enfants)}."
    if derogatoire:
        message = (
            f"{_au_moins(p.effectif_min_derogatoire, 'enfant')}, même en milieu rural ou avec "
            f"un enfant en situation de handicap ; {declares}"
        )
    else:
        message = (
            f"{_au_moins(p.effectif_min, 'enfant')} ({p.effectif_min_derogatoire} en milieu "
            f"rural ou avec un enfant en situation de handicap) ; {declares}"
        )
    return MotifIneligibilite("effectif_insuffisant", message)


def _etape_base(
    index: int,
    collectif: CollectifEntree,
    prix_de_revient: Fraction,
    base: Fraction,
    p: Parametres,
) -> Etape:
    return Etape(
        code="base",
        libelle=f"Base — {collectif.nom}",
        valeur=_valeur_montant(base),
        formule=f"min({formater_nombre(p.taux)} × {_euros(prix_de_revient)} ; "
        f"{formater_euros(p.montant_max_collectif)}) = {_euros(base)}",
        collectif=index,
        parametres=_utilises(p, "taux", "montant_max_collectif"),
    )


_BONUS = {
    "bonus_projets_culturels": ("Bonus projets culturels", "Projets culturels et éducatifs"),
    "bonus_accompagnement_parents": (
        "Bonus accompagnement des parents",
        "Accompagnement des parents",
    ),
}


def _etape_bonus(
    index: int, collectif: CollectifEntree, nom: str, montant: Fraction, p: Parametres
) -> Etape:
    libelle, action = _BONUS[nom]
    demande: bool = getattr(collectif, nom)
    return Etape(
        code=nom,
        libelle=f"{libelle} — {collectif.nom}",
        valeur=_valeur_montant(montant),
        formule=f"{action} : {'oui' if demande else 'non'} → + {_euros(montant)}",
        collectif=index,
        parametres=_utilises(p, nom) if demande else (),
    )


def _etape_semaines(index: int, collectif: CollectifEntree, semaines: int, p: Parametres) -> Etape:
    return Etape(
        code="semaines_retenues",
        libelle=f"Semaines retenues — {collectif.nom}",
        valeur=str(semaines),
        formule=f"min({collectif.semaines_de_fonctionnement} ; {p.semaines_reference}) "
        f"= {_compte(semaines, 'semaine')} retenue{_s(semaines)} sur {p.semaines_reference}",
        collectif=index,
        parametres=_utilises(p, "semaines_reference"),
    )


def _etape_montant(
    index: int,
    collectif: CollectifEntree,
    *,
    termes: tuple[Fraction, ...],
    semaines: int,
    exact: Fraction,
    montant: Decimal,
    p: Parametres,
) -> Etape:
    somme = " + ".join(_euros(terme) for terme in termes)
    formule = f"({somme}) × {semaines} ÷ {p.semaines_reference} = {_euros(exact)}"
    if not _au_centime(exact):
        formule += f", arrondi au centime : {formater_euros(montant)}"
    return Etape(
        code="montant_collectif",
        libelle=f"Montant — {collectif.nom}",
        valeur=texte_valeur(montant),
        formule=formule,
        collectif=index,
    )


def _plafonner(
    entree: Entree,
    parametres: Parametres,
    collectifs: tuple[ResultatCollectif, ...],
    etapes: list[Etape],
) -> Resultat:
    avant = sum((c.montant for c in collectifs), ZERO)
    plafond = max(entree.depenses_totales - entree.cofinancements, ZERO)
    total = min(avant, plafond)
    reduction = avant - total
    etapes += [
        _etape_somme(collectifs, avant),
        _etape_plafonnement(entree, avant, plafond, reduction),
        Etape(
            code="montant_total",
            libelle="Montant de la prestation de service Clas",
            valeur=texte_valeur(arrondir(total)),
            formule=f"min({formater_euros(avant)} ; {formater_euros(plafond)}) "
            f"= {formater_euros(total)}",
        ),
    ]
    return Resultat(
        annee_scolaire=entree.annee_scolaire,
        montant_total=arrondir(total),
        montant_avant_plafonnement=arrondir(avant),
        plafond_reste_a_charge=arrondir(plafond),
        plafonnement_reste_a_charge=reduction > 0,
        reduction_plafonnement=arrondir(reduction),
        collectifs=collectifs,
        explication=tuple(etapes),
        parametres=parametres,
    )


def _etape_somme(collectifs: tuple[ResultatCollectif, ...], avant: Decimal) -> Etape:
    if len(collectifs) <= _MONTANTS_ENUMERES_MAX:
        termes = " + ".join(formater_euros(c.montant) for c in collectifs)
    else:
        termes = f"Somme des montants des {len(collectifs)} collectifs"
    return Etape(
        code="montant_avant_plafonnement",
        libelle="Montant avant plafonnement",
        valeur=texte_valeur(arrondir(avant)),
        formule=f"{termes} = {formater_euros(avant)}",
    )


def _etape_plafonnement(
    entree: Entree, avant: Decimal, plafond: Decimal, reduction: Decimal
) -> Etape:
    calcul_plafond = (
        f"Plafond = max({formater_euros(entree.depenses_totales)} − "
        f"{formater_euros(entree.cofinancements)} ; 0) = {formater_euros(plafond)}"
    )
    if reduction > 0:
        conclusion = (
            f"{formater_euros(avant)} > {formater_euros(plafond)} → le plafond s'applique : "
            f"montant réduit de {formater_euros(reduction)}"
        )
    else:
        conclusion = (
            f"{formater_euros(avant)} ≤ {formater_euros(plafond)} → le plafond ne s'applique pas"
        )
    return Etape(
        code="plafonnement",
        libelle="Plafonnement au reste à charge (dépenses moins cofinancements)",
        valeur="true" if reduction > 0 else "false",
        formule=f"{calcul_plafond} ; {conclusion}",
    )


def _utilises(p: Parametres, *noms: str) -> tuple[ParametreUtilise, ...]:
    return tuple(
        ParametreUtilise(
            nom=nom,
            libelle=LIBELLES_PARAMETRES[nom],
            valeur=texte_valeur(p.valeur(nom)),
            source=p.source(nom),
        )
        for nom in noms
    )


def _decimal(valeur: Fraction) -> Decimal:
    """« 8000.00 » si la valeur tombe au centime, sinon ses décimales exactes (40 chiffres)."""
    if _au_centime(valeur):
        return Decimal(int(valeur / Fraction(CENTIME))) * CENTIME
    # Une seule division, en haute précision : un quotient non décimal ne peut pas tomber
    # pile sur un demi-centime, donc l'arrondi final reste celui de la valeur exacte.
    with localcontext() as contexte:
        contexte.prec = 40
        return Decimal(valeur.numerator) / Decimal(valeur.denominator)


def _au_centime(valeur: Fraction) -> bool:
    return (valeur / Fraction(CENTIME)).denominator == 1


def _valeur_montant(valeur: Fraction) -> str:
    return texte_valeur(_decimal(valeur))


def _euros(valeur: Fraction) -> str:
    """Affiche un montant exact ; « … » signale des décimales tronquées à l'affichage."""
    if _au_centime(valeur):
        return formater_euros(_decimal(valeur))
    entiere, _, decimales = format(_decimal(valeur), "f").partition(".")
    tronque = len(decimales.rstrip("0")) > _DECIMALES_AFFICHEES_MAX
    decimales = decimales.rstrip("0")[:_DECIMALES_AFFICHEES_MAX]
    nombre = formater_nombre(Decimal(f"{entiere}.{decimales}"))
    return f"{nombre}{'…' if tronque else ''}\u00a0€"


def _s(nombre: int) -> str:
    """Accord du pluriel : en français, 0 et 1 restent au singulier."""
    return "s" if nombre >= 2 else ""


def _compte(nombre: int, nom: str) -> str:
    return f"{formater_nombre(nombre)} {nom}{_s(nombre)}"


def _au_moins(minimum: int, nom: str) -> str:
    verbe = "sont requis" if _s(minimum) else "est requis"
    return f"Au moins {_compte(minimum, nom)} {verbe}"
