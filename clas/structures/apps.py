from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "clas.structures"
    verbose_name = "Structures porteuses"

    def ready(self) -> None:
        from clas.journal.chaine import inscrire

        from . import etats  # noqa: F401  (inscrit sa table de transitions)
        from .models import EvenementCoordonnees, EvenementPiece, EvenementTransfert

        # Chaque ligne d'historique est recopiée dans le journal infalsifiable.
        inscrire(EvenementPiece)
        inscrire(EvenementCoordonnees)
        inscrire(EvenementTransfert)
