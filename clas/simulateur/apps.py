from django.apps import AppConfig


class SimulateurConfig(AppConfig):
    name = "clas.simulateur"
