from django.urls import path

from . import views
from .views import chiffres, open_data, tableau_de_bord

urlpatterns = [
    path("caf/", views.caf_accueil, name="caf_accueil"),
    path("statistiques/", tableau_de_bord.statistiques, name="statistiques"),
    path("chiffres/", chiffres.chiffres, name="chiffres"),
    path("chiffres/chiffres-clas.csv", chiffres.chiffres_csv, name="chiffres_csv"),
    path("open-data/subventions.csv", open_data.subventions_csv, name="open_data_subventions"),
]
