from typing import Any

from django.apps import AppConfig


def _annee_utilisee(sender: Any, annee_scolaire: str, **kwargs: Any) -> bool:
    """Une année a une campagne : ses paramètres du barème ne changent plus qu'à quatre
    yeux."""
    from .models import Campagne

    return Campagne.objects.filter(annee_scolaire=annee_scolaire).exists()


class CampagnesConfig(AppConfig):
    name = "clas.campagnes"
    verbose_name = "Campagnes d'appel à projets"

    def ready(self) -> None:
        from clas.referentiel.signaux import annee_utilisee

        annee_utilisee.connect(_annee_utilisee, dispatch_uid="campagnes_annee_utilisee")
