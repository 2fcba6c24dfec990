from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "clas.comptes"
    verbose_name = "Comptes et rôles"
