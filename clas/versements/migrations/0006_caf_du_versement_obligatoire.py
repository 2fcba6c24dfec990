"""La Caf du versement, remplie par la précédente, devient obligatoire et indexée."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("versements", "0005_caf_du_versement"),
    ]

    operations = [
        migrations.AlterField(
            model_name="versement",
            name="caf",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="referentiel.caf",
                verbose_name="Caf",
            ),
        ),
        migrations.AddIndex(
            model_name="versement",
            index=models.Index(fields=["caf", "id"], name="versement_par_caf"),
        ),
    ]
