"""Cas d'usage du référentiel : modifier les paramètres du barème, avec historique. Une
année déjà utilisée par une campagne ne change qu'à quatre yeux : la modification est
proposée, puis approuvée (ou refusée) par un autre administrateur national (table
`etats.PARAMETRES`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from clas.bareme import Parametres
from clas.bareme.parametres import LIBELLES_PARAMETRES, NOMS_PARAMETRES
from clas.comptes import double_facteur
from clas.comptes.models import Utilisateur
from clas.core.courriels import apres_validation, envoyer
from clas.core.exceptions import ActionImpossible, VersionPerimee
from clas.journal.chaine import ajouter, champs_de, noter_changements

from .etats import PARAMETRES
from .models import (
    Caf,
    EtatApprobation,
    EvenementParametres,
    ModificationParametre,
    ParametresBareme,
    PropositionParametres,
    TypeEvenementApprobation,
)
from .signaux import annee_utilisee as annee_utilisee_signal

REFUS_NATIONAL = "Seule l'administration nationale modifie les paramètres du barème."
REFUS_SIRET_CAF = "Seule l'administration nationale modifie le SIRET d'une Caf."
REFUS_DIRECT = (
    "L'année {annee} est déjà utilisée par une campagne : proposez la modification, un "
    "autre administrateur national l'approuvera."
)
REFUS_SEPARATION = (
    "Vous avez proposé ces paramètres : un autre administrateur national doit les approuver "
    "(séparation des tâches)."
)


def annee_utilisee(annee_scolaire: str) -> bool:
    """Une campagne (ou tout autre abonné de `signaux.annee_utilisee`) utilise-t-elle déjà
    cette année ? Ses paramètres ne changent alors qu'à quatre yeux."""
    reponses = annee_utilisee_signal.send(ParametresBareme, annee_scolaire=annee_scolaire)
    return any(bool(reponse) for _, reponse in reponses)


def _changements(
    actuel: ParametresBareme, valeurs: Mapping[str, Any], sources: Mapping[str, str]
) -> list[tuple[str, Any, Any, str, str]]:
    """(paramètre, avant, après, source avant, source après) de chaque valeur ou source qui
    change. Comparer les valeurs, pas leur écriture : « 2563 » ne change pas « 2563.00 »."""
    anciennes_sources = actuel.sources or {}
    changements = []
    for nom in NOMS_PARAMETRES:
        ancienne, nouvelle = getattr(actuel, nom), valeurs[nom]
        ancienne_source, nouvelle_source = anciennes_sources.get(nom, ""), sources.get(nom, "")
        if Decimal(str(ancienne)) == Decimal(str(nouvelle)) and ancienne_source == nouvelle_source:
            continue
        changements.append((nom, ancienne, nouvelle, ancienne_source, nouvelle_source))
    return changements


def _relire(parametres: ParametresBareme, version: str) -> ParametresBareme:
    actuel = ParametresBareme.objects.select_for_update().get(pk=parametres.pk)
    if actuel.updated_at.isoformat() != version:
        raise VersionPerimee
    return actuel


def _appliquer(
    actuel: ParametresBareme,
    valeurs: Mapping[str, Any],
    sources: Mapping[str, str],
    motif: str,
    auteur: Utilisateur,
    approuve_par: Utilisateur | None = None,
    proposition: PropositionParametres | None = None,
) -> list[ModificationParametre]:
    # Le barème refuse un jeu de paramètres incohérent avant toute écriture.
    Parametres.depuis_dict(actuel.annee_scolaire, valeurs, sources)
    modifications = []
    for nom, ancienne, nouvelle, ancienne_source, nouvelle_source in _changements(
        actuel, valeurs, sources
    ):
        modifications.append(
            ModificationParametre(
                parametres=actuel,
                parametre=nom,
                ancienne_valeur=str(ancienne),
                nouvelle_valeur=str(nouvelle),
                ancienne_source=ancienne_source,
                nouvelle_source=nouvelle_source,
                motif=motif,
                auteur=auteur,
                approuve_par=approuve_par,
                proposition=proposition,
            )
        )
        setattr(actuel, nom, nouvelle)
    if modifications:
        actuel.sources = dict(sources)
        actuel.save()
        ModificationParametre.objects.bulk_create(modifications)
        _journaliser_parametres(actuel, modifications, auteur)
    return modifications


def _journaliser_parametres(
    parametres: ParametresBareme, modifications: list[ModificationParametre], auteur: Utilisateur
) -> None:
    """Les bulk_create n'envoient pas post_save : le journal reçoit les changements ici."""
    ajouter(
        "referentiel.parametresbareme",
        "parametres_modifies",
        {
            "annee_scolaire": parametres.annee_scolaire,
            "modifications": [champs_de(modification) for modification in modifications],
        },
        source_id=parametres.pk,
        acteur_id=auteur.pk,
    )


def _national(utilisateur: Utilisateur) -> None:
    if not utilisateur.is_authenticated or not utilisateur.est_admin_national:
        raise PermissionDenied(REFUS_NATIONAL)


@transaction.atomic
def modifier_parametres(
    parametres: ParametresBareme,
    valeurs: Mapping[str, Any],
    sources: Mapping[str, str],
    motif: str,
    auteur: Utilisateur,
    version: str,
) -> list[ModificationParametre]:
    """Enregistre les nouvelles valeurs et une ligne d'historique par changement, pour une
    année qu'aucune campagne n'utilise encore ; sinon, `proposer_parametres`.

    Les décisions déjà prises gardent leurs propres copies des paramètres : rien ne change
    pour elles.
    """
    _national(auteur)
    actuel = _relire(parametres, version)
    if annee_utilisee(actuel.annee_scolaire):
        raise ActionImpossible(REFUS_DIRECT.format(annee=actuel.annee_scolaire))
    return _appliquer(actuel, valeurs, sources, motif, auteur)


def proposition_en_attente(parametres: ParametresBareme) -> PropositionParametres | None:
    return (
        PropositionParametres.objects.filter(
            parametres_id=parametres.pk, etat=EtatApprobation.A_APPROUVER
        )
        .select_related("propose_par")
        .first()
    )


def _texte_changements(changements: list[list[str]]) -> str:
    return " ; ".join(
        f"{LIBELLES_PARAMETRES.get(nom, nom)} : {avant} → {apres}"
        for nom, avant, apres in changements
    )


@transaction.atomic
def proposer_parametres(
    parametres: ParametresBareme,
    valeurs: Mapping[str, Any],
    sources: Mapping[str, str],
    motif: str,
    auteur: Utilisateur,
    version: str,
) -> PropositionParametres | None:
    """Pour une année déjà utilisée par une campagne : les valeurs sont proposées, « à
    approuver » par un autre administrateur national ; une proposition encore en attente
    est remplacée. Renvoie None si rien ne change (la proposition en attente est alors
    retirée)."""
    _national(auteur)
    actuel = _relire(parametres, version)
    Parametres.depuis_dict(actuel.annee_scolaire, valeurs, sources)
    changements = [
        [nom, str(avant), str(apres)]
        for nom, avant, apres, *_ in _changements(actuel, valeurs, sources)
    ]
    proposees = {nom: str(valeurs[nom]) for nom in NOMS_PARAMETRES}
    en_attente = proposition_en_attente(actuel)
    if en_attente is not None and (en_attente.valeurs, en_attente.sources) == (
        proposees,
        dict(sources),
    ):
        return en_attente  # déjà proposées : rien de neuf
    if en_attente is not None:
        PARAMETRES.appliquer(
            en_attente,
            "remplacer",
            auteur,
            f"Remplacée par {auteur} avant d'être approuvée.",
        )
    if not changements:
        return None
    proposition = PropositionParametres.objects.create(
        parametres=actuel,
        valeurs=proposees,
        sources=dict(sources),
        changements=changements,
        motif=motif,
        version=version,
        propose_par=auteur,
    )
    EvenementParametres.objects.create(
        parametres=actuel,
        proposition=proposition,
        type=TypeEvenementApprobation.PARAMETRES_PROPOSES,
        auteur=auteur,
        etat_apres=proposition.etat,
        description=(
            f"{auteur} propose : {_texte_changements(changements) or 'sources seulement'}. "
            f"Motif : {motif} L'année {actuel.annee_scolaire} est déjà utilisée par une "
            "campagne : un autre administrateur national doit approuver."
        ),
    )
    return proposition


def _valeur(nom: str, texte: str) -> Any:
    """La valeur proposée (gardée en texte dans le JSON) sous son type : Decimal ou int."""
    champ = ParametresBareme._meta.get_field(nom)
    assert isinstance(champ, models.Field)
    return champ.to_python(texte)


def _examinateur(proposition: PropositionParametres, utilisateur: Utilisateur) -> None:
    _national(utilisateur)
    if proposition.propose_par_id == utilisateur.pk:
        raise ActionImpossible(REFUS_SEPARATION)


@transaction.atomic
def approuver_parametres(
    proposition: PropositionParametres, approbateur: Utilisateur
) -> list[ModificationParametre]:
    """Un second administrateur national approuve : les valeurs proposées s'appliquent,
    chaque changement inscrit à l'historique avec l'auteur et l'approbateur."""
    _examinateur(proposition, approbateur)
    actuel = ParametresBareme.objects.select_for_update().get(pk=proposition.parametres_id)
    if actuel.updated_at.isoformat() != proposition.version:
        raise ActionImpossible(
            "Les paramètres ont changé depuis cette proposition : refusez-la et faites-en "
            "une nouvelle sur les valeurs actuelles."
        )
    PARAMETRES.appliquer(
        proposition,
        "approuver",
        approbateur,
        f"Proposé par {proposition.propose_par}, approuvé par {approbateur} : "
        f"{_texte_changements(proposition.changements) or 'sources seulement'}.",
        champs={"examine_par": approbateur, "examine_le": timezone.now()},
    )
    valeurs = {nom: _valeur(nom, proposition.valeurs[nom]) for nom in NOMS_PARAMETRES}
    return _appliquer(
        actuel,
        valeurs,
        proposition.sources,
        proposition.motif,
        proposition.propose_par,
        approuve_par=approbateur,
        proposition=proposition,
    )


@transaction.atomic
def refuser_parametres(
    proposition: PropositionParametres, approbateur: Utilisateur, motif: str
) -> PropositionParametres:
    """Un second administrateur national refuse, avec le motif : rien ne change."""
    motif = " ".join((motif or "").split())
    _examinateur(proposition, approbateur)
    if not motif:
        raise ValidationError({"motif_refus": ["Indiquez le motif du refus."]})
    PARAMETRES.appliquer(
        proposition,
        "refuser",
        approbateur,
        f"Proposé par {proposition.propose_par}, refusé par {approbateur} : {motif}",
        champs={
            "examine_par": approbateur,
            "examine_le": timezone.now(),
            "motif_refus": motif,
        },
    )
    return proposition


@transaction.atomic
def modifier_siret_caf(caf: Caf, siret: str, auteur: Utilisateur) -> bool:
    """Enregistre le SIRET de la Caf (vide : inconnu) et le journalise avec l'ancien ; rend
    False si rien ne change. Il devient l'`idAttribuant` de ses conventions en open data."""
    if not auteur.is_authenticated or not auteur.est_admin_national:
        raise PermissionDenied(REFUS_SIRET_CAF)
    actuelle = Caf.objects.select_for_update().get(pk=caf.pk)
    if actuelle.siret == siret:
        return False
    avant = champs_de(actuelle)
    actuelle.siret = siret
    actuelle.full_clean()
    actuelle.save(update_fields=["siret"])
    noter_changements(actuelle, avant, "siret_caf_modifie", auteur.pk)
    caf.siret = siret
    return True


@transaction.atomic
def ajouter_annee(annee_scolaire: str, auteur: Utilisateur) -> ParametresBareme:
    """Crée une année en reprenant les valeurs et sources de la plus récente."""
    modele = ParametresBareme.objects.order_by("-annee_scolaire").first()
    if modele is None:
        raise ValueError("Aucune année de référence à reprendre.")
    nouvelle = ParametresBareme.objects.create(
        annee_scolaire=annee_scolaire, sources=dict(modele.sources), **modele.valeurs()
    )
    creation = ModificationParametre.objects.create(
        parametres=nouvelle,
        parametre="annee_scolaire",
        ancienne_valeur="",
        nouvelle_valeur=annee_scolaire,
        motif=f"Création de l'année, valeurs reprises de {modele.annee_scolaire}.",
        auteur=auteur,
    )
    _journaliser_parametres(nouvelle, [creation], auteur)
    return nouvelle


def reinitialiser_double_facteur(
    personne: Utilisateur, auteur: Utilisateur | None, motif: str, lien_connexion: str
) -> None:
    """Appareil perdu sans code de secours : la double authentification de la personne est
    réinitialisée (journalisée par `comptes.double_facteur`) et elle en est prévenue par
    courriel une fois la transaction validée. `auteur` None : l'exploitation (commande)."""
    with transaction.atomic():
        double_facteur.reinitialiser(personne, auteur, motif)
        apres_validation(
            envoyer,
            "comptes/email_double_facteur_reinitialise",
            [personne.email],
            {
                "personne": personne,
                "auteur": f"{auteur} (administration nationale)"
                if auteur
                else "L'équipe d'exploitation de la plateforme",
                "motif": motif,
                "date": timezone.now(),
                "lien": lien_connexion,
            },
        )
