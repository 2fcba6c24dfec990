"""Les pages « Mes jetons d'API » de Mon compte."""

from django.urls import path

from . import pages

urlpatterns = [
    path("mon-compte/jetons-api/", pages.liste, name="jetons_api"),
    path("mon-compte/jetons-api/<int:pk>/revoquer/", pages.revoquer, name="jeton_api_revoquer"),
]
