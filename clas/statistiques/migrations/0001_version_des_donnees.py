"""La version des données statistiques (clas/statistiques/version.py) : la table d'une ligne,
hors des modèles gérés par Django (ni vidée par `flush` ou `restaurer`, ni sauvegardée), et
les déclencheurs qui avancent son numéro sur chaque table lue par le tableau de bord
(PostgreSQL : déclencheurs de contrainte différés, une fois par transaction ; SQLite : un
déclencheur par table et par opération)."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from clas.statistiques import version


def creer(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    version.creer(schema_editor.connection)


def retirer(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    version.retirer(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    # Les tables qui portent les déclencheurs (version.TABLES).
    dependencies = [
        ("bilans", "0003_textes_plafonnes"),
        ("campagnes", "0002_initial"),
        ("conventions", "0002_textes_plafonnes"),
        ("dossiers", "0007_accepte_par_la_banque"),
        ("instruction", "0002_textes_plafonnes"),
        ("referentiel", "0005_siret_des_caf"),
        ("structures", "0005_transferts"),
        ("versements", "0004_accepte_par_la_banque"),
    ]

    operations = [
        migrations.CreateModel(
            name="VersionDonnees",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, primary_key=True, serialize=False, verbose_name="identifiant"
                    ),
                ),
                ("numero", models.BigIntegerField(default=0, verbose_name="numéro")),
                ("generation", models.CharField(max_length=32, verbose_name="génération")),
            ],
            options={
                "verbose_name": "version des données statistiques",
                "verbose_name_plural": "versions des données statistiques",
                "db_table": "statistiques_versiondonnees",
                "managed": False,
            },
        ),
        migrations.RunPython(creer, retirer),
    ]
