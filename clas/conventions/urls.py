from django.urls import include, path

from . import views

urlpatterns = [
    path("dossiers/<int:pk>/convention.pdf", views.convention_pdf, name="convention_pdf"),
    path("dossiers/<int:pk>/convention/signer/", views.convention_signer, name="convention_signer"),
    path("", include("clas.conventions.urls_paiements")),
    path("", include("clas.conventions.urls_bilan")),
    path("", include("clas.conventions.urls_regularisation")),
]
