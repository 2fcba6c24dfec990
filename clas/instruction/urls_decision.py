from django.urls import path

from . import views_decision

urlpatterns = [
    path(
        "instruction/dossiers/<int:pk>/proposer/",
        views_decision.instruction_proposer,
        name="instruction_proposer",
    ),
    path(
        "instruction/propositions/<int:pid>/valider/",
        views_decision.instruction_valider,
        name="instruction_valider",
    ),
    path(
        "instruction/propositions/<int:pid>/renvoyer/",
        views_decision.instruction_renvoyer,
        name="instruction_renvoyer",
    ),
    path(
        "instruction/validation/",
        views_decision.instruction_validation,
        name="instruction_validation",
    ),
    path(
        "dossiers/<int:pk>/decision.pdf",
        views_decision.dossier_lettre_decision,
        name="dossier_lettre_decision",
    ),
]
