from django.apps import AppConfig


class CampagnesConfig(AppConfig):
    name = "clas.campagnes"
    verbose_name = "Campagnes d'appel à projets"
