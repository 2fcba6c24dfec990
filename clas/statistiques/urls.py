from django.urls import path

from . import views

urlpatterns = [path("caf/", views.caf_accueil, name="caf_accueil")]
