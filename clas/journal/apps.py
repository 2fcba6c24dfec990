from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "clas.journal"
    verbose_name = "Journal infalsifiable"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from clas.comptes.models import AgentCaf, EvenementAgent, EvenementDoubleFacteur

        from . import abonnements
        from .chaine import inscrire

        # comptes est plus bas que le journal : c'est le journal qui s'y abonne.
        inscrire(EvenementDoubleFacteur)
        inscrire(EvenementAgent)  # l'équipe d'une Caf : invitations, rôles, désactivations
        post_save.connect(abonnements.roles_enregistres, sender=AgentCaf, dispatch_uid="j_roles")
        post_delete.connect(abonnements.agent_retire, sender=AgentCaf, dispatch_uid="j_agent")
        user_logged_in.connect(abonnements.connexion, dispatch_uid="journal_connexion")
