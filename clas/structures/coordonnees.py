"""Les coordonnées bancaires d'une structure, sous le contrôle de sa Caf (fraude au
changement de RIB) : une structure propose un IBAN et un BIC avec son RIB ; ils restent
« à vérifier » jusqu'à ce qu'un valideur de sa Caf les accepte — alors seulement ils
deviennent `Structure.iban` et `Structure.bic`, ceux que les versements paient — ou les
refuse. Chaque proposition, acceptation et refus est inscrit à l'historique (comptes
masqués) et annoncé par courriel aux signataires et administrateurs de la structure.

Les versements validés sur l'ancien compte reviennent « à valider » : la structure
l'annonce (`signaux.coordonnees_acceptees`), les versements s'y abonnent."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clas.core.courriels import apres_validation, envoyer
from clas.core.exceptions import ActionImpossible
from clas.core.fichiers import verifier_fichier
from clas.core.validators import masquer_iban, normaliser_iban, valider_bic, valider_iban
from clas.journal.chaine import champs_de, noter_changements

from .etats import COORDONNEES
from .models import (
    ChangementCoordonnees,
    EtatCoordonnees,
    EvenementCoordonnees,
    MembreStructure,
    RoleMembre,
    Structure,
    TypeEvenementCoordonnees,
)
from .permissions import exiger, peut_examiner_coordonnees
from .signaux import coordonnees_acceptees

if TYPE_CHECKING:
    from clas.comptes.models import Utilisateur

E = EtatCoordonnees
T = TypeEvenementCoordonnees

REFUS_EXAMEN = "Seul un valideur de la Caf de la structure examine ses coordonnées bancaires."
REFUS_SEPARATION = (
    "Vous avez proposé ces coordonnées : un autre valideur doit les examiner (séparation "
    "des tâches)."
)


@dataclass(frozen=True)
class Coordonnees:
    iban: str
    bic: str

    @classmethod
    def saisies(cls, iban: str, bic: str) -> Coordonnees:
        return cls(normaliser_iban(iban), re.sub(r"\s+", "", bic or "").upper())

    @classmethod
    def acceptees(cls, structure: Structure) -> Coordonnees:
        return cls.saisies(structure.iban, structure.bic)

    def __str__(self) -> str:
        if not self.iban:
            return "aucun compte"
        return f"{masquer_iban(self.iban)} (BIC {self.bic or '—'})"


def changement_en_cours(structure: Structure) -> ChangementCoordonnees | None:
    """Les coordonnées que la structure a proposées et que la Caf n'a pas encore examinées."""
    return structure.changements_coordonnees.a_verifier().first()


def destinataires(structure: Structure) -> list[str]:
    """Ceux qui doivent savoir qu'un compte change : signataires et administrateurs actifs,
    et l'adresse de la structure, sans doublon."""
    adresses = list(
        MembreStructure.objects.filter(
            structure_id=structure.pk,
            utilisateur__is_active=True,
            role__in=[RoleMembre.ADMINISTRATEUR, RoleMembre.SIGNATAIRE],
        )
        .order_by("utilisateur__email")
        .values_list("utilisateur__email", flat=True)
    )
    if structure.email:
        adresses.append(structure.email.lower())
    return list(dict.fromkeys(adresses))


def _prevenir(changement: ChangementCoordonnees, type_: str) -> None:
    """Le courriel aux signataires et administrateurs, une fois la transaction validée."""
    structure = changement.structure
    contexte = {
        "structure": structure,
        "changement": changement,
        "type": type_,
        "ancien": str(Coordonnees(changement.ancien_iban, changement.ancien_bic)),
        "nouveau": str(Coordonnees(changement.iban, changement.bic)),
        "lien": getattr(settings, "URL_PLATEFORME", "").rstrip("/")
        + reverse("structure_fiche", args=[structure.pk]),
    }
    apres_validation(envoyer, "structures/email_coordonnees", destinataires(structure), contexte)


def _verifier(coordonnees: Coordonnees) -> None:
    erreurs: dict[str, list[str]] = {}
    for champ, valeur, valider, quoi in (
        ("iban", coordonnees.iban, valider_iban, "l'IBAN"),
        ("bic", coordonnees.bic, valider_bic, "le BIC"),
    ):
        if not valeur:
            erreurs[champ] = [f"Renseignez {quoi} du compte de la structure."]
            continue
        try:
            valider(valeur)
        except ValidationError as erreur:
            erreurs[champ] = erreur.messages
    if erreurs:
        raise ValidationError(erreurs)


@transaction.atomic
def proposer_coordonnees(
    structure: Structure, par: Utilisateur, iban: str, bic: str, rib: UploadedFile[bytes] | None
) -> ChangementCoordonnees | None:
    """Un administrateur de la structure propose un compte, avec son RIB : « à vérifier »
    par la Caf ; une proposition encore en attente est remplacée. Revenir au compte accepté
    annule la proposition en attente (renvoie None : rien à vérifier)."""
    exiger(structure, par, "modifier")
    nouvelles = Coordonnees.saisies(iban, bic)
    _verifier(nouvelles)
    structure = Structure.objects.select_for_update().get(pk=structure.pk)
    acceptees = Coordonnees.acceptees(structure)
    en_cours = changement_en_cours(structure)
    if en_cours is not None and Coordonnees(en_cours.iban, en_cours.bic) == nouvelles:
        return en_cours  # déjà proposées : rien de neuf
    if en_cours is not None:
        COORDONNEES.appliquer(
            en_cours,
            "remplacer",
            par,
            f"Remplacées par {par} avant d'être vérifiées : {en_cours_texte(en_cours)}.",
        )
    if nouvelles == acceptees:
        return None
    if rib is None:
        raise ValidationError(
            {"rib": ["Joignez le RIB du compte : la Caf le compare aux coordonnées saisies."]}
        )
    verifie = verifier_fichier(rib)
    changement = ChangementCoordonnees(
        structure=structure,
        iban=nouvelles.iban,
        bic=nouvelles.bic,
        ancien_iban=acceptees.iban,
        ancien_bic=acceptees.bic,
        rib_nom=verifie.nom,
        rib_type_mime=verifie.type_mime,
        propose_par=par,
    )
    # Le nom sur le disque est tiré au hasard : le nom d'origine est gardé en base.
    extension = PurePath(verifie.nom).suffix.lower()
    changement.rib.save(f"{uuid.uuid4().hex}{extension}", rib, save=False)
    changement.save()
    EvenementCoordonnees.objects.create(
        structure=structure,
        changement=changement,
        type=T.PROPOSEES,
        auteur=par,
        etat_apres=changement.etat,
        description=(
            f"{par} propose un nouveau compte : {acceptees} → {nouvelles}. La Caf le "
            "vérifie avec le RIB avant d'y verser quoi que ce soit ; d'ici là, les "
            f"versements partent sur {'le compte accepté' if acceptees.iban else 'aucun compte'}."
        ),
    )
    changement.structure = structure
    _prevenir(changement, T.PROPOSEES)
    return changement


def en_cours_texte(changement: ChangementCoordonnees) -> str:
    return str(Coordonnees(changement.iban, changement.bic))


def _examinateur(changement: ChangementCoordonnees, valideur: Utilisateur) -> None:
    if not peut_examiner_coordonnees(changement.structure, valideur):
        raise PermissionDenied(REFUS_EXAMEN)
    if changement.propose_par_id == valideur.pk:
        raise ActionImpossible(REFUS_SEPARATION)


@transaction.atomic
def accepter_coordonnees(
    changement: ChangementCoordonnees, valideur: Utilisateur
) -> ChangementCoordonnees:
    """Le valideur a comparé le RIB aux coordonnées : elles deviennent celles de la
    structure, que les prochains lots paieront (après une nouvelle validation des
    versements validés sur l'ancien compte)."""
    _examinateur(changement, valideur)
    structure = Structure.objects.select_for_update().get(pk=changement.structure_id)
    maintenant = timezone.now()
    ancien = Coordonnees.acceptees(structure)
    nouveau = Coordonnees(changement.iban, changement.bic)
    COORDONNEES.appliquer(
        changement,
        "accepter",
        valideur,
        f"Acceptées par {valideur} après comparaison avec le RIB : {ancien} → {nouveau}. "
        "Les versements validés sur l'ancien compte sont à valider de nouveau.",
        champs={"examine_par": valideur, "examine_le": maintenant},
    )
    avant = champs_de(structure)
    structure.iban, structure.bic = nouveau.iban, nouveau.bic
    structure.save(update_fields=["iban", "bic"])
    noter_changements(structure, avant, "coordonnees_bancaires_changees", valideur.pk)
    changement.structure = structure
    coordonnees_acceptees.send(
        ChangementCoordonnees, structure=structure, changement=changement, auteur=valideur
    )
    _prevenir(changement, T.ACCEPTEES)
    return changement


@transaction.atomic
def refuser_coordonnees(
    changement: ChangementCoordonnees, valideur: Utilisateur, motif: str
) -> ChangementCoordonnees:
    """Le valideur refuse, avec le motif (montré à la structure) : le compte accepté reste
    celui que les versements paient."""
    motif = " ".join((motif or "").split())
    _examinateur(changement, valideur)
    if not motif:
        raise ValidationError(
            {"motif": ["Indiquez le motif du refus : il est montré à la structure."]}
        )
    COORDONNEES.appliquer(
        changement,
        "refuser",
        valideur,
        f"Refusées par {valideur} : {motif} Le compte accepté reste "
        f"{Coordonnees(changement.ancien_iban, changement.ancien_bic)}.",
        champs={"examine_par": valideur, "examine_le": timezone.now(), "motif_refus": motif},
    )
    _prevenir(changement, T.REFUSEES)
    return changement
