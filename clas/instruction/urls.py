"""Les URL de l'instruction : files de travail, dossier côté Caf, décisions."""

from django.urls import path

from . import exports
from .views import decision, dossier, equipe, files

urlpatterns = [
    path("instruction/", files.files, name="instruction_files"),
    path("instruction/attribuer/", files.attribuer, name="instruction_attribuer"),
    path(
        "instruction/dossiers/<int:pk>/",
        dossier.instruction_dossier,
        name="instruction_dossier",
    ),
    path(
        "instruction/dossiers/<int:pk>/calcul/",
        dossier.instruction_calcul,
        name="instruction_calcul",
    ),
    path(
        "instruction/dossiers/<int:pk>/prendre/",
        dossier.instruction_prendre,
        name="instruction_prendre",
    ),
    path(
        "instruction/dossiers/<int:pk>/corriger/",
        dossier.instruction_corriger,
        name="instruction_corriger",
    ),
    path(
        "instruction/dossiers/<int:pk>/annoter/",
        dossier.instruction_annoter,
        name="instruction_annoter",
    ),
    path(
        "instruction/dossiers/<int:pk>/message/",
        dossier.instruction_message,
        name="instruction_message",
    ),
    path(
        "instruction/dossiers/<int:pk>/complements/",
        dossier.instruction_complements,
        name="instruction_complements",
    ),
    path(
        "instruction/dossiers/<int:pk>/proposer/",
        decision.instruction_proposer,
        name="instruction_proposer",
    ),
    path(
        "instruction/propositions/<int:pid>/valider/",
        decision.instruction_valider,
        name="instruction_valider",
    ),
    path(
        "instruction/propositions/<int:pid>/renvoyer/",
        decision.instruction_renvoyer,
        name="instruction_renvoyer",
    ),
    path(
        "instruction/validation/",
        decision.instruction_validation,
        name="instruction_validation",
    ),
    path(
        "dossiers/<int:pk>/decision.pdf",
        decision.dossier_lettre_decision,
        name="dossier_lettre_decision",
    ),
    path("instruction/export.<str:format_>", exports.export_dossiers, name="instruction_export"),
    path(
        "instruction/export-collectifs.<str:format_>",
        exports.export_collectifs,
        name="instruction_export_collectifs",
    ),
    path("equipes/", equipe.equipes_accueil, name="equipes_accueil"),
    path("equipes/<int:caf_id>/", equipe.equipe_caf, name="equipe_caf"),
    path("equipes/<int:caf_id>/inviter/", equipe.equipe_inviter, name="equipe_inviter"),
    path("equipes/agents/<int:pk>/", equipe.equipe_agent, name="equipe_agent"),
    path("equipes/agents/<int:pk>/roles/", equipe.equipe_roles, name="equipe_roles"),
    path("equipes/agents/<int:pk>/desactiver/", equipe.equipe_desactiver, name="equipe_desactiver"),
    path("equipes/agents/<int:pk>/reactiver/", equipe.equipe_reactiver, name="equipe_reactiver"),
    path(
        "equipes/agents/<int:pk>/renvoyer-l-invitation/",
        equipe.equipe_renvoyer,
        name="equipe_renvoyer",
    ),
]
