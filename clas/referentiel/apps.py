from django.apps import AppConfig


class ReferentielConfig(AppConfig):
    name = "clas.referentiel"
    verbose_name = "Référentiel (Caf et paramètres du barème)"

    def ready(self) -> None:
        from clas.journal.chaine import inscrire

        from . import etats  # noqa: F401  (inscrit ses tables de transitions)
        from .models import EvenementCompteCaf, EvenementParametres

        # Chaque ligne d'historique est recopiée dans le journal infalsifiable.
        inscrire(EvenementCompteCaf)
        inscrire(EvenementParametres)
