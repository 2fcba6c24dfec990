"""Écrire et vérifier la chaîne du journal.

L'empreinte d'une entrée est le SHA-256 de sa sérialisation JSON canonique (clés triées,
sans espaces, UTF-8), qui comprend l'empreinte de l'entrée précédente : changer une entrée
change son empreinte et rompt le lien avec la suivante.

L'ajout est sérialisé : verrou consultatif de transaction sur PostgreSQL ; sur SQLite, la
base n'a qu'un écrivain à la fois. Le numéro est la clé primaire : deux ajouts concurrents
ne peuvent de toute façon pas donner deux entrées du même numéro."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_save
from django.utils import timezone

from .models import Entree

ORIGINE = "0" * 64  # le « précédent » de la première entrée
VERROU = 0x434C4153  # « CLAS » : la clé du verrou consultatif PostgreSQL


def canonique(valeur: Any) -> str:
    """La sérialisation JSON canonique : la même valeur donne toujours les mêmes octets."""
    return json.dumps(valeur, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _simple(valeur: Any) -> Any:
    """Une valeur de champ en type JSON (dates ISO 8601, montants en texte exact)."""
    if valeur is None or isinstance(valeur, bool | int | str):
        return valeur
    if isinstance(valeur, dt.datetime) and valeur.tzinfo is not None:
        # Un même instant, une même écriture : l'heure de Paris saisie et l'heure UTC relue
        # de la base ne doivent pas passer pour un changement.
        return valeur.astimezone(dt.UTC).isoformat()
    if isinstance(valeur, dt.datetime | dt.date | dt.time):
        return valeur.isoformat()
    if isinstance(valeur, Decimal | UUID | float):
        return str(valeur)
    if isinstance(valeur, FieldFile):
        return valeur.name or ""
    if isinstance(valeur, Mapping):
        return {str(cle): _simple(v) for cle, v in valeur.items()}
    if isinstance(valeur, list | tuple | set | frozenset):
        return [_simple(v) for v in valeur]
    return str(valeur)


def champs_de(instance: models.Model) -> dict[str, Any]:
    """Tous les champs enregistrés d'une ligne, clés étrangères par identifiant."""
    return {
        champ.attname: _simple(getattr(instance, champ.attname))
        for champ in instance._meta.concrete_fields
    }


def _horodatage(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def empreinte(entree: Entree) -> str:
    """L'empreinte attendue de `entree` (son contenu et l'empreinte précédente)."""
    donnees = {
        "numero": entree.numero,
        "horodatage": _horodatage(entree.horodatage),
        "source": entree.source,
        "source_id": entree.source_id,
        "type": entree.type,
        "acteur_id": entree.acteur_id,
        "contenu": entree.contenu,
        "precedent": entree.precedent,
    }
    return hashlib.sha256(canonique(donnees).encode()).hexdigest()


def _verrouiller() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as curseur:
            curseur.execute("SELECT pg_advisory_xact_lock(%s)", [VERROU])


@dataclass(frozen=True)
class Ajout:
    """Une entrée à ajouter (ce que reçoit `ajouter`), avant son numéro et ses empreintes."""

    source: str
    type: str
    contenu: Mapping[str, Any]
    source_id: object = ""
    acteur_id: int | None = None


TAILLE_INSERTION = 500  # entrées par INSERT : un lot de 1 200 versements en trois


def _tete_de_chaine() -> tuple[int, str]:
    """Le numéro de la prochaine entrée et l'empreinte qu'elle suit."""
    tete_ = Entree.objects.order_by("-numero").values_list("numero", "empreinte").first()
    return (tete_[0] + 1, tete_[1]) if tete_ else (1, ORIGINE)


def _entree(numero: int, precedent: str, moment: dt.datetime, ajout: Ajout) -> Entree:
    entree = Entree(
        numero=numero,
        horodatage=moment,
        source=ajout.source,
        source_id="" if ajout.source_id is None else str(ajout.source_id),
        type=str(ajout.type),
        acteur_id=ajout.acteur_id,
        contenu=canonique(_simple(ajout.contenu)),
        precedent=precedent,
    )
    entree.empreinte = empreinte(entree)
    return entree


def ajouter_en_masse(ajouts: Sequence[Ajout]) -> list[Entree]:
    """Ajoute des entrées en tête de chaîne, dans l'ordre, dans la transaction de
    l'appelant : un verrou, une lecture de la tête et une insertion groupée, quel que soit
    leur nombre (un lot de paiement)."""
    if not ajouts:
        return []
    with transaction.atomic(savepoint=False):
        _verrouiller()
        numero, precedent = _tete_de_chaine()
        moment = timezone.now()
        entrees = []
        for rang, ajout in enumerate(ajouts):
            entree = _entree(numero + rang, precedent, moment, ajout)
            entrees.append(entree)
            precedent = entree.empreinte
        Entree.objects.bulk_create(entrees, batch_size=TAILLE_INSERTION)
        return entrees


def ajouter(
    source: str,
    type_: str,
    contenu: Mapping[str, Any],
    source_id: object = "",
    acteur_id: int | None = None,
) -> Entree:
    """Ajoute une entrée en tête de chaîne, dans la transaction de l'appelant (l'événement
    et son entrée sont enregistrés ensemble, ou rien)."""
    (entree,) = ajouter_en_masse([Ajout(source, type_, contenu, source_id, acteur_id)])
    return entree


def _auteur(instance: models.Model) -> int | None:
    for nom in ("auteur_id", "par_id"):
        valeur = getattr(instance, nom, None)
        if isinstance(valeur, int):
            return valeur
    return None


def _recopie(instance: models.Model, created: bool) -> Ajout:
    """L'entrée qui recopie une ligne d'un historique inscrit."""
    return Ajout(
        instance._meta.label_lower,
        str(getattr(instance, "type", "") or ("creation" if created else "modification")),
        {"operation": "ajout" if created else "modification", **champs_de(instance)},
        source_id=instance.pk,
        acteur_id=_auteur(instance),
    )


def _evenement_enregistre(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any
) -> None:
    if raw:  # une restauration (loaddata) ne rejoue pas le journal
        return
    ajouter_en_masse([_recopie(instance, created)])


_INSCRITS: set[str] = set()


def inscrire(modele: type[models.Model]) -> None:
    """Chaque ligne enregistrée dans `modele` (un historique d'application) est recopiée
    dans le journal, dans la même transaction."""
    _INSCRITS.add(modele._meta.label_lower)
    post_save.connect(
        _evenement_enregistre, sender=modele, dispatch_uid=f"journal_{modele._meta.label_lower}"
    )


def recopier_en_masse(instances: Sequence[models.Model]) -> list[Entree]:
    """Ce que `inscrire` écrirait pour chacune de ces lignes créées par `bulk_create`, qui
    n'envoie pas post_save : à appeler juste après, dans la même transaction."""
    for instance in instances:
        if instance._meta.label_lower not in _INSCRITS:
            raise ValueError(f"{instance._meta.label_lower} n'est pas inscrit au journal.")
        if instance.pk is None:  # base qui ne rend pas les identifiants d'un bulk_create
            raise ValueError("Une ligne sans identifiant ne se recopie pas au journal.")
    return ajouter_en_masse([_recopie(instance, created=True) for instance in instances])


# --- Vérification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Faute:
    numero: int
    raison: str

    def __str__(self) -> str:
        return f"Entrée n° {self.numero} : {self.raison}"


def fautes(taille_lot: int = 2000) -> Iterator[Faute]:
    """Les fautes de la chaîne, dans l'ordre ; la première est la plus ancienne entrée
    touchée."""
    attendu, precedent = 1, ORIGINE
    for entree in Entree.objects.order_by("numero").iterator(chunk_size=taille_lot):
        if entree.numero != attendu:
            yield Faute(
                attendu,
                f"absente (supprimée ?) : la chaîne passe à l'entrée n° {entree.numero}.",
            )
        elif entree.precedent != precedent:
            yield Faute(
                entree.numero,
                "ne suit pas l'entrée précédente (entrée supprimée, réordonnée, ou entrée "
                "précédente réécrite avec une nouvelle empreinte).",
            )
        elif empreinte(entree) != entree.empreinte:
            yield Faute(entree.numero, "son contenu ne correspond plus à son empreinte (modifiée).")
        attendu, precedent = entree.numero + 1, entree.empreinte


def premiere_faute() -> Faute | None:
    return next(fautes(), None)


def tete(jusqu_au: dt.date | None = None) -> Entree | None:
    """La dernière entrée (à la fin du jour `jusqu_au`, heure de Paris, s'il est donné)."""
    entrees = Entree.objects.order_by("-numero")
    if jusqu_au is not None:
        fin = dt.datetime.combine(jusqu_au + dt.timedelta(days=1), dt.time())
        entrees = entrees.filter(horodatage__lt=timezone.make_aware(fin))
    return entrees.first()


def condense(entree: Entree | None, jour: dt.date) -> dict[str, Any]:
    """Le condensé de la tête de chaîne d'un jour, à garder hors de la plateforme."""
    if entree is None:
        return {"jour": jour.isoformat(), "numero": 0, "empreinte": ORIGINE, "horodatage": ""}
    return {
        "jour": jour.isoformat(),
        "numero": entree.numero,
        "empreinte": entree.empreinte,
        "horodatage": _horodatage(entree.horodatage),
    }


def faute_du_condense(condense_: Mapping[str, Any]) -> Faute | None:
    """Un condensé exporté est-il toujours dans la chaîne ? (voit une fin de chaîne
    supprimée, que la chaîne seule ne peut pas voir)."""
    numero = int(condense_["numero"])
    if numero == 0:
        return None
    entree = Entree.objects.filter(numero=numero).first()
    if entree is None:
        return Faute(numero, f"absente, alors que le condensé du {condense_['jour']} la cite.")
    if entree.empreinte != condense_["empreinte"]:
        return Faute(numero, f"son empreinte n'est plus celle du condensé du {condense_['jour']}.")
    return None


def noter_changements(
    instance: models.Model, avant: Mapping[str, Any], type_: str, acteur_id: int | None
) -> Entree | None:
    """Journalise les champs de `instance` qui ont changé depuis `avant` (relevé par
    `champs_de` avant la modification), chacun avec sa valeur avant et après ; rien si
    rien n'a changé."""
    apres = champs_de(instance)
    changements = {
        nom: [avant.get(nom), valeur] for nom, valeur in apres.items() if avant.get(nom) != valeur
    }
    if not changements:
        return None
    return ajouter(
        instance._meta.label_lower,
        type_,
        {"changements": changements},
        source_id=instance.pk,
        acteur_id=acteur_id,
    )
