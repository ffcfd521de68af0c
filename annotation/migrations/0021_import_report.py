# An import reports the titles it made and the records it cut; an article knows where it
# lies in the text file it came from.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0020_mark_finals_dirty"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="titles",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="importjob",
            name="records_split",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="article",
            name="crlf",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="article",
            name="file_start",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
