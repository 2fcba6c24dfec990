from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "clas.api"
