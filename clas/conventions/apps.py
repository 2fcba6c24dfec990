from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "clas.conventions"
    verbose_name = "Conventions et avenants"
