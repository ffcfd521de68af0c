"""Snippets a manager excludes, the labels of each final annotation, and the search text
of every snippet (with a trigram index on PostgreSQL) for the data table."""

import unicodedata

import django.db.models.deletion
from django.db import migrations, models

CHUNK = 5000


def backfill(apps, schema_editor):
    """The search text of the snippets there are, and the labels of the finals: the
    same as annotation.core.search.search_key and annotation.quality.finals.label_lines,
    written out here because a migration keeps what the code was."""
    Snippet = apps.get_model("annotation", "Snippet")
    SnippetSearch = apps.get_model("annotation", "SnippetSearch")
    FinalAnnotation = apps.get_model("annotation", "FinalAnnotation")
    after = 0
    while rows := list(
        Snippet.objects.filter(id__gt=after)
        .order_by("id")
        .values_list("id", "project_id", "text")[:CHUNK]
    ):
        after = rows[-1][0]
        SnippetSearch.objects.bulk_create(
            [
                SnippetSearch(
                    snippet_id=id_,
                    project_id=project_id,
                    text=unicodedata.normalize("NFKC", text).casefold(),
                )
                for id_, project_id, text in rows
            ]
        )
    changed = []
    for final in FinalAnnotation.objects.only("pk", "spans", "classes").iterator(chunk_size=CHUNK):
        names = {span.get("label") for span in final.spans if isinstance(span, dict)}
        names |= {name for name in final.classes if isinstance(name, str)}
        found = sorted(name for name in names if isinstance(name, str))
        final.labels = "".join(f"\n{name}" for name in found) + "\n" if found else ""
        changed.append(final)
        if len(changed) >= CHUNK:
            FinalAnnotation.objects.bulk_update(changed, ["labels"])
            changed = []
    FinalAnnotation.objects.bulk_update(changed, ["labels"])


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX snippet_search_trigrams ON annotation_snippetsearch"
            " USING gin (text gin_trgm_ops)"
        )


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS snippet_search_trigrams")


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0021_import_report"),
        ("projects", "0010_project_archived"),
    ]

    operations = [
        migrations.AddField(
            model_name="finalannotation",
            name="labels",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="snippet",
            name="excluded",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="SnippetSearch",
            fields=[
                (
                    "snippet",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="annotation.snippet",
                    ),
                ),
                ("text", models.TextField()),
                (
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["project", "snippet"], name="snippet_search_project")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="snippet",
            index=models.Index(
                condition=models.Q(("gold", True)), fields=["project", "id"], name="snippet_gold"
            ),
        ),
        migrations.AddIndex(
            model_name="snippet",
            index=models.Index(
                condition=models.Q(("excluded", True)),
                fields=["project", "id"],
                name="snippet_excluded",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, trigram_index_drop),
    ]
