from django.apps import AppConfig


class InstructionConfig(AppConfig):
    name = "clas.instruction"
    verbose_name = "Instruction des dossiers par la Caf"

    def ready(self) -> None:
        from clas.comptes.equipes import est_responsable_de
        from clas.comptes.roles import agent_de, inscrire_menu_agents
        from clas.core.sections import inscrire
        from clas.structures.signaux import structure_transferee

        from . import (
            etats,  # noqa: F401  (inscrit ses tables de transitions)
            sections,
        )
        from .decisions import renvoyer_apres_transfert

        # Après `dossiers` (installée avant) : les dossiers ont déjà suivi la structure.
        structure_transferee.connect(renvoyer_apres_transfert, dispatch_uid="renvoyer_transfert")
        inscrire(
            "structure", 0, "instruction/_decision_structure.html", sections.decision_structure
        )
        # Le responsable de la Caf gère son équipe.
        inscrire_menu_agents(
            90,
            "Équipe",
            "equipes_accueil",
            lambda u: (a := agent_de(u)) is not None and est_responsable_de(u, a.caf_id),
        )
