"""Les durées de conservation (réglages `CLAS_CONSERVATION_*`, docs/exploitation.md) et leur
application par `manage.py purger`.

Chaque type de donnée a sa catégorie : ce qui est échu à une date, et comment le supprimer.
Un dossier part avec tout ce qui en dépend, pièces comptables comprises (versements, grand
livre, bilan, indu, convention, décision) : elles restent donc aussi longtemps que lui. Un
lot de paiement ne part qu'avec son dernier versement. Les fichiers sont effacés une fois la
suppression validée. Chaque suppression est inscrite au journal (`clas.journal`), qui n'est
jamais purgé : il survit à ce qu'il décrit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.utils import NestedObjects
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.functions import Coalesce
from django.utils import timezone

from clas.api.models import JetonApi
from clas.bilans.models import Bilan, Indu, Remboursement
from clas.comptes.models import SessionOuverte, Utilisateur
from clas.conventions.models import Avenant, Convention, ProjetAvenant
from clas.core.models import ExportDemande
from clas.dossiers.evenements import ObjetEvenement
from clas.dossiers.models import Dossier, EtatDossier, Evenement
from clas.instruction.models import Decision
from clas.journal import chaine as journal
from clas.structures.models import MembreStructure, RoleMembre
from clas.versements.models import LotPaiement, Mouvement, Versement

from .actions import anonymiser, effacer_apres_validation


def ans_avant(moment: dt.datetime, ans: int) -> dt.datetime:
    """La même date `ans` années plus tôt (un 29 février devient un 28)."""
    try:
        return moment.replace(year=moment.year - ans)
    except ValueError:
        return moment.replace(year=moment.year - ans, day=28)


Identifiant = int | str  # la clé primaire (celle d'une session de Django est un texte)


@dataclass(frozen=True)
class Categorie:
    cle: str
    libelle: str
    duree: str  # en clair, pour le rapport : « 10 ans après la clôture »
    limite: Callable[[dt.datetime], dt.datetime]
    echus: Callable[[dt.datetime], list[Identifiant]]  # identifiants échus à cette limite
    supprimer: Callable[[Identifiant], bool]  # un identifiant : supprimé (False s'il ne l'est plus)
    # Identifiants écartés malgré l'échéance, avec la raison (montrés, jamais supprimés).
    reportes: Callable[[dt.datetime], dict[Identifiant, str]] = field(default=lambda limite: {})


@dataclass
class Resultat:
    """Le résultat d'une catégorie : échus (à blanc) ou supprimés (appliqué)."""

    categorie: Categorie
    limite: dt.datetime
    identifiants: list[Identifiant]
    reportes: dict[Identifiant, str]


# --- Dossiers ---------------------------------------------------------------------------------


def _date_de_l_etat() -> models.Subquery:
    """Le jour où le dossier est entré dans son état actuel (son historique)."""
    return models.Subquery(
        Evenement.objects.filter(
            dossier=models.OuterRef("pk"),
            objet=ObjetEvenement.DOSSIER,
            etat_apres=models.OuterRef("etat"),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def _dossiers_echus(etats: Iterable[str], limite: dt.datetime) -> list[Identifiant]:
    return list(
        Dossier.objects.filter(etat__in=list(etats))
        .annotate(depuis=Coalesce(_date_de_l_etat(), "updated_at"))
        .filter(depuis__lte=limite)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _brouillons_echus(limite: dt.datetime) -> list[Identifiant]:
    return list(
        Dossier.objects.filter(
            etat=EtatDossier.BROUILLON, depose_le__isnull=True, updated_at__lte=limite
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _effacer(objets: Iterable[models.Model]) -> None:
    """Supprime ces objets et ce qui en dépend en cascade ; leurs fichiers (et ceux des
    objets emportés) sont effacés après validation."""
    objets = list(objets)
    if not objets:
        return
    collecte = NestedObjects(using="default")
    collecte.collect(objets)
    for modele, instances in collecte.data.items():
        fichiers = [f for f in modele._meta.fields if isinstance(f, models.FileField)]
        for instance in instances:
            for champ in fichiers:
                effacer_apres_validation(getattr(instance, champ.name))
    for objet in objets:
        objet.delete()


def _supprimer_convention(convention: Convention) -> None:
    """La convention et ses pièces comptables, dans l'ordre de leurs protections."""
    _effacer(Remboursement.objects.filter(indu__convention=convention))
    _effacer(Indu.objects.filter(convention=convention))
    _effacer(Mouvement.objects.filter(convention=convention))
    versements = list(Versement.objects.filter(convention=convention).order_by("-pk"))
    lots = {v.lot_id for v in versements if v.lot_id is not None}
    _effacer(versements)  # une réémission (plus récente) avant le versement qu'elle remplace
    _effacer(LotPaiement.objects.filter(pk__in=lots, versements__isnull=True))
    _effacer(Bilan.objects.filter(convention=convention))
    _effacer(Avenant.objects.filter(convention=convention))
    _effacer(ProjetAvenant.objects.filter(convention=convention))
    _effacer([convention])


def supprimer_dossier(dossier_id: Identifiant) -> bool:
    """Supprime un dossier échu et tout ce qui en dépend, dans une transaction ; le journal
    garde ce qu'il était (numéro, structure, campagne, état)."""
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().filter(pk=dossier_id).first()
        if dossier is None:
            return False
        for convention in Convention.objects.filter(dossier=dossier):
            _supprimer_convention(convention)
        _effacer(Decision.objects.filter(dossier=dossier))
        journal.ajouter(
            "dossiers.dossier",
            "dossier_purge",
            {
                "numero": dossier.numero,
                "structure_id": dossier.structure_id,
                "campagne_id": dossier.campagne_id,
                "etat": dossier.etat,
            },
            source_id=dossier.pk,
        )
        _effacer([dossier])
    return True


# --- Comptes, jetons, sessions, exports, connexions -----------------------------------------


def _comptes_inactifs(limite: dt.datetime) -> models.QuerySet[Utilisateur]:
    return Utilisateur.objects.filter(ferme_le__isnull=True, is_superuser=False).filter(
        models.Q(last_login__lte=limite) | models.Q(last_login__isnull=True, created_at__lte=limite)
    )


def _dernier_admin_avec_equipe(utilisateur_id: Identifiant) -> str:
    """La structure dont la personne est le seul administrateur alors que d'autres membres
    restent : l'anonymiser laisserait une équipe sans administrateur."""
    for adhesion in MembreStructure.objects.filter(
        utilisateur_id=utilisateur_id, role=RoleMembre.ADMINISTRATEUR
    ).select_related("structure"):
        autres = MembreStructure.objects.filter(structure_id=adhesion.structure_id).exclude(
            utilisateur_id=utilisateur_id
        )
        if autres.exists() and not autres.filter(role=RoleMembre.ADMINISTRATEUR).exists():
            return (
                f"seul administrateur de « {adhesion.structure.nom} », qui a d'autres membres :"
                " un autre membre doit d'abord être nommé administrateur"
            )
    return ""


def _comptes_reportes(limite: dt.datetime) -> dict[Identifiant, str]:
    reportes: dict[Identifiant, str] = {}
    for pk in _comptes_inactifs(limite).values_list("pk", flat=True):
        raison = _dernier_admin_avec_equipe(pk)
        if raison:
            reportes[pk] = raison
    return reportes


def _comptes_echus(limite: dt.datetime) -> list[Identifiant]:
    reportes = _comptes_reportes(limite)
    return [
        pk
        for pk in _comptes_inactifs(limite).order_by("pk").values_list("pk", flat=True)
        if pk not in reportes
    ]


def _anonymiser_inactif(utilisateur_id: Identifiant) -> bool:
    compte = Utilisateur.objects.filter(pk=utilisateur_id, ferme_le__isnull=True).first()
    if compte is None or _dernier_admin_avec_equipe(utilisateur_id):
        return False
    return anonymiser(compte, "inactivité", par_id=None)


def _supprimer_un(modele: type[models.Model]) -> Callable[[Identifiant], bool]:
    def supprimer(pk: Identifiant) -> bool:
        with transaction.atomic():
            objet = modele._default_manager.select_for_update().filter(pk=pk).first()
            if objet is None:
                return False
            _effacer([objet])
        return True

    return supprimer


def _identifiants(queryset: models.QuerySet[models.Model]) -> list[Identifiant]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _jetons_echus(limite: dt.datetime) -> list[Identifiant]:
    return _identifiants(
        JetonApi.objects.filter(models.Q(expire_le__lte=limite) | models.Q(revoque_le__lte=limite))
    )


SESSIONS_EN_BASE = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def _sessions_echues(limite: dt.datetime) -> list[Identifiant]:
    """Les sessions ouvertes suivies dont la session de Django a expiré (ou n'existe plus).
    Seulement quand les sessions sont en base : ailleurs, la table serait vide."""
    if settings.SESSION_ENGINE not in SESSIONS_EN_BASE:
        return []
    vivantes = Session.objects.filter(expire_date__gt=limite).values("session_key")
    return _identifiants(SessionOuverte.objects.exclude(cle__in=vivantes))


def _supprimer_session(pk: Identifiant) -> bool:
    ligne = SessionOuverte.objects.filter(pk=pk).first()
    if ligne is None:
        return False
    Session.objects.filter(session_key=ligne.cle).delete()
    ligne.delete()
    return True


def _connexions_echues(limite: dt.datetime) -> list[Identifiant]:
    return _identifiants(AccessLog.objects.filter(attempt_time__lte=limite))


def _echecs_echus(limite: dt.datetime) -> list[Identifiant]:
    return _identifiants(AccessFailureLog.objects.filter(attempt_time__lte=limite))


# --- Le catalogue -------------------------------------------------------------------------------


def _en_ans(reglage: str) -> Callable[[dt.datetime], dt.datetime]:
    return lambda maintenant: ans_avant(maintenant, getattr(settings, reglage))


def _en_jours(reglage: str) -> Callable[[dt.datetime], dt.datetime]:
    return lambda maintenant: maintenant - dt.timedelta(days=getattr(settings, reglage))


def categories() -> list[Categorie]:
    """Les catégories, avec les durées lues dans les réglages au moment de l'appel."""
    s = settings
    return [
        Categorie(
            "dossiers_clos",
            "Dossiers clôturés (avec leurs versements, lots, grand livre, bilan, convention)",
            f"{s.CLAS_CONSERVATION_DOSSIERS_CLOS_ANS} ans après la clôture",
            _en_ans("CLAS_CONSERVATION_DOSSIERS_CLOS_ANS"),
            lambda limite: _dossiers_echus([EtatDossier.CLOTURE], limite),
            supprimer_dossier,
        ),
        Categorie(
            "dossiers_refuses",
            "Dossiers refusés ou classés sans suite",
            f"{s.CLAS_CONSERVATION_DOSSIERS_REFUSES_ANS} ans après la décision",
            _en_ans("CLAS_CONSERVATION_DOSSIERS_REFUSES_ANS"),
            lambda limite: _dossiers_echus([EtatDossier.REFUSE, EtatDossier.SANS_SUITE], limite),
            supprimer_dossier,
        ),
        Categorie(
            "brouillons",
            "Brouillons jamais déposés",
            f"{s.CLAS_CONSERVATION_BROUILLONS_ANS} ans après la dernière modification",
            _en_ans("CLAS_CONSERVATION_BROUILLONS_ANS"),
            _brouillons_echus,
            supprimer_dossier,
        ),
        Categorie(
            "comptes_inactifs",
            "Comptes inactifs (anonymisés : ce qu'ils ont écrit dans les dossiers reste)",
            f"{s.CLAS_CONSERVATION_COMPTES_INACTIFS_ANS} ans après la dernière connexion",
            _en_ans("CLAS_CONSERVATION_COMPTES_INACTIFS_ANS"),
            _comptes_echus,
            _anonymiser_inactif,
            _comptes_reportes,
        ),
        Categorie(
            "jetons_api",
            "Jetons d'API expirés ou révoqués",
            f"{s.CLAS_CONSERVATION_JETONS_JOURS} jours après l'expiration ou la révocation",
            _en_jours("CLAS_CONSERVATION_JETONS_JOURS"),
            _jetons_echus,
            _supprimer_un(JetonApi),
        ),
        Categorie(
            "sessions",
            "Sessions expirées",
            f"{s.CLAS_CONSERVATION_SESSIONS_JOURS} jours après l'expiration",
            _en_jours("CLAS_CONSERVATION_SESSIONS_JOURS"),
            _sessions_echues,
            _supprimer_session,
        ),
        Categorie(
            "sessions_expirees",
            "Sessions de Django expirées (visiteurs compris)",
            f"{s.CLAS_CONSERVATION_SESSIONS_JOURS} jours après l'expiration",
            _en_jours("CLAS_CONSERVATION_SESSIONS_JOURS"),
            lambda limite: _identifiants(Session.objects.filter(expire_date__lte=limite)),
            _supprimer_un(Session),
        ),
        Categorie(
            "exports",
            "Exports produits (fichiers CSV et XLSX)",
            f"{s.CLAS_CONSERVATION_EXPORTS_JOURS} jours après la demande",
            _en_jours("CLAS_CONSERVATION_EXPORTS_JOURS"),
            lambda limite: _identifiants(ExportDemande.objects.filter(created_at__lte=limite)),
            _supprimer_un(ExportDemande),
        ),
        Categorie(
            "connexions",
            "Journal des connexions réussies (adresse IP, navigateur)",
            f"{s.CLAS_CONSERVATION_CONNEXIONS_JOURS} jours",
            _en_jours("CLAS_CONSERVATION_CONNEXIONS_JOURS"),
            _connexions_echues,
            _supprimer_un(AccessLog),
        ),
        Categorie(
            "echecs_de_connexion",
            "Journal des connexions manquées (adresse IP, navigateur)",
            f"{s.CLAS_CONSERVATION_CONNEXIONS_JOURS} jours",
            _en_jours("CLAS_CONSERVATION_CONNEXIONS_JOURS"),
            _echecs_echus,
            _supprimer_un(AccessFailureLog),
        ),
    ]


def _supprimer_ou_reporter(
    categorie: Categorie, pk: Identifiant, reportes: dict[Identifiant, str]
) -> bool:
    """Supprime un élément échu ; une protection inattendue (un objet qui s'y appuie
    encore) le garde, avec sa raison, sans arrêter la purge des autres."""
    try:
        return categorie.supprimer(pk)
    except (ProtectedError, RestrictedError) as erreur:
        liens = sorted({objet._meta.verbose_name for objet in erreur.args[1]})
        reportes[pk] = f"encore lié à : {', '.join(str(lien) for lien in liens)}"
        return False


def purger(appliquer: bool = False, maintenant: dt.datetime | None = None) -> list[Resultat]:
    """Ce qui est échu, par catégorie ; avec `appliquer`, le supprime (chaque objet dans sa
    transaction) et inscrit chaque catégorie purgée au journal. Idempotent."""
    maintenant = maintenant or timezone.now()
    resultats = []
    for categorie in categories():
        limite = categorie.limite(maintenant)
        echus = categorie.echus(limite)
        reportes = categorie.reportes(limite)
        if appliquer:
            echus = [pk for pk in echus if _supprimer_ou_reporter(categorie, pk, reportes)]
            if echus:
                journal.ajouter(
                    "rgpd.purge",
                    categorie.cle,
                    {
                        "duree": categorie.duree,
                        "limite": limite,
                        "nombre": len(echus),
                        "identifiants": echus,
                    },
                )
        resultats.append(Resultat(categorie, limite, echus, reportes))
    return resultats
