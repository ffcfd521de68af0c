"""Uploaded bytes are stored uncompressed: they are written once, read once, then deleted,
and PostgreSQL's pglz compression of 1 MiB values triples the time an upload takes."""

from django.db import migrations


def set_storage(storage: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE annotation_uploadchunk ALTER COLUMN data SET STORAGE {storage}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("annotation", "0001_initial")]

    operations = [migrations.RunPython(set_storage("EXTERNAL"), set_storage("EXTENDED"))]
