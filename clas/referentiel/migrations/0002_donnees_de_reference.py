"""Charge les 101 Caf et les paramètres du barème depuis clas/referentiel/donnees/."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from clas.referentiel.donnees import charger_caf, charger_parametres


def charger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    charger_caf(apps.get_model("referentiel", "Caf"))
    charger_parametres(apps.get_model("referentiel", "ParametresBareme"))


class Migration(migrations.Migration):
    dependencies = [("referentiel", "0001_initial")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
