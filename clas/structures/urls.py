from django.urls import path

from . import views

urlpatterns = [
    path("structure/", views.structure_accueil, name="structure_accueil"),
]
