"""Lecture des paramètres en base et simulation : la porte commune du simulateur web, de
l'API et de la ligne de commande."""

from __future__ import annotations

from clas.bareme import Parametres, Resultat, calculer, lire_entree

from .models import ParametresBareme


def parametres_par_annee() -> dict[str, Parametres]:
    return {ligne.annee_scolaire: ligne.vers_bareme() for ligne in ParametresBareme.objects.all()}


def annees_disponibles() -> list[str]:
    return list(ParametresBareme.objects.values_list("annee_scolaire", flat=True))


def simuler(donnees: object) -> Resultat:
    """Valide l'entrée du contrat JSON et calcule avec les paramètres en base.

    Lève `EntreeInvalide` avec la liste de toutes les erreurs.
    """
    parametres = parametres_par_annee()
    entree = lire_entree(donnees, parametres.keys())
    return calculer(entree, parametres[entree.annee_scolaire])
