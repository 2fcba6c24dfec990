from django.apps import AppConfig


class InstructionConfig(AppConfig):
    name = "clas.instruction"
    verbose_name = "Instruction des dossiers par la Caf"
