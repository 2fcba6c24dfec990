from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "clas.bilans"
    verbose_name = "Bilans, indus et remboursements"

    def ready(self) -> None:
        from clas.comptes.roles import inscrire_menu_agents
        from clas.core.sections import inscrire, inscrire_accueil
        from clas.versements.signaux import versements_payes

        from . import (
            etats,  # noqa: F401  (inscrit ses tables de transitions)
            frise,
            permissions,
            regularisation,
            sections,
        )

        # La frise du dossier, en tête des sections : elle lit toutes les étapes jusqu'ici.
        inscrire("structure", -10, "dossiers/_frise.html", frise.frise_du_dossier)
        inscrire_accueil(10, "dossiers/_accueil_structure.html", frise.accueil_des_structures)
        for cote in ("structure", "caf"):
            inscrire(cote, 30, f"bilans/_bilan_{cote}.html", sections.bilan_du_dossier)
            inscrire(
                cote,
                40,
                f"bilans/_regularisation_{cote}.html",
                sections.regularisation_du_dossier,
            )
        inscrire_menu_agents(
            10, "Bilans", "bilans_caf", lambda u: permissions.capacites_bilans_caf(u)["voir"]
        )
        versements_payes.connect(regularisation.cloturer_apres_paiement, dispatch_uid="cloture")
