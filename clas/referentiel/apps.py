from django.apps import AppConfig


class ReferentielConfig(AppConfig):
    name = "clas.referentiel"
    verbose_name = "Référentiel (Caf et paramètres du barème)"
