from django.urls import path

from . import views
from .views import coordonnees

urlpatterns = [
    path("structure/", views.structure_accueil, name="structure_accueil"),
    path("structures/inscrire/", views.structure_inscrire, name="structure_inscrire"),
    path("structures/bienvenue/", views.structure_bienvenue, name="structure_bienvenue"),
    path("structures/<int:structure_id>/", views.structure_fiche, name="structure_fiche"),
    path(
        "structures/<int:structure_id>/modifier/",
        views.structure_modifier,
        name="structure_modifier",
    ),
    path(
        "structures/<int:structure_id>/membres/",
        views.structure_membres,
        name="structure_membres",
    ),
    path(
        "structures/<int:structure_id>/membres/<int:membre_id>/role/",
        views.membre_role,
        name="membre_role",
    ),
    path(
        "structures/<int:structure_id>/membres/<int:membre_id>/retirer/",
        views.membre_retirer,
        name="membre_retirer",
    ),
    path(
        "structures/<int:structure_id>/invitations/<int:invitation_id>/annuler/",
        views.invitation_annuler,
        name="invitation_annuler",
    ),
    path(
        "caf/coordonnees-bancaires/",
        coordonnees.coordonnees_a_verifier,
        name="coordonnees_a_verifier",
    ),
    path(
        "caf/coordonnees-bancaires/<int:pk>/",
        coordonnees.coordonnees_examiner,
        name="coordonnees_examiner",
    ),
    path(
        "caf/coordonnees-bancaires/<int:pk>/rib/",
        coordonnees.coordonnees_rib,
        name="coordonnees_rib",
    ),
    path(
        "structures/<int:structure_id>/transferts/<int:pk>/confirmer/",
        views.transfert_confirmer,
        name="transfert_confirmer",
    ),
    path(
        "structures/<int:structure_id>/transferts/<int:pk>/refuser/",
        views.transfert_refuser,
        name="transfert_refuser",
    ),
    path("caf/transferts/", views.transferts_a_confirmer, name="transferts_a_confirmer"),
    path("invitations/<str:jeton>/", views.invitation, name="invitation"),
    path(
        "structures/<int:structure_id>/pieces/",
        views.structure_pieces,
        name="structure_pieces",
    ),
    path(
        "structures/<int:structure_id>/pieces/<int:piece_id>/",
        views.piece_telecharger,
        name="piece_telecharger",
    ),
    path(
        "structures/<int:structure_id>/pieces/<int:piece_id>/supprimer/",
        views.piece_supprimer,
        name="piece_supprimer",
    ),
    path(
        "structures/<int:structure_id>/pieces/<int:piece_id>/restaurer/",
        views.piece_restaurer,
        name="piece_restaurer",
    ),
]
