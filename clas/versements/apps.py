from django.apps import AppConfig


class VersementsConfig(AppConfig):
    name = "clas.versements"
    verbose_name = "Versements et lots de paiement"

    def ready(self) -> None:
        from clas.comptes.roles import inscrire_menu_agents
        from clas.conventions.signaux import convention_signee
        from clas.core.sections import inscrire
        from clas.structures.signaux import coordonnees_acceptees

        from . import (
            actions,
            etats,  # noqa: F401  (inscrit ses tables de transitions)
            permissions,
            sections,
        )

        inscrire(
            "structure", 20, "versements/_versements_structure.html", sections.versements_structure
        )
        inscrire("caf", 20, "versements/_versements_caf.html", sections.versements_caf)
        inscrire_menu_agents(
            20,
            "Paiements",
            "paiements_accueil",
            lambda u: permissions.capacites_paiements(u)["voir"],
        )
        convention_signee.connect(actions.creer_acompte_a_la_signature, dispatch_uid="acompte")
        coordonnees_acceptees.connect(
            actions.revalider_apres_changement_de_compte, dispatch_uid="revalider"
        )
