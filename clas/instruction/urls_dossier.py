from django.urls import path

from . import views_dossier

urlpatterns = [
    path(
        "instruction/dossiers/<int:pk>/",
        views_dossier.instruction_dossier,
        name="instruction_dossier",
    ),
    path(
        "instruction/dossiers/<int:pk>/prendre/",
        views_dossier.instruction_prendre,
        name="instruction_prendre",
    ),
    path(
        "instruction/dossiers/<int:pk>/corriger/",
        views_dossier.instruction_corriger,
        name="instruction_corriger",
    ),
    path(
        "instruction/dossiers/<int:pk>/annoter/",
        views_dossier.instruction_annoter,
        name="instruction_annoter",
    ),
    path(
        "instruction/dossiers/<int:pk>/message/",
        views_dossier.instruction_message,
        name="instruction_message",
    ),
    path(
        "instruction/dossiers/<int:pk>/complements/",
        views_dossier.instruction_complements,
        name="instruction_complements",
    ),
]
