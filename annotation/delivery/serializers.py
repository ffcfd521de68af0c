from django.utils.translation import gettext as _
from rest_framework import serializers

from annotation.delivery.formats import EXPORT_FORMATS
from annotation.jobs import progress_read
from annotation.models import ExportJob, JobStatus


class ExportCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS)
    status = serializers.ChoiceField(choices=["accepted", "all"], default="accepted")
    version = serializers.ChoiceField(
        choices=["final", "all"],
        default="final",
        help_text="final: each snippet's adjudicated or majority annotation; all: every "
        "annotator's latest revision with its review state.",
    )
    offsets = serializers.ChoiceField(
        choices=["snippet", "raw"],
        default="snippet",
        help_text="snippet: code points of the snippet text; raw: of the article's raw text, "
        "as imported (our JSONL only).",
    )
    batches = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    def validate(self, data: dict) -> dict:
        if data["offsets"] == "raw" and data["format"] != "jsonl":
            raise serializers.ValidationError(
                {"offsets": [_("Offsets against the raw text are given in our JSONL only.")]}
            )
        return data


class ExportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="0–1, live while it is written.")
    dropped = serializers.SerializerMethodField(
        help_text="What the format could not hold: a reason (in the caller's language) → a count."
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "project",
            "format",
            "options",
            "status",
            "progress",
            "items",
            "size",
            "stored_size",
            "dropped",
            "error",
            "created_at",
            "finished_at",
        ]

    def get_dropped(self, job: ExportJob) -> dict[str, int]:
        return {_(reason): count for reason, count in job.dropped.items()}

    def get_progress(self, job: ExportJob) -> float:
        if job.status == JobStatus.RUNNING:
            return progress_read("export", job.id, job.progress)
        return job.progress
