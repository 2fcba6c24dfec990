"""L'open data des subventions (`/open-data/subventions.csv`) : chaque convention signée,
une ligne au format SCDL subventions 2.1.1 (décret n° 2017-779), colonnes dans l'ordre du
schéma gardé dans `donnees/scdl-subventions-2.1.1.json`.

Une seule requête (conventions, dossier, structure, Caf et date du dernier versement payé
en sous-requête), lue par paquets et écrite ligne à ligne : la mémoire et le nombre de
requêtes ne dépendent pas du nombre de conventions. Les conventions d'une Caf dont le SIRET
n'est pas renseigné n'y figurent pas : `idAttribuant` est obligatoire et rien n'est inventé.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from clas.conventions.models import Convention
from clas.core.exports import texte_sur
from clas.referentiel.models import Caf
from clas.versements.models import EtatVersement, Versement

if TYPE_CHECKING:
    from clas.dossiers.models import Dossier

SCHEMA_SCDL = Path(__file__).resolve().parent / "donnees" / "scdl-subventions-2.1.1.json"
COLONNES: tuple[str, ...] = tuple(
    champ["name"] for champ in json.loads(SCHEMA_SCDL.read_text(encoding="utf-8"))["fields"]
)
NATURE = "aide en numéraire"
NOTIFICATION_UE = "non"  # le schéma : booléen écrit « oui » / « non »
POURCENTAGE = "1.00"  # un seul bénéficiaire par convention
OBJET_MAX = 256
TAILLE_DES_PAQUETS = 2000


def conventions_publiees() -> QuerySet[Convention]:
    """Les conventions signées d'une Caf au SIRET connu, de la plus ancienne signature à la
    plus récente, avec la date de leur dernier versement payé (`dernier_paiement`)."""
    dernier_paiement = (
        Versement.objects.filter(convention=OuterRef("pk"), etat=EtatVersement.PAYE)
        .order_by("-paye_le")
        .values("paye_le")[:1]
    )
    return (
        Convention.objects.filter(signee_le__isnull=False)
        .exclude(dossier__campagne__caf__siret="")
        .select_related("dossier__structure", "dossier__campagne__caf")
        .annotate(dernier_paiement=Subquery(dernier_paiement))
        .order_by("signee_le", "pk")
    )


def conventions_non_publiees() -> int:
    """Les conventions signées que la publication laisse de côté, faute du SIRET de leur Caf.
    Les Caf sans SIRET d'abord (101 lignes) : quand il n'y en a pas, rien à compter."""
    sans_siret = list(Caf.objects.filter(siret="").values_list("pk", flat=True))
    if not sans_siret:
        return 0
    return Convention.objects.filter(
        signee_le__isnull=False, dossier__campagne__caf_id__in=sans_siret
    ).count()


def echelonnee(convention: Convention) -> bool:
    """Un acompte puis un solde (article 3 de la convention) : « échelonné »."""
    return Decimal(0) < convention.taux_acompte < Decimal(1)


def periode_versement(convention: Convention, signature: dt.date) -> str:
    """Un versement unique payé : sa date. Sinon la période de la signature (l'acompte la
    suit) à la date limite du bilan (le solde suit son acceptation), ou au dernier
    versement payé s'il vient après."""
    paye: dt.date | None = getattr(convention, "dernier_paiement", None)
    if not echelonnee(convention) and paye is not None:
        return paye.isoformat()
    fin = max(d for d in (signature, convention.date_limite_bilan, paye) if d is not None)
    return f"{signature.isoformat()}/{fin.isoformat()}"


def objet(dossier: Dossier) -> str:
    texte = (
        "Prestation de service Contrat local d'accompagnement à la scolarité (Clas), "
        f"année scolaire {dossier.campagne.annee_scolaire}"
    )
    if dossier.titre:
        texte += f" : {dossier.titre}"
    return texte if len(texte) <= OBJET_MAX else texte[: OBJET_MAX - 1] + "…"


def ligne(convention: Convention) -> dict[str, str]:
    """La ligne SCDL d'une convention signée. Les textes libres sont neutralisés comme dans
    les exports (un nom qui commence par « = » ne devient pas une formule)."""
    dossier = convention.dossier
    structure, caf = dossier.structure, dossier.campagne.caf
    assert convention.signee_le is not None
    signature = timezone.localdate(convention.signee_le)
    return {
        "nomAttribuant": texte_sur(caf.nom),
        "idAttribuant": caf.siret,
        "dateConvention": signature.isoformat(),
        "referenceDecision": texte_sur(dossier.numero or ""),
        "nomBeneficiaire": texte_sur(structure.nom),
        "idBeneficiaire": structure.siret,
        "rnaBeneficiaire": structure.rna,
        "objet": texte_sur(objet(dossier)),
        "montant": f"{convention.montant_maximal:.2f}",
        "nature": NATURE,
        "conditionsVersement": "échelonné" if echelonnee(convention) else "unique",
        "datesPeriodeVersement": periode_versement(convention, signature),
        "idRAE": "",
        "notificationUE": NOTIFICATION_UE,
        "pourcentageSubvention": POURCENTAGE,
        "dispositifAide": "",
    }


class _Tampon:
    """Le « fichier » de csv.writer : rend la ligne écrite au lieu de la garder."""

    def write(self, texte: str) -> str:
        return texte


def flux_subventions(conventions: QuerySet[Convention] | None = None) -> Iterator[str]:
    """Le CSV (UTF-8 sans BOM, virgule), en-tête puis une ligne par convention."""
    ecrivain: Any = csv.DictWriter(_Tampon(), fieldnames=COLONNES, lineterminator="\r\n")
    yield ecrivain.writeheader()
    requete = conventions_publiees() if conventions is None else conventions
    for convention in requete.iterator(chunk_size=TAILLE_DES_PAQUETS):
        yield ecrivain.writerow(ligne(convention))
