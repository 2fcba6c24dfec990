from django.apps import AppConfig


class InstructionConfig(AppConfig):
    name = "clas.instruction"
    verbose_name = "Instruction des dossiers par la Caf"

    def ready(self) -> None:
        from clas.core.sections import inscrire

        from . import (
            etats,  # noqa: F401  (inscrit ses tables de transitions)
            sections,
        )

        inscrire(
            "structure", 0, "instruction/_decision_structure.html", sections.decision_structure
        )
