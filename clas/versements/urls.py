"""Les adresses des paiements : versements, lots, compte bancaire de la Caf."""

from django.urls import path

from . import exports
from . import views as vues

urlpatterns = [
    path("paiements/", vues.paiements_accueil, name="paiements_accueil"),
    path("paiements/valider/", vues.paiements_valider, name="paiements_valider"),
    path("paiements/lots/creer/", vues.paiements_creer_lot, name="paiements_creer_lot"),
    path("paiements/lots/<int:pk>/", vues.paiements_lot, name="paiements_lot"),
    path("paiements/lots/<int:pk>/sepa.xml", vues.paiements_lot_sepa, name="paiements_lot_sepa"),
    path(
        "paiements/lots/<int:pk>/recapitulatif.csv",
        vues.paiements_lot_csv,
        name="paiements_lot_csv",
    ),
    path("paiements/lots/<int:pk>/payer/", vues.paiements_lot_payer, name="paiements_lot_payer"),
    path("paiements/lots/<int:pk>/retour/", vues.paiements_lot_retour, name="paiements_lot_retour"),
    path(
        "paiements/versements/<int:pk>/rejeter/",
        vues.paiements_versement_rejeter,
        name="paiements_versement_rejeter",
    ),
    path(
        "paiements/versements/<int:pk>/reemettre/",
        vues.paiements_versement_reemettre,
        name="paiements_versement_reemettre",
    ),
    path("caf/compte-bancaire/", vues.caf_compte_bancaire, name="caf_compte_bancaire"),
    path(
        "caf/compte-bancaire/<int:pk>/approuver/",
        vues.caf_compte_approuver,
        name="caf_compte_approuver",
    ),
    path(
        "caf/compte-bancaire/<int:pk>/refuser/",
        vues.caf_compte_refuser,
        name="caf_compte_refuser",
    ),
    path("paiements/export.<str:format_>", exports.export_versements, name="paiements_export"),
]
