from django.urls import path

from . import views

urlpatterns = [
    path("national/", views.national_accueil, name="national_accueil"),
    path("national/parametres/", views.parametres_liste, name="parametres_liste"),
    path("national/parametres/ajouter/", views.parametres_ajouter, name="parametres_ajouter"),
    path("national/parametres/<str:annee>/", views.parametres_modifier, name="parametres_modifier"),
]
