from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "clas.dossiers"
    verbose_name = "Dossiers Clas"

    def ready(self) -> None:
        from clas.structures.signaux import piece_a_supprimer

        from . import etats  # noqa: F401  (inscrit ses tables de transitions)
        from .actions import detacher_piece

        piece_a_supprimer.connect(detacher_piece, dispatch_uid="detacher_piece")
