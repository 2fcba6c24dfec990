from django.urls import path

from . import exports_differes, pages, views

urlpatterns = [
    path("sante/", views.sante, name="sante"),
    path("accessibilite/", pages.accessibilite, name="accessibilite"),
    path("mentions-legales/", pages.mentions_legales, name="mentions_legales"),
    path("donnees-personnelles/", pages.donnees_personnelles, name="donnees_personnelles"),
    path("plan-du-site/", pages.plan_du_site, name="plan_du_site"),
    path("aide/", pages.aide, name="aide"),
    path("exports/<int:pk>/", exports_differes.export_suivi, name="export_suivi"),
    path(
        "exports/<int:pk>/telecharger/",
        exports_differes.export_telecharger,
        name="export_telecharger",
    ),
]
