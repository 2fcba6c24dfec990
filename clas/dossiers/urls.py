"""Les URL des dossiers : la saisie (liste, création, étapes, estimation) et le suivi (page du
dossier, dépôt, messages, compléments)."""

from django.urls import path

from .views import saisie, suivi

urlpatterns = [
    path("dossiers/", saisie.dossiers_liste, name="dossiers_liste"),
    path("dossiers/nouveau/", saisie.dossier_nouveau, name="dossier_nouveau"),
    path("dossiers/<int:pk>/etapes/<str:etape>/", saisie.dossier_etape, name="dossier_etape"),
    path("dossiers/<int:pk>/estimation/", saisie.dossier_estimation, name="dossier_estimation"),
    path("dossiers/<int:pk>/", suivi.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/deposer/", suivi.dossier_deposer, name="dossier_deposer"),
    path("dossiers/<int:pk>/messages/", suivi.dossier_message, name="dossier_message"),
    path(
        "dossiers/<int:pk>/messages/<int:mid>/piece/",
        suivi.dossier_message_piece,
        name="dossier_message_piece",
    ),
    path("dossiers/<int:pk>/recu.pdf", suivi.dossier_recu, name="dossier_recu"),
    path("dossiers/<int:pk>/reprendre/", suivi.dossier_reprendre, name="dossier_reprendre"),
]
