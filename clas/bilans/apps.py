from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "clas.bilans"
    verbose_name = "Bilans, indus et remboursements"

    def ready(self) -> None:
        from clas.comptes.roles import inscrire_menu_agents
        from clas.core.sections import inscrire
        from clas.versements.signaux import versements_payes

        from . import (
            actions,
            etats,  # noqa: F401  (inscrit ses tables de transitions)
            regularisation,
            sections,
        )

        for cote in ("structure", "caf"):
            inscrire(cote, 30, f"bilans/_bilan_{cote}.html", sections.bilan_du_dossier)
            inscrire(
                cote,
                40,
                f"bilans/_regularisation_{cote}.html",
                sections.regularisation_du_dossier,
            )
        inscrire_menu_agents(
            10, "Bilans", "bilans_caf", lambda u: actions.capacites_bilans_caf(u)["voir"]
        )
        versements_payes.connect(regularisation.cloturer_apres_paiement, dispatch_uid="cloture")
