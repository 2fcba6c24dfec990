from django.urls import path

from . import views

urlpatterns = [
    path("campagnes/", views.campagnes_liste, name="campagnes_liste"),
    path("campagnes/nouvelle/", views.campagne_nouvelle, name="campagne_nouvelle"),
    path("campagnes/<int:pk>/modifier/", views.campagne_modifier, name="campagne_modifier"),
]
