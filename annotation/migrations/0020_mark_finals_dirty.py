"""Mark every snippet that has a final annotation to compute: submitted work or an
adjudication. The next refresh (or export) stores their finals (annotation.quality.finals).
Going back leaves nothing to undo: 0019's tables are dropped with it."""

from django.db import migrations

MARK = """
INSERT INTO annotation_finaldirty (snippet_id, project_id, version)
SELECT s.id, s.project_id, 1 FROM annotation_snippet s
WHERE NOT s.gold AND (
    EXISTS (SELECT 1 FROM annotation_assignment a JOIN annotation_revision r
                ON r.assignment_id = a.id
            WHERE a.snippet_id = s.id AND a.status = 'submitted')
    OR EXISTS (SELECT 1 FROM annotation_adjudication d WHERE d.snippet_id = s.id)
)
"""


def mark(apps, schema_editor) -> None:
    schema_editor.execute(MARK)


class Migration(migrations.Migration):
    dependencies = [("annotation", "0019_final_annotations")]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
