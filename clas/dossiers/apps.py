from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "clas.dossiers"
    verbose_name = "Dossiers Clas"
