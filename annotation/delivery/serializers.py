from rest_framework import serializers

from annotation.delivery.formats import EXPORT_FORMATS
from annotation.models import ExportJob


class ExportCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS)
    status = serializers.ChoiceField(choices=["accepted", "all"], default="accepted")
    version = serializers.ChoiceField(
        choices=["final", "all"],
        default="final",
        help_text="final: each snippet's adjudicated or majority annotation; all: every "
        "annotator's latest revision with its review state.",
    )
    batches = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class ExportJobSerializer(serializers.ModelSerializer):
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
            "dropped",
            "error",
            "created_at",
            "finished_at",
        ]
