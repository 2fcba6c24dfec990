from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "clas.conventions"
    verbose_name = "Conventions et avenants"

    def ready(self) -> None:
        from clas.core.sections import inscrire
        from clas.instruction.signaux import decision_validee

        from . import actions, avenants, sections

        inscrire(
            "structure", 10, "conventions/_convention_structure.html", sections.convention_structure
        )
        inscrire("caf", 10, "conventions/_convention_caf.html", sections.convention_caf)
        inscrire("caf", 15, "conventions/_avenant_caf.html", sections.avenants_caf)
        decision_validee.connect(actions.etablir_a_la_decision, dispatch_uid="etablir_convention")
        avenants.inscrire_validation()
