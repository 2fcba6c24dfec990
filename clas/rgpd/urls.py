from django.urls import path

from . import views

urlpatterns = [
    path("mon-compte/", views.mon_compte, name="mon_compte"),
    path("mon-compte/mes-donnees.json", views.mes_donnees, name="mes_donnees"),
    path("mon-compte/fermer/", views.fermer, name="compte_fermer"),
]
