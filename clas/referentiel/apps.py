from django.apps import AppConfig


class ReferentielConfig(AppConfig):
    name = "clas.referentiel"
    verbose_name = "Référentiel (Caf et paramètres du barème)"

    def ready(self) -> None:
        from . import etats  # noqa: F401  (inscrit ses tables de transitions)
