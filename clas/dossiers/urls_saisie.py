"""La saisie d'un dossier par la structure : liste, création, étapes, estimation."""

from django.urls import path

from . import views_saisie as vues

urlpatterns = [
    path("dossiers/", vues.dossiers_liste, name="dossiers_liste"),
    path("dossiers/nouveau/", vues.dossier_nouveau, name="dossier_nouveau"),
    path("dossiers/<int:pk>/etapes/<str:etape>/", vues.dossier_etape, name="dossier_etape"),
    path("dossiers/<int:pk>/estimation/", vues.dossier_estimation, name="dossier_estimation"),
]
