"""Les adresses de la convention et de ses avenants."""

from django.urls import path

from . import views

urlpatterns = [
    path("dossiers/<int:pk>/convention.pdf", views.convention_pdf, name="convention_pdf"),
    path("dossiers/<int:pk>/convention/signer/", views.convention_signer, name="convention_signer"),
    path("instruction/dossiers/<int:pk>/avenant/", views.avenant_proposer, name="avenant_proposer"),
    path("dossiers/<int:pk>/avenants/<int:numero>.pdf", views.avenant_pdf, name="avenant_pdf"),
]
