from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "clas.dossiers"
    verbose_name = "Dossiers Clas"

    def ready(self) -> None:
        from clas.structures.signaux import piece_a_supprimer, structure_transferee

        from . import etats  # noqa: F401  (inscrit ses tables de transitions)
        from .actions import detacher_piece, suivre_le_transfert

        piece_a_supprimer.connect(detacher_piece, dispatch_uid="detacher_piece")
        structure_transferee.connect(suivre_le_transfert, dispatch_uid="suivre_le_transfert")
        from clas.journal.chaine import inscrire

        from .models import Evenement

        # Chaque ligne d'historique est recopiée dans le journal infalsifiable.
        inscrire(Evenement)
