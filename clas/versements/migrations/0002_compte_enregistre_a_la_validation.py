"""Le compte payé est désormais enregistré à la validation : les versements déjà validés et
pas encore dans un lot reçoivent le compte de leur structure tel qu'il est (le compte
accepté), comme le lot l'aurait lu. Idempotent : seuls les versements sans compte."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def enregistrer_le_compte(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Versement = apps.get_model("versements", "Versement")
    a_completer = Versement.objects.filter(
        etat="valide", lot__isnull=True, iban_beneficiaire=""
    ).select_related("convention__dossier__structure")
    for versement in a_completer:
        structure = versement.convention.dossier.structure
        versement.iban_beneficiaire = "".join((structure.iban or "").split()).upper()
        versement.bic_beneficiaire = (structure.bic or "").strip().upper()
        versement.save(update_fields=["iban_beneficiaire", "bic_beneficiaire"])


class Migration(migrations.Migration):
    dependencies = [
        ("versements", "0001_initial"),
        ("structures", "0002_coordonnees_bancaires"),
    ]

    operations = [migrations.RunPython(enregistrer_le_compte, migrations.RunPython.noop)]
