"""Le barème de la prestation de service Clas (CLAS.md §2.2), avec son explication pas à pas."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal
from functools import lru_cache

from clas.bareme.argent import CENTIME, arrondir, formater_euros, formater_nombre
from clas.bareme.parametres import LIBELLES_PARAMETRES, Parametres, texte_valeur

ZERO = Decimal("0.00")

# Un nombre rationnel exact (numérateur, dénominateur > 0), non forcément réduit : le calcul
# ne fait aucun arrondi intermédiaire, seul le montant de chaque collectif est arrondi.
# Des entiers plutôt que `fractions.Fraction` : le même calcul exact, dix fois plus vite
# (ni normalisation par le PGCD à chaque opération, ni répartition des types).
Rationnel = tuple[int, int]
_NUL: Rationnel = (0, 1)
# Les décimales d'une valeur qui ne tombe pas au centime : 40 chiffres significatifs.
_PRECISION_40 = Context(prec=40)
_ZERO_TEXTE = texte_valeur(ZERO)

# Au-delà, la somme avant plafonnement n'énumère plus chaque montant.
_MONTANTS_ENUMERES_MAX = 12
_DECIMALES_AFFICHEES_MAX = 6


@dataclass(frozen=True)
class CollectifEntree:
    nom: str
    nb_enfants: int
    nb_intervenants: int
    semaines_de_fonctionnement: int
    milieu_rural: bool = False
    enfant_en_situation_de_handicap: bool = False
    bonus_projets_culturels: bool = False
    bonus_accompagnement_parents: bool = False
    # Décision de l'instructeur : un collectif non retenu compte dans le prix de revient
    # (les dépenses ne se concentrent pas sur les autres) mais ne reçoit rien.
    retenu: bool = True


@dataclass(frozen=True)
class Entree:
    annee_scolaire: str
    depenses_totales: Decimal
    cofinancements: Decimal
    collectifs: tuple[CollectifEntree, ...]


@dataclass(frozen=True)
class MotifIneligibilite:
    code: str
    message: str


@dataclass(frozen=True)
class ParametreUtilise:
    nom: str
    libelle: str
    valeur: str
    source: str


@dataclass(frozen=True)
class Etape:
    code: str
    libelle: str
    valeur: str
    formule: str
    collectif: int | None = None
    parametres: tuple[ParametreUtilise, ...] = ()


@dataclass(frozen=True)
class ResultatCollectif:
    nom: str
    eligible: bool
    montant: Decimal
    motifs_ineligibilite: tuple[MotifIneligibilite, ...]
    # Valeurs exactes, non arrondies (0 pour un collectif non éligible).
    base: Decimal
    bonus: Decimal
    semaines_retenues: int


@dataclass(frozen=True)
class Resultat:
    annee_scolaire: str
    montant_total: Decimal
    montant_avant_plafonnement: Decimal
    plafond_reste_a_charge: Decimal
    plafonnement_reste_a_charge: bool
    reduction_plafonnement: Decimal
    collectifs: tuple[ResultatCollectif, ...]
    explication: tuple[Etape, ...]
    parametres: Parametres

    @property
    def parametres_utilises(self) -> tuple[ParametreUtilise, ...]:
        """Chaque paramètre cité par les étapes, une fois, dans l'ordre de sa première
        citation : la page les montre avec leur source dans un seul tableau, au lieu de
        répéter la source à chaque étape de chaque collectif."""
        vus: dict[str, ParametreUtilise] = {}
        for etape in self.explication:
            for parametre in etape.parametres:
                vus.setdefault(parametre.nom, parametre)
        return tuple(vus.values())


def calculer(entree: Entree, parametres: Parametres) -> Resultat:
    """Calcule la prestation de service d'un projet et explique chaque étape."""
    _verifier(entree, parametres)
    p = _prepares(parametres)
    base = _projet(entree.depenses_totales, len(entree.collectifs), p)
    etapes = list(base.etapes)
    resultats = []
    for index, collectif in enumerate(entree.collectifs):
        resultat, etapes_collectif = _calculer_collectif(index, collectif, base, p)
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
        if not montant.is_finite() or montant < 0 or not _au_centime(montant.as_integer_ratio()):
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


class _Prepares:
    """Ce qui ne dépend que des paramètres d'une année, calculé une fois : leurs valeurs en
    rationnels, leurs textes, les paramètres utilisés de chaque étape."""

    def __init__(self, p: Parametres) -> None:
        self.p = p
        self.taux: Rationnel = p.taux.as_integer_ratio()
        self.montant_max: Rationnel = p.montant_max_collectif.as_integer_ratio()
        self.texte_taux = formater_nombre(p.taux)
        self.texte_montant_max = formater_euros(p.montant_max_collectif)
        self._utilises: dict[tuple[str, ...], tuple[ParametreUtilise, ...]] = {}
        # Mises en cache, bornées : un lot répète les mêmes projets (dépenses, nombre de
        # collectifs), les mêmes collectifs (rang, nom, nombres, bonus) et les mêmes montants.
        # Les étapes sont immuables : partagées d'un résultat à l'autre, elles sont identiques
        # à celles qu'un nouveau calcul écrirait.
        self.projets: dict[tuple[int, int, int], _Base] = {}
        self.etapes: dict[tuple[object, ...], Etape] = {}
        self.montants: dict[tuple[object, ...], _Montant] = {}
        # Par collectif (rang, nom, ce qui décide son montant) : son résultat et ses étapes
        # après celle de l'éligibilité.
        self.collectifs: dict[tuple[object, ...], tuple[ResultatCollectif, tuple[Etape, ...]]] = {}
        self.eligibilites: dict[tuple[int, int, bool, int, bool], _Eligibilite] = {}
        self.bonus: dict[str, Rationnel] = {
            nom: getattr(p, nom).as_integer_ratio() for nom in _BONUS
        }
        self.etapes_bonus: dict[
            tuple[str, bool], tuple[str, str, tuple[ParametreUtilise, ...]]
        ] = {}
        for nom in _BONUS:
            for demande in (False, True):
                montant = self.bonus[nom] if demande else _NUL
                self.etapes_bonus[nom, demande] = (
                    _valeur_montant(montant),
                    _euros(montant),
                    self.utilises(nom) if demande else (),
                )

    def utilises(self, *noms: str) -> tuple[ParametreUtilise, ...]:
        utilises = self._utilises.get(noms)
        if utilises is None:
            utilises = self._utilises[noms] = _utilises(self.p, *noms)
        return utilises


# Les paramètres préparés des derniers `Parametres` vus (le même objet d'un projet à
# l'autre dans un lot) ; l'objet est gardé avec sa préparation, comparé par identité.
_PREPARATIONS: dict[int, _Prepares] = {}
_PREPARATIONS_MAX = 32


def _prepares(parametres: Parametres) -> _Prepares:
    prepares = _PREPARATIONS.get(id(parametres))
    if prepares is None or prepares.p is not parametres:
        if len(_PREPARATIONS) >= _PREPARATIONS_MAX:
            _PREPARATIONS.clear()
        prepares = _PREPARATIONS[id(parametres)] = _Prepares(parametres)
    return prepares


class _Base:
    """La base d'un collectif éligible du projet, avec l'étape qui l'explique, et les deux
    premières étapes du projet : ne dépendent que des dépenses et du nombre de collectifs."""

    def __init__(
        self, cle: tuple[int, int, int], valeur: Rationnel, euros: str, formule: str
    ) -> None:
        self.cle = cle
        self.valeur = valeur
        self.euros = euros
        self.formule = formule
        self.decimal = _decimal(valeur)
        self.valeur_texte = texte_valeur(self.decimal)
        self.etapes: tuple[Etape, ...] = ()


_CACHE_MAX = 8192


def _projet(depenses: Decimal, nombre: int, p: _Prepares) -> _Base:
    # Le ratio réduit : deux écritures d'un même montant (40000, 40000.00) donnent la même clé,
    # et les mêmes textes (ils sont arrondis au centime).
    numerateur, denominateur = depenses.as_integer_ratio()
    cle = (numerateur, denominateur, nombre)
    base = p.projets.get(cle)
    if base is None:
        if len(p.projets) >= _CACHE_MAX:
            p.projets.clear()
        base = p.projets[cle] = _preparer_projet(depenses, cle, p)
    return base


def _preparer_projet(depenses: Decimal, cle: tuple[int, int, int], p: _Prepares) -> _Base:
    numerateur, denominateur, nombre = cle
    prix_de_revient: Rationnel = (numerateur, denominateur * nombre)
    texte_prix = _euros(prix_de_revient)
    base = _base(cle, prix_de_revient, texte_prix, p)
    base.etapes = (
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
            formule=f"{formater_euros(depenses)} ÷ {formater_nombre(nombre)} = {texte_prix}",
        ),
    )
    return base


def _base(
    cle: tuple[int, int, int], prix_de_revient: Rationnel, texte_prix: str, p: _Prepares
) -> _Base:
    """min(taux × prix de revient ; montant maximal par collectif)."""
    (tn, td), (pn, pd), (mn, md) = p.taux, prix_de_revient, p.montant_max
    # Comparaison en produits croisés (dénominateurs positifs) ; à égalité, le produit.
    base = (tn * pn, td * pd) if tn * pn * md <= mn * td * pd else p.montant_max
    euros = _euros(base)
    formule = f"min({p.texte_taux} × {texte_prix} ; {p.texte_montant_max}) = {euros}"
    return _Base(cle, base, euros, formule)


def _etape_en_cache(p: _Prepares, cle: tuple[object, ...]) -> Etape | None:
    etape = p.etapes.get(cle)
    if etape is None and len(p.etapes) >= _CACHE_MAX:
        p.etapes.clear()
    return etape


def _calculer_collectif(
    index: int, collectif: CollectifEntree, base: _Base, p: _Prepares
) -> tuple[ResultatCollectif, list[Etape]]:
    controle, etape_eligibilite = _eligibilite(index, collectif, p)
    cle: tuple[object, ...]
    if controle.motifs:
        cle = ("non_eligible", index, collectif.nom, controle.cle)
    else:
        cle = (
            "eligible",
            index,
            collectif.nom,
            base.cle,
            collectif.bonus_projets_culturels,
            collectif.bonus_accompagnement_parents,
            collectif.semaines_de_fonctionnement,
        )
    connu = p.collectifs.get(cle)
    if connu is None:
        if len(p.collectifs) >= _CACHE_MAX:
            p.collectifs.clear()
        if controle.motifs:
            connu = (
                _collectif_ineligible(collectif, controle.motifs),
                (_etape_montant_nul(index, collectif, controle.formule_montant_nul),),
            )
        else:
            connu = _collectif_eligible(index, collectif, base, p)
        p.collectifs[cle] = connu
    resultat, etapes = connu
    return resultat, [etape_eligibilite, *etapes]


def _collectif_eligible(
    index: int, collectif: CollectifEntree, base: _Base, p: _Prepares
) -> tuple[ResultatCollectif, tuple[Etape, ...]]:
    culturel = collectif.bonus_projets_culturels
    parents = collectif.bonus_accompagnement_parents
    semaines = min(collectif.semaines_de_fonctionnement, p.p.semaines_reference)
    cle_montant = (base.cle, culturel, parents, semaines)
    calcul = p.montants.get(cle_montant)
    if calcul is None:
        if len(p.montants) >= _CACHE_MAX:
            p.montants.clear()
        calcul = p.montants[cle_montant] = _montant(base, culturel, parents, semaines, p)
    nom = collectif.nom
    cle_base = ("base", index, nom, base.cle)
    etape_base = _etape_en_cache(p, cle_base)
    if etape_base is None:
        etape_base = p.etapes[cle_base] = Etape(
            code="base",
            libelle=f"Base — {nom}",
            valeur=base.valeur_texte,
            formule=base.formule,
            collectif=index,
            parametres=p.utilises("taux", "montant_max_collectif"),
        )
    cle_montant_etape = ("montant", index, nom, *cle_montant)
    etape_montant = _etape_en_cache(p, cle_montant_etape)
    if etape_montant is None:
        etape_montant = p.etapes[cle_montant_etape] = Etape(
            code="montant_collectif",
            libelle=f"Montant — {nom}",
            valeur=calcul.valeur_texte,
            formule=calcul.formule,
            collectif=index,
        )
    etapes = (
        etape_base,
        _etape_bonus(index, collectif, "bonus_projets_culturels", culturel, p),
        _etape_bonus(index, collectif, "bonus_accompagnement_parents", parents, p),
        _etape_semaines(index, collectif, semaines, p),
        etape_montant,
    )
    resultat = ResultatCollectif(
        nom=nom,
        eligible=True,
        montant=calcul.montant,
        motifs_ineligibilite=(),
        base=base.decimal,
        bonus=calcul.bonus,
        semaines_retenues=semaines,
    )
    return resultat, etapes


class _Montant:
    """Le montant d'un collectif éligible et sa formule : ne dépendent que de la base du
    projet, des bonus demandés et des semaines retenues."""

    def __init__(self, montant: Decimal, bonus: Decimal, formule: str) -> None:
        self.montant = montant
        self.bonus = bonus
        self.formule = formule
        self.valeur_texte = texte_valeur(montant)


def _montant(base: _Base, culturel: bool, parents: bool, semaines: int, p: _Prepares) -> _Montant:
    bonus_culturel = p.bonus["bonus_projets_culturels"] if culturel else _NUL
    bonus_parents = p.bonus["bonus_accompagnement_parents"] if parents else _NUL
    reference = p.p.semaines_reference
    (bn, bd), (cn, cd), (an, ad) = base.valeur, bonus_culturel, bonus_parents
    bonus: Rationnel = (cn * ad + an * cd, cd * ad)
    somme = (bn * bonus[1] + bonus[0] * bd, bd * bonus[1])
    exact: Rationnel = (somme[0] * semaines, somme[1] * reference)
    montant = arrondir(_decimal(exact))
    formule = _formule_montant(
        termes=(
            base.euros,
            p.etapes_bonus["bonus_projets_culturels", culturel][1],
            p.etapes_bonus["bonus_accompagnement_parents", parents][1],
        ),
        semaines=semaines,
        exact=exact,
        montant=montant,
        p=p.p,
    )
    return _Montant(montant, _decimal(bonus), formule)


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


def _etape_montant_nul(index: int, collectif: CollectifEntree, formule: str) -> Etape:
    return Etape(
        code="montant_collectif",
        libelle=f"Montant — {collectif.nom}",
        valeur=_ZERO_TEXTE,
        formule=formule,
        collectif=index,
    )


def _formule_montant_nul(motifs: tuple[MotifIneligibilite, ...]) -> str:
    raisons = " ".join(motif.message for motif in motifs)
    return f"Collectif non éligible → {formater_euros(ZERO)}. {raisons}"


@dataclass(frozen=True)
class _Eligibilite:
    """Le contrôle d'éligibilité d'un collectif, qui ne dépend que de ses nombres, de ses
    critères dérogatoires et de la décision de la Caf : calculé une fois par combinaison."""

    cle: tuple[int, int, bool, int, bool]
    motifs: tuple[MotifIneligibilite, ...]
    formule: str
    parametres: tuple[ParametreUtilise, ...]
    formule_montant_nul: str


def _eligibilite(
    index: int, collectif: CollectifEntree, prepares: _Prepares
) -> tuple[_Eligibilite, Etape]:
    derogatoire = collectif.milieu_rural or collectif.enfant_en_situation_de_handicap
    cle = (
        collectif.nb_intervenants,
        collectif.nb_enfants,
        derogatoire,
        collectif.semaines_de_fonctionnement,
        collectif.retenu,
    )
    controle = prepares.eligibilites.get(cle)
    if controle is None:
        if len(prepares.eligibilites) >= _ELIGIBILITES_MAX:
            prepares.eligibilites.clear()
        controle = prepares.eligibilites[cle] = _controler(*cle, prepares)
    cle_etape = ("eligibilite", index, collectif.nom, *cle)
    etape = _etape_en_cache(prepares, cle_etape)
    if etape is None:
        etape = prepares.etapes[cle_etape] = Etape(
            code="eligibilite",
            libelle=f"Éligibilité — {collectif.nom}",
            valeur="false" if controle.motifs else "true",
            formule=controle.formule,
            collectif=index,
            parametres=controle.parametres,
        )
    return controle, etape


_ELIGIBILITES_MAX = 4096


def _controler(
    intervenants: int,
    enfants: int,
    derogatoire: bool,
    semaines: int,
    retenu: bool,
    prepares: _Prepares,
) -> _Eligibilite:
    p = prepares.p
    motifs: list[MotifIneligibilite] = []
    controles: list[str] = []
    noms_parametres = ["intervenants_min"]

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

    minimum = p.effectif_min_derogatoire if derogatoire else p.effectif_min
    noms_parametres += [
        "effectif_min_derogatoire" if derogatoire else "effectif_min",
        "effectif_max",
    ]
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

    controles.append(f"{_compte(semaines, 'semaine')} {'≥' if semaines >= 1 else '<'} 1")
    if semaines < 1:
        motifs.append(
            MotifIneligibilite(
                "aucune_semaine",
                "Le collectif doit fonctionner au moins une semaine ; "
                f"{semaines} déclarée{_s(semaines)}.",
            )
        )

    if not retenu:
        controles.append("non retenu par la Caf")
        motifs.append(
            MotifIneligibilite(
                "non_retenu",
                "La Caf n'a pas retenu ce collectif (écarté à l'instruction, ou n'a pas "
                "fonctionné d'après le bilan).",
            )
        )

    conclusion = "non éligible" if motifs else "éligible"
    return _Eligibilite(
        cle=(intervenants, enfants, derogatoire, semaines, retenu),
        motifs=tuple(motifs),
        formule=" ; ".join(controles) + f" → {conclusion}",
        parametres=prepares.utilises(*noms_parametres),
        formule_montant_nul=_formule_montant_nul(tuple(motifs)) if motifs else "",
    )


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


_BONUS = {
    "bonus_projets_culturels": ("Bonus projets culturels", "Projets culturels et éducatifs"),
    "bonus_accompagnement_parents": (
        "Bonus accompagnement des parents",
        "Accompagnement des parents",
    ),
}


def _etape_bonus(
    index: int, collectif: CollectifEntree, nom: str, demande: bool, p: _Prepares
) -> Etape:
    cle = (nom, index, collectif.nom, demande)
    etape = _etape_en_cache(p, cle)
    if etape is None:
        libelle, action = _BONUS[nom]
        valeur, euros, parametres = p.etapes_bonus[nom, demande]
        etape = p.etapes[cle] = Etape(
            code=nom,
            libelle=f"{libelle} — {collectif.nom}",
            valeur=valeur,
            formule=f"{action} : {'oui' if demande else 'non'} → + {euros}",
            collectif=index,
            parametres=parametres,
        )
    return etape


def _etape_semaines(
    index: int, collectif: CollectifEntree, semaines: int, prepares: _Prepares
) -> Etape:
    # Les semaines retenues se déduisent des semaines de fonctionnement.
    cle = ("semaines", index, collectif.nom, collectif.semaines_de_fonctionnement)
    etape = _etape_en_cache(prepares, cle)
    if etape is None:
        p = prepares.p
        etape = prepares.etapes[cle] = Etape(
            code="semaines_retenues",
            libelle=f"Semaines retenues — {collectif.nom}",
            valeur=str(semaines),
            formule=f"min({collectif.semaines_de_fonctionnement} ; {p.semaines_reference}) "
            f"= {_compte(semaines, 'semaine')} retenue{_s(semaines)} sur {p.semaines_reference}",
            collectif=index,
            parametres=prepares.utilises("semaines_reference"),
        )
    return etape


def _formule_montant(
    *,
    termes: tuple[str, ...],
    semaines: int,
    exact: Rationnel,
    montant: Decimal,
    p: Parametres,
) -> str:
    somme = " + ".join(termes)
    formule = f"({somme}) × {semaines} ÷ {p.semaines_reference} = {_euros(exact)}"
    if not _au_centime(exact):
        formule += f", arrondi au centime : {formater_euros(montant)}"
    return formule


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
    textes = _Textes(avant, plafond, total, reduction)
    etapes += [
        _etape_somme(collectifs, avant, textes.avant),
        _etape_plafonnement(entree, textes, reduction > 0),
        Etape(
            code="montant_total",
            libelle="Montant de la prestation de service Clas",
            valeur=texte_valeur(arrondir(total)),
            formule=f"min({textes.avant} ; {textes.plafond}) = {textes.total}",
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


# Le texte d'un montant ne dépend que de sa valeur (il est arrondi au centime) : un lot écrit
# mille fois les mêmes, écrits une fois. Les montants du calcul sont finis (`_verifier`).
_texte_euros = lru_cache(maxsize=16384)(formater_euros)


class _Textes:
    """Les montants du plafonnement, écrits une fois pour les trois étapes qui les citent."""

    def __init__(self, avant: Decimal, plafond: Decimal, total: Decimal, reduction: Decimal):
        self.avant = _texte_euros(avant)
        self.plafond = _texte_euros(plafond)
        self.total = _texte_euros(total)
        self.reduction = _texte_euros(reduction)


def _etape_somme(collectifs: tuple[ResultatCollectif, ...], avant: Decimal, texte: str) -> Etape:
    if len(collectifs) <= _MONTANTS_ENUMERES_MAX:
        termes = " + ".join([_texte_euros(c.montant) for c in collectifs])
    else:
        termes = f"Somme des montants des {len(collectifs)} collectifs"
    return Etape(
        code="montant_avant_plafonnement",
        libelle="Montant avant plafonnement",
        valeur=texte_valeur(arrondir(avant)),
        formule=f"{termes} = {texte}",
    )


def _etape_plafonnement(entree: Entree, textes: _Textes, plafonne: bool) -> Etape:
    calcul_plafond = (
        f"Plafond = max({_texte_euros(entree.depenses_totales)} − "
        f"{_texte_euros(entree.cofinancements)} ; 0) = {textes.plafond}"
    )
    if plafonne:
        conclusion = (
            f"{textes.avant} > {textes.plafond} → le plafond s'applique : "
            f"montant réduit de {textes.reduction}"
        )
    else:
        conclusion = f"{textes.avant} ≤ {textes.plafond} → le plafond ne s'applique pas"
    return Etape(
        code="plafonnement",
        libelle="Plafonnement au reste à charge (dépenses moins cofinancements)",
        valeur="true" if plafonne else "false",
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


def _decimal(valeur: Rationnel) -> Decimal:
    """« 8000.00 » si la valeur tombe au centime, sinon ses décimales exactes (40 chiffres)."""
    numerateur, denominateur = valeur
    if numerateur * 100 % denominateur == 0:
        return Decimal(numerateur * 100 // denominateur) * CENTIME
    # Une seule division, en haute précision : un quotient non décimal ne peut pas tomber
    # pile sur un demi-centime, donc l'arrondi final reste celui de la valeur exacte. Le
    # quotient arrondi ne dépend que de la valeur : réduite ou non, la fraction donne le
    # même Decimal.
    return _PRECISION_40.divide(Decimal(numerateur), Decimal(denominateur))


def _au_centime(valeur: Rationnel) -> bool:
    return valeur[0] * 100 % valeur[1] == 0


def _valeur_montant(valeur: Rationnel) -> str:
    return texte_valeur(_decimal(valeur))


def _euros(valeur: Rationnel) -> str:
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


@lru_cache(maxsize=4096)
def _compte(nombre: int, nom: str) -> str:
    return f"{formater_nombre(nombre)} {nom}{_s(nombre)}"


def _au_moins(minimum: int, nom: str) -> str:
    verbe = "sont requis" if _s(minimum) else "est requis"
    return f"Au moins {_compte(minimum, nom)} {verbe}"
