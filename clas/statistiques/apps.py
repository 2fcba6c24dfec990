from django.apps import AppConfig


class StatistiquesConfig(AppConfig):
    name = "clas.statistiques"
    verbose_name = "Pilotage et statistiques"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from clas.comptes.roles import inscrire_menu_agents

        from .permissions import capacites_statistiques
        from .version import apres_migration

        # Les déclencheurs de la version des données, remis s'il en manque (SQLite les perd
        # quand une migration recrée une table), et le numéro avance (clas/statistiques/version.py).
        post_migrate.connect(apres_migration, sender=self, dispatch_uid="statistiques_version")

        inscrire_menu_agents(
            40, "Statistiques", "statistiques", lambda u: capacites_statistiques(u)["voir"]
        )
