from django.urls import path

from . import views_suivi

urlpatterns = [
    path("dossiers/<int:pk>/", views_suivi.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/deposer/", views_suivi.dossier_deposer, name="dossier_deposer"),
    path("dossiers/<int:pk>/messages/", views_suivi.dossier_message, name="dossier_message"),
    path(
        "dossiers/<int:pk>/messages/<int:mid>/piece/",
        views_suivi.dossier_message_piece,
        name="dossier_message_piece",
    ),
    path("dossiers/<int:pk>/recu.pdf", views_suivi.dossier_recu, name="dossier_recu"),
    path("dossiers/<int:pk>/reprendre/", views_suivi.dossier_reprendre, name="dossier_reprendre"),
]
