"""Démonstration de l'après-décision (commande charger_demo) : des dossiers du Rhône à
chaque étape de l'argent — acompte validé en attente d'un lot, acompte payé, bilan déposé,
solde à valider, solde payé et dossier clôturé, indu ouvert avec un remboursement partiel.

Tout passe par les actions de l'application (signer, valider, créer le lot, le marquer
payé, déposer et accepter le bilan, enregistrer un remboursement). Idempotent : chaque
étape regarde où en est le dossier avant d'agir.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clas.bilans import actions as bilans
from clas.bilans.models import Bilan, EtatBilan, Indu
from clas.campagnes.models import Campagne
from clas.comptes.models import Utilisateur
from clas.conventions import actions as conventions
from clas.conventions.models import Convention
from clas.core.validators import iban_fr, siret_valide_depuis
from clas.dossiers.models import Dossier, LigneBudget
from clas.referentiel.models import Caf
from clas.structures.models import Structure
from clas.versements import actions as paiements
from clas.versements import compte_caf
from clas.versements.models import EtatVersement, NatureVersement, Versement

from .chronologie import Horloge
from .donnees import (
    collectif,
    deposer_le,
    dossier,
    dossier_depose,
    pieces,
    structure_avec_equipe,
)

# (début de SIRET, nom, type, commune, code postal, département, adresse de l'équipe)
STRUCTURES_VERSEMENTS = [
    (
        "5320114560011",
        "Maison de quartier des Minguettes",
        "centre_social",
        "Vénissieux",
        "69200",
        "69",
        "minguettes",
    ),
    (
        "5320114560012",
        "Association Coup de pouce Oullins",
        "association",
        "Oullins",
        "69600",
        "69",
        "coupdepouce",
    ),
    (
        "5320114560013",
        "Centre social de Rillieux",
        "centre_social",
        "Rillieux-la-Pape",
        "69140",
        "69",
        "cs.rillieux",
    ),
    (
        "5320114560014",
        "Association Passerelles",
        "association",
        "Décines-Charpieu",
        "69150",
        "69",
        "passerelles",
    ),
    (
        "5320114560015",
        "Association Savoirs partagés",
        "association",
        "Saint-Priest",
        "69800",
        "69",
        "savoirs",
    ),
    ("5320114560016", "Commune de Meyzieu", "collectivite", "Meyzieu", "69330", "69", "meyzieu"),
]

COMPTE_RHONE = {
    "titulaire": "Caf du Rhône — Action sociale",
    "iban": iban_fr("300060000198765432109"),
    "bic": "AGRIFRPP",
}


def charger_versements(
    horloge: Horloge, comptes: dict[str, Utilisateur], mot_de_passe: str
) -> None:
    """Joué dans l'ordre du calendrier : l'an dernier (acomptes à l'automne, bilans après
    la fin de l'année), puis l'année en cours ; les lots se suivent donc dans l'ordre."""
    instructeur = comptes["instructeur@demo.clas.fr"]
    valideur = comptes["valideur@demo.clas.fr"]
    comptable = comptes["comptable@demo.clas.fr"]
    rhone = Caf.objects.get(departement="69")
    if not rhone.a_un_compte:
        # Quatre yeux : le valideur propose le compte, la comptable l'approuve.
        with horloge.a(horloge.an_passe(4, 15)):
            changement = compte_caf.proposer_compte_caf(
                rhone,
                valideur,
                COMPTE_RHONE["titulaire"],
                COMPTE_RHONE["iban"],
                COMPTE_RHONE["bic"],
            )
            assert changement is not None
            compte_caf.approuver_compte_caf(changement, comptable)
        rhone.refresh_from_db()
    annee, precedente = horloge.annee, horloge.precedente
    en_cours = Campagne.objects.get(caf=rhone, annee_scolaire=annee)
    passee = Campagne.objects.get(caf=rhone, annee_scolaire=precedente)
    equipes = [
        structure_avec_equipe(horloge, rang, ligne, mot_de_passe)
        for rang, ligne in enumerate(STRUCTURES_VERSEMENTS, start=20)
    ]
    (
        (minguettes, p_minguettes),
        (coupdepouce, p_coupdepouce),
        (rillieux, p_rillieux),
        (passerelles, p_passerelles),
        (savoirs, p_savoirs),
        (meyzieu, p_meyzieu),
    ) = equipes
    agents = (instructeur, valideur)

    # L'an dernier : déposés en juillet, conventions signées et acomptes payés à l'automne.
    an_passe = horloge.an_passe
    automne = Etapes(
        prise=an_passe(9, 9, 9),
        proposition=an_passe(9, 16, 11),
        validation=an_passe(9, 23, 10),
        signature=an_passe(9, 30, 18),
        acompte=an_passe(10, 7, 10),
    )
    rillieux_d, passerelles_d, savoirs_d, meyzieu_d = (
        dossier_de_l_an_dernier(
            horloge, structure, passee, porteur, titre, precedente, enfants, depot
        )
        for structure, porteur, titre, enfants, depot in (
            (rillieux, p_rillieux, "Clas de Rillieux", (10, 11), 4),
            (passerelles, p_passerelles, "Passerelles vers la réussite", (9, 10), 8),
            (savoirs, p_savoirs, "Savoirs partagés", (10, 8), 10),
            (meyzieu, p_meyzieu, "Réussir à Meyzieu", (12, 10, 9), 15),
        )
    )
    for d, porteur in (
        (rillieux_d, p_rillieux),
        (passerelles_d, p_passerelles),
        (savoirs_d, p_savoirs),
        (meyzieu_d, p_meyzieu),
    ):
        convention_signee(horloge, automne, d, agents, porteur, mot_de_passe)
        valider_acompte(horloge, automne.acompte, d, valideur)
    # Le centre social des Pentes, accepté à l'automne (charger_instruction), a signé sa
    # convention et reçu son acompte avec les autres ; son bilan reste à déposer.
    pentes = Dossier.objects.filter(
        structure__siret=siret_valide_depuis("3120456780001"), campagne=passee, etat="accepte"
    ).first()
    if pentes is not None:
        convention_signee(
            horloge, automne, pentes, agents, comptes["porteur@demo.clas.fr"], mot_de_passe
        )
        valider_acompte(horloge, automne.acompte, pentes, valideur)
    payer_les_valides(
        horloge,
        an_passe(10, 14, 9),
        rhone,
        comptable,
        [rillieux_d, passerelles_d, savoirs_d, meyzieu_d],
    )

    # Après la fin de l'année, les bilans : déposés avant la date limite, examinés depuis.
    depots = horloge.depots_des_bilans()
    examen = horloge.examen_des_bilans()
    # Rillieux : bilan déposé, un collectif de moins que prévu, à examiner.
    bilan_depose(horloge, horloge.entre(*depots, 0.7), rillieux_d, p_rillieux, 1)
    # Passerelles : tout s'est passé comme prévu ; solde validé et payé, dossier clôturé.
    bilan_depose(horloge, horloge.entre(*depots, 0.4), passerelles_d, p_passerelles)
    bilan_accepte(horloge, horloge.entre(*examen, 0.1), passerelles_d, instructeur)
    valider_solde(horloge, horloge.entre(*examen, 0.2), passerelles_d, valideur)
    payer_les_valides(horloge, horloge.entre(*examen, 0.25), rhone, comptable, [passerelles_d])
    # Meyzieu : bilan accepté, semaines un peu moins nombreuses : le solde attend le valideur.
    bilan_depose(horloge, horloge.entre(*depots, 0.5), meyzieu_d, p_meyzieu, semaines=34)
    bilan_accepte(horloge, horloge.entre(*examen, 0.3), meyzieu_d, instructeur)
    # Savoirs partagés : un collectif n'a pas fonctionné ; l'acompte dépasse le montant
    # définitif : indu notifié, un premier remboursement reçu.
    bilan_depose(horloge, horloge.entre(*depots, 0.6), savoirs_d, p_savoirs, 1)
    bilan_accepte(horloge, horloge.entre(*examen, 0.4), savoirs_d, instructeur)
    rembourser_en_partie(horloge, horloge.entre(*examen, 0.8), savoirs_d, comptable)

    # Cette année : l'acompte des Minguettes est payé (lot marqué payé) ; celui de Coup de
    # pouce est validé et attend le prochain lot du comptable.
    minguettes_d = dossier_depose(
        horloge,
        (40, 31),
        minguettes,
        en_cours,
        p_minguettes,
        "Devoirs aux Minguettes",
        annee,
        (10, 9, 8),
    )
    convention_signee(
        horloge,
        Etapes(
            prise=horloge.il_y_a(27, 9),
            proposition=horloge.il_y_a(21, 11),
            validation=horloge.il_y_a(17, 10),
            signature=horloge.il_y_a(13, 18),
            acompte=horloge.il_y_a(10, 10),
        ),
        minguettes_d,
        agents,
        p_minguettes,
        mot_de_passe,
    )
    valider_acompte(horloge, horloge.il_y_a(10, 10), minguettes_d, valideur)
    payer_les_valides(horloge, horloge.il_y_a(8, 9), rhone, comptable, [minguettes_d])
    coupdepouce_d = dossier_depose(
        horloge,
        (39, 30),
        coupdepouce,
        en_cours,
        p_coupdepouce,
        "Coup de pouce Oullins",
        annee,
        (10, 10),
    )
    convention_signee(
        horloge,
        Etapes(
            prise=horloge.il_y_a(26, 9),
            proposition=horloge.il_y_a(20, 11),
            validation=horloge.il_y_a(16, 10),
            signature=horloge.il_y_a(12, 18),
            acompte=horloge.il_y_a(3, 10),
        ),
        coupdepouce_d,
        agents,
        p_coupdepouce,
        mot_de_passe,
    )
    valider_acompte(horloge, horloge.il_y_a(3, 10), coupdepouce_d, valideur)


@dataclass(frozen=True)
class Etapes:
    """Les jours de l'instruction d'un dossier jusqu'à son acompte."""

    prise: dt.datetime
    proposition: dt.datetime
    validation: dt.datetime
    signature: dt.datetime
    acompte: dt.datetime


def dossier_de_l_an_dernier(
    horloge: Horloge,
    structure: Structure,
    campagne_: Campagne,
    porteur: Utilisateur,
    titre: str,
    annee: str,
    enfants: tuple[int, ...],
    jour_de_juillet: int,
) -> Dossier:
    """Créé en mai, déposé en juillet pendant la campagne de l'an dernier (close depuis)."""
    collectifs = [
        collectif(annee, f"Groupe {rang + 1}", ["CE2", "CM1", "CM2"], nombre)
        for rang, nombre in enumerate(enfants)
    ]
    debut = int(annee[:4])
    d = dossier(
        horloge,
        horloge.le(dt.date(debut, 5, 10 + jour_de_juillet), 14),
        structure,
        campagne_,
        porteur,
        titre,
        collectifs,
        Decimal(8000 * len(enfants)),
        Decimal(3000 * len(enfants)),
        Decimal(2563 * len(enfants)),
        pieces(horloge, structure, porteur, assurance_expiree=False)[0:4],
    )
    deposer_le(horloge, d, porteur, horloge.le(dt.date(debut, 7, jour_de_juillet), 9, 45))
    return d


def convention_signee(
    horloge: Horloge,
    etapes: Etapes,
    d: Dossier,
    agents: tuple[Utilisateur, Utilisateur],
    porteur: Utilisateur,
    mot_de_passe: str,
) -> Convention:
    """Pris en instruction, accordé au montant du barème, validé par un second agent, puis
    la convention signée par le porteur."""
    from clas.instruction import actions as instruction
    from clas.instruction import decisions
    from clas.instruction.models import Decision, Proposition

    instructeur, valideur = agents
    d.refresh_from_db()
    if d.etat == "depose":
        with horloge.a(etapes.prise):
            instruction.prendre(d, instructeur)
        d.refresh_from_db()
    if d.etat == "en_instruction":
        if not d.propositions.filter(statut="en_attente").exists():
            with horloge.a(etapes.proposition):
                decisions.proposer(d, instructeur, "accord")
        with horloge.a(etapes.validation):
            decisions.valider(
                Proposition.objects.get(dossier=d, statut="en_attente"), valideur, "Conforme."
            )
            # Dans la transaction de la démo, les suites de la décision n'ont pas encore
            # tourné : la convention est établie ici, le jour de la décision.
            conventions.etablir_convention(Decision.objects.get(dossier=d))
    convention = conventions.etablir_convention(Decision.objects.get(dossier=d))
    assert convention is not None
    if not convention.est_signee:
        with horloge.a(etapes.signature):
            conventions.signer(convention, porteur, mot_de_passe, "192.0.2.10", "Démonstration")
        convention.refresh_from_db()
    return convention


def valider_acompte(
    horloge: Horloge, moment: dt.datetime, d: Dossier, valideur: Utilisateur
) -> None:
    with horloge.a(moment):
        paiements.valider_versements(
            Versement.objects.filter(
                convention__dossier=d,
                nature=NatureVersement.ACOMPTE,
                etat=EtatVersement.A_VALIDER,
            ),
            valideur,
        )


def valider_solde(horloge: Horloge, moment: dt.datetime, d: Dossier, valideur: Utilisateur) -> None:
    with horloge.a(moment):
        paiements.valider_versements(
            Versement.objects.filter(
                convention__dossier=d, nature=NatureVersement.SOLDE, etat=EtatVersement.A_VALIDER
            ),
            valideur,
        )


def payer_les_valides(
    horloge: Horloge,
    moment: dt.datetime,
    caf: Caf,
    comptable: Utilisateur,
    dossiers: list[Dossier],
) -> None:
    """Un lot des versements validés, exécuté deux jours plus tard et marqué payé à
    réception du relevé — seulement si l'un de ces dossiers attend encore le sien (une
    seconde démo ne paie rien de plus)."""
    if not Versement.objects.filter(
        convention__dossier__in=dossiers, etat=EtatVersement.VALIDE, lot__isnull=True
    ).exists():
        return
    execution = min(moment + dt.timedelta(days=2), horloge.il_y_a(0, 23))
    with horloge.a(moment):
        resultat = paiements.creer_lot(caf, comptable, execution.date())
    with horloge.a(execution):
        paiements.marquer_lot_paye(
            resultat.lot, comptable, execution.date(), f"VIR-{resultat.lot.numero[-11:]}"
        )


def donnees_du_bilan(
    convention: Convention, collectifs_arretes: int, semaines: int | None
) -> bilans.DonneesBilan:
    """Ce qu'une structure déclare : les collectifs prévus (les derniers arrêtés), le
    compte de résultat proche du budget."""
    retenus = bilans.collectifs_retenus(convention)
    collectifs = {c.pk: c for c in convention.dossier.collectifs.all()}
    donnees = []
    for rang, (collectif_id, nom) in enumerate(retenus):
        prevu = collectifs[collectif_id]
        arrete = rang >= len(retenus) - collectifs_arretes
        donnees.append(
            bilans.DonneesCollectif(
                collectif_id=collectif_id,
                nom=nom,
                a_fonctionne=not arrete,
                nb_enfants=0 if arrete else prevu.nb_enfants,
                premiere_semaine=None if arrete else prevu.premiere_semaine,
                semaines_de_fonctionnement=(
                    0 if arrete else (semaines or prevu.semaines_de_fonctionnement)
                ),
                nb_seances=0 if arrete else 2 * (semaines or prevu.semaines_de_fonctionnement or 0),
                nb_intervenants=0 if arrete else 2,
                intervenants="" if arrete else "Karim Haddad (salarié), Lucie Bernard (bénévole)",
                bonus_projets_culturels=prevu.bonus_projets_culturels and not arrete,
                bonus_accompagnement_parents=prevu.bonus_accompagnement_parents and not arrete,
            )
        )
    # Le compte de résultat suit l'activité : charges et subventions au prorata des
    # collectifs qui ont fonctionné ; les fonds propres (75) comblent le reste, prestation
    # attendue comprise.
    part = Decimal(len(retenus) - collectifs_arretes) / Decimal(len(retenus))
    budget = list(LigneBudget.objects.filter(dossier=convention.dossier).order_by("id"))
    lignes: list[list[Any]] = []
    for ligne in budget:
        montant = ligne.montant
        if ligne.compte in {"60", "61", "62", "63", "64", "65", "74"}:
            montant = (montant * part).quantize(Decimal("0.01"))
        lignes.append([ligne.nature, ligne.compte, ligne.financeur, ligne.libelle, montant])
    depenses = sum(m for nature, compte, _f, _l, m in lignes if compte in "60 61 62 63 64 65")
    subventions = sum(m for _n, compte, _f, _l, m in lignes if compte == "74")
    attendue = (convention.montant_maximal * part).quantize(Decimal("0.01"))
    for ligne_ in lignes:
        if ligne_[1] == "75":
            ligne_[4] = max(Decimal("0"), depenses - subventions - attendue)
    return bilans.DonneesBilan(
        collectifs=donnees,
        lignes=[tuple(ligne) for ligne in lignes],
        actions_parents="Trois cafés des parents, une réunion de rentrée, un bilan individuel "
        "en juin avec chaque famille.",
        **EVALUATIONS,
    )


EVALUATIONS: dict[str, Any] = {
    "evaluation_enfants": "Les enfants ont gagné en autonomie dans leurs devoirs ; la "
    "fréquentation est restée régulière.",
    "evaluation_parents": "Les parents sont venus plus souvent ; deux mères animent un atelier.",
    "evaluation_ecole": "Rencontres trimestrielles avec les enseignants des deux écoles.",
    "evaluation_partenaires": "La médiathèque a accueilli un groupe chaque mois.",
}


def bilan_depose(
    horloge: Horloge,
    moment: dt.datetime,
    d: Dossier,
    porteur: Utilisateur,
    collectifs_arretes: int = 0,
    semaines: int | None = None,
) -> Convention:
    convention = Convention.objects.get(dossier=d)
    bilan = Bilan.objects.filter(convention=convention).first()
    if bilan is None or bilan.etat == EtatBilan.BROUILLON:
        version = bilan.version if bilan else 0
        with horloge.a(moment):
            bilans.enregistrer(
                convention,
                version,
                porteur,
                donnees_du_bilan(convention, collectifs_arretes, semaines),
            )
            bilans.deposer(convention, porteur)
    return convention


def bilan_accepte(horloge: Horloge, moment: dt.datetime, d: Dossier, agent: Utilisateur) -> None:
    convention = Convention.objects.get(dossier=d)
    bilan = Bilan.objects.get(convention=convention)
    if bilan.etat == EtatBilan.DEPOSE:
        with horloge.a(moment):
            bilans.accepter(convention, agent)


def rembourser_en_partie(
    horloge: Horloge, moment: dt.datetime, d: Dossier, comptable: Utilisateur
) -> None:
    """Un premier virement de la structure : la moitié de l'indu, arrondie à l'euro."""
    from clas.bilans import regularisation

    indu = Indu.objects.filter(convention__dossier=d).first()
    if indu is None or indu.remboursements.exists():
        return
    with horloge.a(moment):
        regularisation.enregistrer_remboursement(
            indu,
            comptable,
            (indu.montant / 2).quantize(Decimal("1")),
            timezone.localdate(),
            "Virement reçu — premier versement",
        )
