from django.urls import path

from . import pages, views

urlpatterns = [
    path("sante/", views.sante, name="sante"),
    path("accessibilite/", pages.accessibilite, name="accessibilite"),
    path("mentions-legales/", pages.mentions_legales, name="mentions_legales"),
    path("donnees-personnelles/", pages.donnees_personnelles, name="donnees_personnelles"),
    path("plan-du-site/", pages.plan_du_site, name="plan_du_site"),
    path("aide/", pages.aide, name="aide"),
]
