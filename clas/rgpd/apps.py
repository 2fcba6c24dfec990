from django.apps import AppConfig


class RgpdConfig(AppConfig):
    """Données personnelles (RGPD) : durées de conservation et purge, téléchargement de
    ses données, fermeture de son compte. Tout en haut des couches : elle lit et supprime
    les données de toutes les applications, aucune ne l'importe."""

    name = "clas.rgpd"
    label = "rgpd"
    verbose_name = "Données personnelles"
