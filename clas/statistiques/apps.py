from django.apps import AppConfig


class StatistiquesConfig(AppConfig):
    name = "clas.statistiques"
    verbose_name = "Pilotage et statistiques"

    def ready(self) -> None:
        from clas.comptes.roles import inscrire_menu_agents

        from .permissions import capacites_statistiques

        inscrire_menu_agents(
            40, "Statistiques", "statistiques", lambda u: capacites_statistiques(u)["voir"]
        )
