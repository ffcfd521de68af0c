from rest_framework import serializers

from annotation.models import QualityRun


class QualityRunSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)
    results = serializers.JSONField(
        help_text=(
            "Figures named plainly: classes.cohen_kappa (mean over annotator pairs), "
            "classes.fleiss_kappa, classes.krippendorff_alpha, spans.f1_exact, "
            "spans.f1_overlap, segmentation.boundary_f1; each kind with `pairs` (per "
            "annotator pair) and `labels` (per label), and the same again per batch under "
            "`batches`. A figure the data does not define is null."
        )
    )

    class Meta:
        model = QualityRun
        fields = [
            "id",
            "status",
            "progress",
            "created_by",
            "batch",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "results",
        ]


class QualityRunSummarySerializer(QualityRunSerializer):
    class Meta(QualityRunSerializer.Meta):
        fields = [name for name in QualityRunSerializer.Meta.fields if name != "results"]
