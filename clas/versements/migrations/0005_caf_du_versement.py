"""La Caf de chaque versement, recopiée de la campagne de son dossier (voir
`Versement.caf`) : ajoutée vide et remplie par une seule requête ; la suivante la rend
obligatoire (PostgreSQL ne modifie pas une table dans la transaction qui vient d'y écrire
des lignes aux clés étrangères différées)."""

import django.db.models.deletion
from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def remplir(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Versement = apps.get_model("versements", "Versement")
    Convention = apps.get_model("conventions", "Convention")
    Versement.objects.update(
        caf_id=Subquery(
            Convention.objects.filter(pk=OuterRef("convention_id")).values(
                "dossier__campagne__caf_id"
            )[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campagnes", "0002_initial"),
        ("conventions", "0002_textes_plafonnes"),
        ("referentiel", "0001_initial"),
        ("versements", "0004_accepte_par_la_banque"),
    ]

    operations = [
        migrations.AddField(
            model_name="versement",
            name="caf",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="referentiel.caf",
                verbose_name="Caf",
            ),
        ),
        migrations.RunPython(remplir, migrations.RunPython.noop, elidable=True),
    ]
