from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "clas.structures"
    verbose_name = "Structures porteuses"
