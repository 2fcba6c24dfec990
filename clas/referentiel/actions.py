"""Cas d'usage du référentiel : modifier les paramètres du barème, avec historique."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from clas.bareme import Parametres
from clas.bareme.parametres import NOMS_PARAMETRES
from clas.comptes import double_facteur
from clas.comptes.models import Utilisateur
from clas.core.courriels import apres_validation, envoyer
from clas.core.exceptions import VersionPerimee

from .models import ModificationParametre, ParametresBareme


@transaction.atomic
def modifier_parametres(
    parametres: ParametresBareme,
    valeurs: Mapping[str, Any],
    sources: Mapping[str, str],
    motif: str,
    auteur: Utilisateur,
    version: str,
) -> list[ModificationParametre]:
    """Enregistre les nouvelles valeurs et une ligne d'historique par changement.

    Les décisions déjà prises gardent leurs propres copies des paramètres : rien ne change
    pour elles.
    """
    actuel = ParametresBareme.objects.select_for_update().get(pk=parametres.pk)
    if actuel.updated_at.isoformat() != version:
        raise VersionPerimee
    # Le barème refuse un jeu de paramètres incohérent avant toute écriture.
    Parametres.depuis_dict(actuel.annee_scolaire, valeurs, sources)
    modifications = []
    anciennes_sources = actuel.sources or {}
    for nom in NOMS_PARAMETRES:
        ancienne, nouvelle = getattr(actuel, nom), valeurs[nom]
        ancienne_source, nouvelle_source = anciennes_sources.get(nom, ""), sources.get(nom, "")
        # Comparer les valeurs, pas leur écriture : « 2563 » ne change pas « 2563.00 ».
        if Decimal(str(ancienne)) == Decimal(str(nouvelle)) and ancienne_source == nouvelle_source:
            continue
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
            )
        )
        setattr(actuel, nom, nouvelle)
    if modifications:
        actuel.sources = dict(sources)
        actuel.save()
        ModificationParametre.objects.bulk_create(modifications)
    return modifications


@transaction.atomic
def ajouter_annee(annee_scolaire: str, auteur: Utilisateur) -> ParametresBareme:
    """Crée une année en reprenant les valeurs et sources de la plus récente."""
    modele = ParametresBareme.objects.order_by("-annee_scolaire").first()
    if modele is None:
        raise ValueError("Aucune année de référence à reprendre.")
    nouvelle = ParametresBareme.objects.create(
        annee_scolaire=annee_scolaire, sources=dict(modele.sources), **modele.valeurs()
    )
    ModificationParametre.objects.create(
        parametres=nouvelle,
        parametre="annee_scolaire",
        ancienne_valeur="",
        nouvelle_valeur=annee_scolaire,
        motif=f"Création de l'année, valeurs reprises de {modele.annee_scolaire}.",
        auteur=auteur,
    )
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
