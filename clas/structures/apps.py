from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "clas.structures"
    verbose_name = "Structures porteuses"

    def ready(self) -> None:
        from . import etats  # noqa: F401  (inscrit sa table de transitions)
