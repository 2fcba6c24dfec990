"""Les cas d'usage du bilan de fin d'année : la structure l'enregistre (brouillon, même
incomplet ou invalide : rien n'est perdu), le dépose (un signataire ou un administrateur ;
tout est vérifié d'un coup), la Caf l'examine (instructeur ou valideur de la Caf du
dossier) : elle demande des corrections ou l'accepte.

À l'acceptation, la PS est recalculée sur les réels avec les paramètres de la décision
(`recalcul.py`), le montant définitif est le plus petit du recalcul et du montant décidé,
puis le solde ou l'indu est créé (`regularisation.regulariser`) dans la même transaction.
Un montant décidé n'est jamais recalculé en silence : un second clic ne change rien.

Verrous : la convention puis le bilan (le même ordre que la signature et la régularisation).
Verrou optimiste : chaque enregistrement passe `Bilan.version` de v à v + 1 par un UPDATE
conditionnel ; une page ouverte avant un autre enregistrement ne l'écrase pas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from clas.bareme import Resultat, entree_vers_json, formater_euros, resultat_vers_json
from clas.comptes.models import Utilisateur
from clas.comptes.roles import agent_de
from clas.conventions.actions import arreter_montant_definitif
from clas.conventions.models import Convention
from clas.core.exceptions import ActionImpossible, VersionPerimee
from clas.dossiers.courriels import destinataires_structure, url_absolue
from clas.dossiers.evenements import TypeEvenement
from clas.dossiers.models import (
    COMPTES_DEPENSES_BAREME,
    Dossier,
    Evenement,
    Message,
    NatureLigne,
)
from clas.dossiers.permissions import ROLES_SIGNATAIRES
from clas.versements.models import EtatVersement, Versement

from . import recalcul
from .etats import BILAN
from .models import Bilan, BilanCollectif, EtatBilan, LigneBilan, PieceBilan
from .permissions import capacites_bilan
from .regularisation import Regularisation, regulariser

__all__ = [
    "Acceptation",
    "ActionImpossible",
    "BilanIncomplet",
    "DonneesBilan",
    "DonneesCollectif",
    "Manque",
    "VersionPerimee",
    "accepter",
    "demander_corrections",
    "deposer",
    "donnees_enregistrees",
    "enregistrer",
    "manques",
]


@dataclass(frozen=True)
class Manque:
    """Ce qui empêche le dépôt, avec l'identifiant du champ à corriger (lien « #ancre »)."""

    message: str
    ancre: str


class BilanIncomplet(Exception):
    def __init__(self, manques: list[Manque]) -> None:
        super().__init__(" ".join(m.message for m in manques))
        self.manques = manques


# --- Qui fait quoi -----------------------------------------------------------------------


# --- Les données du bilan, indépendantes du formulaire -----------------------------------


@dataclass
class DonneesCollectif:
    collectif_id: int
    nom: str
    a_fonctionne: bool = True
    nb_enfants: int | None = None
    premiere_semaine: dt.date | None = None
    semaines_de_fonctionnement: int | None = None
    nb_seances: int | None = None
    nb_intervenants: int | None = None
    intervenants: str = ""
    bonus_projets_culturels: bool = False
    bonus_accompagnement_parents: bool = False


@dataclass
class DonneesBilan:
    collectifs: list[DonneesCollectif]
    # (nature, compte, financeur, libellé, montant)
    lignes: list[tuple[str, str, str, str, Decimal]] = field(default_factory=list)
    actions_parents: str = ""
    evaluation_enfants: str = ""
    evaluation_parents: str = ""
    evaluation_ecole: str = ""
    evaluation_partenaires: str = ""


EVALUATIONS = (
    ("evaluation_enfants", "l'axe « enfants »"),
    ("evaluation_parents", "l'axe « parents »"),
    ("evaluation_ecole", "l'axe « école »"),
    ("evaluation_partenaires", "l'axe « partenaires locaux »"),
)


def ancre_collectif(collectif_id: int, champ: str) -> str:
    """L'identifiant HTML du champ d'un collectif (préfixe du formulaire `collectif-<id>`)."""
    return f"id_collectif-{collectif_id}-{champ}"


def manques(donnees: DonneesBilan) -> list[Manque]:
    """Tout ce qui manque pour déposer, d'un coup, chaque manque avec son champ."""
    resultat: list[Manque] = []
    for c in donnees.collectifs:
        if not c.a_fonctionne:
            continue

        def manque(champ: str, texte: str, c: DonneesCollectif = c) -> None:
            resultat.append(Manque(f"{c.nom} : {texte}", ancre_collectif(c.collectif_id, champ)))

        if not c.nb_enfants:
            manque("nb_enfants", "indiquez le nombre d'enfants réellement accueillis.")
        if c.premiere_semaine is None:
            manque("premiere_semaine", "indiquez la première semaine de fonctionnement.")
        if not c.semaines_de_fonctionnement:
            manque(
                "semaines_de_fonctionnement", "indiquez le nombre de semaines de fonctionnement."
            )
        if not c.nb_seances:
            manque("nb_seances", "indiquez le nombre de séances tenues.")
        if not c.nb_intervenants:
            manque("nb_intervenants", "indiquez le nombre d'intervenants.")
        if not c.intervenants.strip():
            manque("intervenants", "nommez les intervenants et précisez leur statut.")
    if not donnees.actions_parents.strip():
        resultat.append(
            Manque("Décrivez les actions menées avec les parents.", "id_actions_parents")
        )
    charges = sum(
        (
            montant
            for nature, compte, _f, _l, montant in donnees.lignes
            if nature == NatureLigne.CHARGE and compte in COMPTES_DEPENSES_BAREME
        ),
        Decimal("0"),
    )
    if charges <= 0:
        resultat.append(
            Manque(
                "Compte de résultat : saisissez les charges réelles de l'année (comptes 60 à 65).",
                "id_compte-charge_60",
            )
        )
    for champ, axe in EVALUATIONS:
        if not getattr(donnees, champ).strip():
            resultat.append(Manque(f"Évaluez en quelques lignes {axe}.", f"id_{champ}"))
    return resultat


def donnees_enregistrees(
    bilan: Bilan,
    collectifs: Iterable[tuple[int, str]],
    reels: Iterable[BilanCollectif],
    lignes: Iterable[LigneBilan],
) -> DonneesBilan:
    """Le bilan tel qu'il est en base ; `collectifs` : (id, nom) des collectifs à faire
    figurer (ceux retenus par la décision). Un collectif sans ligne au bilan est vide."""
    par_collectif = {r.collectif_id: r for r in reels}
    liste = []
    for collectif_id, nom in collectifs:
        reel = par_collectif.get(collectif_id)
        if reel is None:
            liste.append(DonneesCollectif(collectif_id=collectif_id, nom=nom))
            continue
        liste.append(
            DonneesCollectif(
                collectif_id=collectif_id,
                nom=nom,
                a_fonctionne=reel.a_fonctionne,
                nb_enfants=reel.nb_enfants,
                premiere_semaine=reel.premiere_semaine,
                semaines_de_fonctionnement=reel.semaines_de_fonctionnement,
                nb_seances=reel.nb_seances,
                nb_intervenants=reel.nb_intervenants,
                intervenants=reel.intervenants,
                bonus_projets_culturels=reel.bonus_projets_culturels,
                bonus_accompagnement_parents=reel.bonus_accompagnement_parents,
            )
        )
    return DonneesBilan(
        collectifs=liste,
        lignes=[(li.nature, li.compte, li.financeur, li.libelle, li.montant) for li in lignes],
        actions_parents=bilan.actions_parents,
        evaluation_enfants=bilan.evaluation_enfants,
        evaluation_parents=bilan.evaluation_parents,
        evaluation_ecole=bilan.evaluation_ecole,
        evaluation_partenaires=bilan.evaluation_partenaires,
    )


def collectifs_retenus(convention: Convention) -> list[tuple[int, str]]:
    """(id, nom) des collectifs retenus par la décision (ou le dernier avenant)."""
    from clas.dossiers.models import Collectif

    collectifs = list(
        Collectif.objects.filter(dossier_id=convention.dossier_id).order_by("ordre", "id")
    )
    return [
        (d.collectif.pk, d.decide.nom)
        for d in recalcul.collectifs_decides(convention, collectifs)
        if d.retenu
    ]


# --- Enregistrer (brouillon) -------------------------------------------------------------


def _verrouiller(convention_id: int) -> tuple[Convention, Bilan | None]:
    """La convention puis son bilan, sous verrou."""
    convention = (
        Convention.objects.select_for_update(of=("self",))
        .select_related("dossier__campagne", "decision")
        .get(pk=convention_id)
    )
    bilan = Bilan.objects.select_for_update(of=("self",)).filter(convention=convention).first()
    return convention, bilan


def _message_conflit(bilan: Bilan) -> str:
    dernier = (
        Evenement.objects.filter(
            dossier_id=bilan.convention.dossier_id, type__startswith="bilan", auteur__isnull=False
        )
        .select_related("auteur")
        .order_by("-created_at", "-id")
        .first()
    )
    qui = str(dernier.auteur) if dernier is not None else "un autre membre de la structure"
    quand = timezone.localtime(dernier.created_at if dernier else timezone.now())
    return (
        f"Le bilan a été modifié par {qui} le {quand:%d/%m/%Y à %H:%M} depuis que vous l'avez "
        "ouvert. Vos saisies sont conservées ci-dessous : rechargez la page pour voir la "
        "version enregistrée, puis reportez-y vos modifications. Rien n'a été enregistré."
    )


def _jamais_enregistre(bilan: Bilan) -> bool:
    return not bilan.saisies_en_cours and not BilanCollectif.objects.filter(bilan=bilan).exists()


def _prendre_version(convention: Convention, bilan: Bilan | None, version: int) -> Bilan:
    """Crée le bilan (version 0 → 1) ou le passe de `version` à `version + 1`."""
    if bilan is None:
        if version != 0:
            raise VersionPerimee(
                "Le bilan n'existe plus sous cette forme : rechargez la page. Rien n'a été "
                "enregistré."
            )
        try:
            with transaction.atomic():
                return Bilan.objects.create(convention=convention, version=1)
        except IntegrityError:  # commencé au même instant par un autre membre
            raise VersionPerimee(
                "Un autre membre de la structure vient de commencer le bilan : rechargez la "
                "page. Rien n'a été enregistré."
            ) from None
    if version == 0 and bilan.version == 1 and _jamais_enregistre(bilan):
        version = 1  # bilan vide créé par une relance après l'ouverture de la page
    if bilan.version != version:
        raise VersionPerimee(_message_conflit(bilan))
    maintenant = timezone.now()
    if not Bilan.objects.filter(pk=bilan.pk, version=version).update(
        version=version + 1, updated_at=maintenant
    ):
        raise VersionPerimee(_message_conflit(bilan))
    bilan.version = version + 1
    bilan.updated_at = maintenant
    return bilan


def enregistrer(
    convention: Convention,
    version: int,
    auteur: Utilisateur,
    donnees: DonneesBilan | None,
    brut: dict[str, list[str]] | None = None,
    piece: tuple[UploadedFile[bytes], str, str] | None = None,
    pieces_retirees: Iterable[int] = (),
) -> Bilan:
    """Enregistre le brouillon : des données valides (`donnees`) sont écrites dans le bilan
    et les saisies en cours effacées ; une saisie invalide (`donnees` None) est gardée telle
    quelle (`brut`) dans `saisies_en_cours`, le bilan enregistré n'est pas touché. Une pièce
    contrôlée (fichier, nom, description) est jointe dans les deux cas. Lève
    PermissionDenied, ActionImpossible ou VersionPerimee."""
    with transaction.atomic():
        convention, bilan = _verrouiller(convention.pk)
        dossier = convention.dossier
        droits = capacites_bilan(dossier, convention, bilan, auteur)
        if not droits["voir"]:
            raise PermissionDenied("Seuls les membres de la structure saisissent le bilan.")
        if not droits["saisir"]:
            raise ActionImpossible(_pourquoi_ferme(convention, bilan))
        bilan = _prendre_version(convention, bilan, version)
        if donnees is None:
            bilan.saisies_en_cours = brut or {}
            bilan.save(update_fields=["saisies_en_cours"])
            description = "Bilan enregistré (brouillon) avec des erreurs à corriger."
        else:
            _ecrire(bilan, donnees)
            description = "Bilan enregistré (brouillon)."
        if piece is not None:
            fichier, nom, texte = piece
            objet = PieceBilan(bilan=bilan, nom=nom, description=texte[:200], ajoutee_par=auteur)
            objet.fichier.save(nom, fichier, save=False)
            objet.save()
            description += f" Pièce jointe : « {nom} »."
        retirees = list(PieceBilan.objects.filter(bilan=bilan, pk__in=list(pieces_retirees)))
        for retiree in retirees:
            description += f" Pièce retirée : « {retiree.nom} »."
            retiree.fichier.delete(save=False)
            retiree.delete()
        Evenement.noter(
            dossier, TypeEvenement.BILAN_MODIFICATION, description, auteur=auteur, objet=bilan
        )
    return bilan


def _ecrire(bilan: Bilan, donnees: DonneesBilan) -> None:
    bilan.actions_parents = donnees.actions_parents.strip()
    for champ, _axe in EVALUATIONS:
        setattr(bilan, champ, getattr(donnees, champ).strip())
    bilan.saisies_en_cours = {}
    bilan.save(
        update_fields=[
            "actions_parents",
            *(champ for champ, _axe in EVALUATIONS),
            "saisies_en_cours",
        ]
    )
    BilanCollectif.objects.filter(bilan=bilan).delete()
    BilanCollectif.objects.bulk_create(
        BilanCollectif(
            bilan=bilan,
            collectif_id=c.collectif_id,
            a_fonctionne=c.a_fonctionne,
            nb_enfants=c.nb_enfants or 0,
            premiere_semaine=c.premiere_semaine,
            semaines_de_fonctionnement=c.semaines_de_fonctionnement or 0,
            nb_seances=c.nb_seances or 0,
            nb_intervenants=c.nb_intervenants or 0,
            intervenants=c.intervenants.strip(),
            bonus_projets_culturels=c.bonus_projets_culturels,
            bonus_accompagnement_parents=c.bonus_accompagnement_parents,
        )
        for c in donnees.collectifs
    )
    LigneBilan.objects.filter(bilan=bilan).delete()
    LigneBilan.objects.bulk_create(
        LigneBilan(
            bilan=bilan,
            nature=nature,
            compte=compte,
            financeur=financeur,
            libelle=libelle[:200],
            montant=montant,
        )
        for nature, compte, financeur, libelle, montant in donnees.lignes
    )


def _pourquoi_ferme(convention: Convention, bilan: Bilan | None) -> str:
    if not convention.est_signee:
        return "La convention n'est pas encore signée : le bilan s'ouvre après la signature."
    if bilan is not None and bilan.etat == EtatBilan.DEPOSE:
        return "Le bilan est déposé : il est en lecture seule pendant son examen par la Caf."
    if bilan is not None and bilan.etat == EtatBilan.ACCEPTE:
        return "Le bilan a été accepté par la Caf : il est en lecture seule."
    return "Le dossier est clôturé : le bilan est en lecture seule."


# --- Déposer -----------------------------------------------------------------------------


def deposer(convention: Convention, auteur: Utilisateur) -> Bilan:
    """Un signataire ou un administrateur dépose le bilan enregistré : tout est vérifié
    d'un coup (BilanIncomplet avec la liste des manques). Lève aussi PermissionDenied ou
    ActionImpossible."""
    with transaction.atomic():
        convention, bilan = _verrouiller(convention.pk)
        dossier = convention.dossier
        droits = capacites_bilan(dossier, convention, bilan, auteur)
        if not droits["voir"]:
            raise PermissionDenied("Seuls les membres de la structure déposent le bilan.")
        if not droits["saisir"]:
            raise ActionImpossible(_pourquoi_ferme(convention, bilan))
        if not droits["deposer"]:
            raise PermissionDenied(
                "Seul un signataire ou un administrateur de la structure dépose le bilan : "
                "enregistrez-le, puis demandez-lui de le déposer."
            )
        if bilan is None:
            raise BilanIncomplet([Manque("Le bilan n'est pas encore rempli.", "collectifs")])
        retenus = collectifs_retenus(convention)
        donnees = donnees_enregistrees(
            bilan,
            retenus,
            BilanCollectif.objects.filter(bilan=bilan),
            LigneBilan.objects.filter(bilan=bilan),
        )
        liste = manques(donnees)
        if bilan.saisies_en_cours:
            liste.insert(
                0,
                Manque(
                    "Votre dernière saisie contient des erreurs : corrigez-les et enregistrez.",
                    "collectifs",
                ),
            )
        if liste:
            raise BilanIncomplet(liste)
        apres_corrections = (
            " après les corrections demandées" if bilan.etat != EtatBilan.BROUILLON else ""
        )
        BILAN.appliquer(
            bilan,
            "deposer",
            auteur,
            f"Bilan de fin d'année déposé par {auteur}{apres_corrections} : "
            "transmis à la Caf pour examen.",
            champs={
                "depose_par": auteur,
                "depose_le": timezone.now(),
                "version": bilan.version + 1,
            },
            verrouille=True,
        )
        transaction.on_commit(partial(_courriel, "bilan_depose", bilan.pk), robust=True)
    return bilan


# --- Examiner ----------------------------------------------------------------------------


def _verifier_examinateur(convention: Convention, bilan: Bilan | None, agent: Utilisateur) -> Bilan:
    droits = capacites_bilan(convention.dossier, convention, bilan, agent)
    if not droits["voir_caf"]:
        raise PermissionDenied("Seuls les agents de la Caf du dossier examinent le bilan.")
    acteur = agent_de(agent)
    if acteur is None or not (acteur.est_instructeur or acteur.est_valideur):
        raise PermissionDenied("Seul un instructeur ou un valideur de la Caf examine le bilan.")
    if bilan is None:
        raise ActionImpossible("La structure n'a pas encore déposé son bilan.")
    return bilan


def demander_corrections(convention: Convention, agent: Utilisateur, message: str) -> Bilan:
    """Le bilan repasse à la structure avec le message de la Caf (obligatoire)."""
    message = (message or "").strip()
    with transaction.atomic():
        convention, bilan = _verrouiller(convention.pk)
        bilan = _verifier_examinateur(convention, bilan, agent)
        if bilan.etat != EtatBilan.DEPOSE:
            raise ActionImpossible(
                f"Le bilan est « {EtatBilan(bilan.etat).label.lower()} » : on ne peut demander "
                "des corrections que sur un bilan déposé. Rien n'a été modifié."
            )
        if not message:
            raise ActionImpossible(
                "Écrivez à la structure ce qu'elle doit corriger : le message est obligatoire."
            )
        dossier = convention.dossier
        BILAN.appliquer(
            bilan,
            "demander_corrections",
            agent,
            f"Corrections du bilan demandées par la Caf : {message}",
            champs={
                "commentaire_caf": message,
                "examine_par": agent,
                "version": bilan.version + 1,
            },
            verrouille=True,
        )
        Message.objects.create(
            dossier=dossier,
            auteur=agent,
            de_la_caf=True,
            texte=f"Corrections demandées sur le bilan de fin d'année :\n{message}",
        )
        transaction.on_commit(partial(_courriel, "bilan_a_corriger", bilan.pk), robust=True)
    return bilan


@dataclass(frozen=True)
class Acceptation:
    bilan: Bilan
    deja_accepte: bool
    regularisation: Regularisation | None = None


def _exiger_versements_regles(convention: Convention) -> None:
    """Le solde ou l'indu se calcule sur des versements connus : un versement encore en
    route (à valider, validé, mis en paiement) fausserait l'écart — un indu porterait sur
    de l'argent pas encore versé. On attend le retour de la banque."""
    en_route = (
        Versement.objects.filter(convention=convention)
        .exclude(etat__in=[EtatVersement.PAYE, EtatVersement.REJETE])
        .order_by("created_at")
        .first()
    )
    if en_route is not None:
        raise ActionImpossible(
            f"{en_route.get_nature_display()} de {formater_euros(en_route.montant)} est "
            f"« {en_route.get_etat_display().lower()} » : le bilan s'accepte une fois ce "
            "versement payé (ou rejeté), pour calculer le solde ou l'indu sur ce qui a été "
            "réellement versé. Rien n'a été modifié."
        )


def accepter(convention: Convention, agent: Utilisateur) -> Acceptation:
    """Recalcule la PS sur les réels (paramètres de la décision), fige l'entrée et le
    résultat, fixe le montant définitif = min(recalcul, montant décidé), puis crée le solde
    ou l'indu. Idempotent : un bilan déjà accepté est renvoyé tel quel, rien n'est recalculé."""
    with transaction.atomic():
        convention, bilan = _verrouiller(convention.pk)
        bilan = _verifier_examinateur(convention, bilan, agent)
        if bilan.etat == EtatBilan.ACCEPTE:
            return Acceptation(bilan=bilan, deja_accepte=True)
        if bilan.etat != EtatBilan.DEPOSE:
            raise ActionImpossible(
                f"Le bilan est « {EtatBilan(bilan.etat).label.lower()} » : seul un bilan "
                "déposé peut être accepté. Rien n'a été modifié."
            )
        _exiger_versements_regles(convention)
        entree, resultat = recalcul.calculer_sur_les_reels(convention, bilan)
        definitif = min(resultat.montant_total, convention.montant_maximal)
        BILAN.appliquer(
            bilan,
            "accepter",
            agent,
            texte_acceptation(resultat, convention.montant_maximal, definitif),
            champs={
                "examine_par": agent,
                "accepte_le": timezone.now(),
                "entree_reelle": entree_vers_json(entree),
                "resultat_reel": resultat_vers_json(resultat),
                "montant_recalcule": resultat.montant_total,
                "montant_definitif": definitif,
                "version": bilan.version + 1,
            },
            verrouille=True,
        )
        arreter_montant_definitif(convention, definitif)
        regularisation = regulariser(bilan, agent)
        transaction.on_commit(partial(_courriel, "bilan_accepte", bilan.pk), robust=True)
    return Acceptation(bilan=bilan, deja_accepte=False, regularisation=regularisation)


def texte_acceptation(resultat: Resultat, decide: Decimal, definitif: Decimal) -> str:
    plafonne = " (plafonné au montant décidé)" if resultat.montant_total > decide else ""
    return (
        "Bilan accepté par la Caf. Prestation recalculée sur les réels avec les paramètres "
        f"de la décision : {formater_euros(resultat.montant_total)} ; montant décidé : "
        f"{formater_euros(decide)} ; montant définitif (le plus petit des deux) : "
        f"{formater_euros(definitif)}{plafonne}."
    )


# --- Courriels (après validation de la transaction) --------------------------------------


def destinataires_signataires(dossier: Dossier) -> list[str]:
    """Les signataires et administrateurs actifs de la structure, sans doublon."""
    return destinataires_structure(dossier, roles=ROLES_SIGNATAIRES, adresse_de_la_structure=False)


def _destinataires_caf(dossier: Dossier) -> list[str]:
    """L'instructeur du dossier, sinon les instructeurs de la Caf."""
    from clas.comptes.models import AgentCaf

    instructeur = dossier.instructeur
    if instructeur is not None and instructeur.is_active:
        return [instructeur.email]
    return list(
        AgentCaf.objects.filter(
            caf_id=dossier.campagne.caf_id, est_instructeur=True, utilisateur__is_active=True
        )
        .order_by("utilisateur__email")
        .values_list("utilisateur__email", flat=True)
    )


def _courriel(nom: str, bilan_id: int) -> None:
    """Dépôt : à l'agent de la Caf ; corrections et acceptation : à la structure."""
    from django.urls import reverse

    from clas.core.courriels import envoyer
    from clas.dossiers.courriels import destinataires_structure

    bilan = Bilan.objects.select_related(
        "convention__dossier__structure",
        "convention__dossier__campagne__caf",
        "convention__dossier__instructeur",
    ).get(pk=bilan_id)
    dossier = bilan.convention.dossier
    if nom == "bilan_depose":
        destinataires = _destinataires_caf(dossier)
        url = reverse("bilan_examen", args=[dossier.pk])
    else:
        destinataires = destinataires_structure(dossier)
        url = reverse("bilan_saisie", args=[dossier.pk])
    contexte = {
        "bilan": bilan,
        "dossier": dossier,
        "structure": dossier.structure,
        "caf": dossier.campagne.caf,
        "url": url_absolue(url),
    }
    envoyer(f"bilans/courriels/{nom}", destinataires, contexte)


def apercu(convention: Convention, bilan: Bilan) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Le calcul sur les réels enregistrés, NON enregistré (avant l'acceptation), au format
    JSON de la décision ; None si le bilan ne permet pas encore de calculer."""
    try:
        entree, resultat = recalcul.calculer_sur_les_reels(convention, bilan)
    except ValueError:
        return None
    return entree_vers_json(entree), resultat_vers_json(resultat)
