from django.apps import AppConfig


class StatistiquesConfig(AppConfig):
    name = "clas.statistiques"
    verbose_name = "Pilotage et statistiques"
