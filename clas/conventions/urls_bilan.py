"""Les adresses du bilan (voir conventions/urls.py)."""

from django.urls import path

from . import views_bilan as vues

urlpatterns = [
    path("dossiers/<int:pk>/bilan/", vues.bilan_saisie, name="bilan_saisie"),
    path("dossiers/<int:pk>/bilan/pieces/<int:piece_id>/", vues.bilan_piece, name="bilan_piece"),
    path("instruction/dossiers/<int:pk>/bilan/", vues.bilan_examen, name="bilan_examen"),
    path(
        "instruction/dossiers/<int:pk>/bilan/accepter/",
        vues.bilan_accepter,
        name="bilan_accepter",
    ),
    path(
        "instruction/dossiers/<int:pk>/bilan/corrections/",
        vues.bilan_corrections,
        name="bilan_corrections",
    ),
    path("instruction/bilans/", vues.bilans_caf, name="bilans_caf"),
]
