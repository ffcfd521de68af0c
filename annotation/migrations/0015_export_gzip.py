"""Export files are stored gzip-compressed (annotation/delivery/storage.py), in a column
PostgreSQL does not try to compress again. Files stored before were not compressed:
their jobs are marked failed, with the reason, so that they are asked for again."""

from django.db import migrations, models

REASON = "Made before exports were stored compressed; ask for this export again."


def set_storage(storage: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE annotation_exportchunk ALTER COLUMN data SET STORAGE {storage}"
            )

    return run


def retire_uncompressed(apps, schema_editor):
    ExportJob = apps.get_model("annotation", "ExportJob")
    ExportChunk = apps.get_model("annotation", "ExportChunk")
    ExportChunk.objects.all().delete()
    ExportJob.objects.filter(status="succeeded").update(status="failed", error=REASON)


class Migration(migrations.Migration):
    dependencies = [("annotation", "0014_exports")]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="stored_size",
            field=models.BigIntegerField(default=0, help_text="Its bytes stored (gzip)."),
        ),
        migrations.AlterField(
            model_name="exportjob",
            name="size",
            field=models.BigIntegerField(default=0, help_text="The file's bytes."),
        ),
        migrations.RunPython(retire_uncompressed, migrations.RunPython.noop),
        migrations.RunPython(set_storage("EXTERNAL"), set_storage("EXTENDED")),
    ]
