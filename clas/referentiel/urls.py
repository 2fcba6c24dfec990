from django.urls import path

from . import views
from .views import caf, double_facteur

urlpatterns = [
    path("national/", views.national_accueil, name="national_accueil"),
    path("national/parametres/", views.parametres_liste, name="parametres_liste"),
    path("national/parametres/ajouter/", views.parametres_ajouter, name="parametres_ajouter"),
    path("national/caf/", caf.liste, name="national_caf_liste"),
    path("national/caf/<str:code>/", caf.modifier, name="national_caf_modifier"),
    path(
        "national/double-authentification/",
        double_facteur.liste,
        name="national_double_facteur",
    ),
    path(
        "national/double-authentification/<int:pk>/reinitialiser/",
        double_facteur.reinitialiser,
        name="national_double_facteur_reinitialiser",
    ),
    path("national/parametres/<str:annee>/", views.parametres_modifier, name="parametres_modifier"),
    path(
        "national/parametres/<str:annee>/propositions/<int:pk>/approuver/",
        views.parametres_approuver,
        name="parametres_approuver",
    ),
    path(
        "national/parametres/<str:annee>/propositions/<int:pk>/refuser/",
        views.parametres_refuser,
        name="parametres_refuser",
    ),
]
