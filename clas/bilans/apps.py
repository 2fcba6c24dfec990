from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "clas.bilans"
    verbose_name = "Bilans, indus et remboursements"
