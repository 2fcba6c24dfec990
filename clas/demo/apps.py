from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "clas.demo"
    verbose_name = "Données de démonstration"
