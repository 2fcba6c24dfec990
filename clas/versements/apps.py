from django.apps import AppConfig


class VersementsConfig(AppConfig):
    name = "clas.versements"
    verbose_name = "Versements et lots de paiement"
