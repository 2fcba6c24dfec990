from django.urls import path

from . import views

urlpatterns = [path("simulateur/", views.simulateur, name="simulateur")]
