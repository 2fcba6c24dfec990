"""Les adresses du bilan de fin d'année et de l'indu."""

from django.urls import path

from . import exports
from .views import bilan, indus

urlpatterns = [
    path("dossiers/<int:pk>/bilan/", bilan.bilan_saisie, name="bilan_saisie"),
    path("dossiers/<int:pk>/bilan/pieces/<int:piece_id>/", bilan.bilan_piece, name="bilan_piece"),
    path("instruction/dossiers/<int:pk>/bilan/", bilan.bilan_examen, name="bilan_examen"),
    path(
        "instruction/dossiers/<int:pk>/bilan/accepter/",
        bilan.bilan_accepter,
        name="bilan_accepter",
    ),
    path(
        "instruction/dossiers/<int:pk>/bilan/corrections/",
        bilan.bilan_corrections,
        name="bilan_corrections",
    ),
    path("instruction/bilans/", bilan.bilans_caf, name="bilans_caf"),
    path("dossiers/<int:pk>/indu.pdf", indus.indu_pdf, name="indu_pdf"),
    path(
        "instruction/dossiers/<int:pk>/indu/remboursement/",
        indus.indu_remboursement,
        name="indu_remboursement",
    ),
    path("paiements/indus/", indus.indus_liste, name="indus_liste"),
    path("paiements/indus/export.<str:format_>", exports.export_indus, name="indus_export"),
]
