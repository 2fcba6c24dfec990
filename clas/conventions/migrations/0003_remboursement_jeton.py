from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conventions", "0002_lots_bilan_indu_avenant"),
    ]

    operations = [
        migrations.AddField(
            model_name="remboursement",
            name="jeton",
            field=models.UUIDField(
                blank=True, null=True, unique=True, verbose_name="jeton d'idempotence"
            ),
        ),
    ]
