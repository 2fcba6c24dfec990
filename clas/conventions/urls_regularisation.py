"""Les adresses de la régularisation : indu, remboursements, avenants (voir
conventions/urls.py)."""

from django.urls import path

from . import views_regularisation as vues

urlpatterns = [
    path("dossiers/<int:pk>/indu.pdf", vues.indu_pdf, name="indu_pdf"),
    path(
        "instruction/dossiers/<int:pk>/indu/remboursement/",
        vues.indu_remboursement,
        name="indu_remboursement",
    ),
    path("paiements/indus/", vues.indus_liste, name="indus_liste"),
    path("instruction/dossiers/<int:pk>/avenant/", vues.avenant_proposer, name="avenant_proposer"),
    path("dossiers/<int:pk>/avenants/<int:numero>.pdf", vues.avenant_pdf, name="avenant_pdf"),
]
