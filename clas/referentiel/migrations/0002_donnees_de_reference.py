"""Charge les 101 Caf et les paramètres du barème depuis clas/referentiel/donnees/."""

from django.db import migrations

from clas.referentiel.donnees import charger_caf, charger_parametres


def charger(apps, schema_editor):
    charger_caf(apps.get_model("referentiel", "Caf"))
    charger_parametres(apps.get_model("referentiel", "ParametresBareme"))


class Migration(migrations.Migration):
    dependencies = [("referentiel", "0001_initial")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
