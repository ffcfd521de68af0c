from django.utils.translation import gettext as _
from rest_framework import serializers

from annotation.core.validation import PARTS
from annotation.models import (
    Acceptance,
    AcceptanceItem,
    GoldItem,
    QualityRun,
    Review,
    Revision,
    Verdict,
)
from annotation.work.serializers import AnnotationBodySerializer


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


class ReviewedRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revision
        fields = ["id", "number", *PARTS, "time_spent_ms", "late"]


class ReviewSerializer(serializers.ModelSerializer):
    annotator = serializers.CharField(source="assignment.annotator.username")
    reviewer = serializers.CharField(source="reviewer.username", default=None)
    snippet = serializers.SerializerMethodField()
    revision = ReviewedRevisionSerializer()

    class Meta:
        model = Review
        fields = [
            "id",
            "batch",
            "assignment",
            "round",
            "status",
            "annotator",
            "snippet",
            "revision",
            "reviewer",
            "reason",
            "created_at",
            "decided_at",
        ]

    def get_snippet(self, review: Review) -> dict:
        snippet = review.assignment.snippet
        return {"id": snippet.id, "text": snippet.text}


class ReviewDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")

    def validate(self, data: dict) -> dict:
        if data["decision"] == "reject" and not data["reason"].strip():
            raise serializers.ValidationError(
                {"reason": [_("Say why: the annotator reads it when they rework the snippet.")]}
            )
        return data


class RateSerializer(serializers.Serializer):
    reviewed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent accepted of reviewed.")
    interval = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="95 % Wilson interval, percent."
    )


class BatchQualificationSerializer(RateSerializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    sample = serializers.IntegerField(help_text="Works sampled for review (first round).")
    pending = serializers.IntegerField()
    meets_threshold = serializers.BooleanField(allow_null=True)


class AnnotatorQualificationSerializer(RateSerializer):
    username = serializers.CharField()


class QualificationSerializer(serializers.Serializer):
    threshold = serializers.FloatField()
    batches = BatchQualificationSerializer(many=True)
    annotators = AnnotatorQualificationSerializer(many=True)


class AcceptanceItemSerializer(serializers.ModelSerializer):
    snippet = serializers.SerializerMethodField()
    annotation = serializers.SerializerMethodField(
        help_text="What the snippet delivers: {spans, classes, segmentation, relations, events}."
    )
    judged_by = serializers.CharField(source="judged_by.username", default=None)

    class Meta:
        model = AcceptanceItem
        fields = ["id", "snippet", "annotation", "verdict", "note", "judged_by", "judged_at"]

    def get_snippet(self, item: AcceptanceItem) -> dict:
        return {"id": item.snippet_id, "text": item.snippet.text}

    def get_annotation(self, item: AcceptanceItem) -> dict | None:
        return self.context.get("annotations", {}).get(item.snippet_id)


class AcceptanceSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)
    size = serializers.SerializerMethodField()
    marked = serializers.SerializerMethodField()
    items = AcceptanceItemSerializer(many=True)

    class Meta:
        model = Acceptance
        fields = [
            "id",
            "batch",
            "status",
            "threshold",
            "rate",
            "size",
            "marked",
            "created_by",
            "created_at",
            "decided_at",
            "items",
        ]

    def get_size(self, acceptance: Acceptance) -> int:
        return len(acceptance.items.all())

    def get_marked(self, acceptance: Acceptance) -> int:
        return sum(1 for item in acceptance.items.all() if item.verdict)


class AcceptanceStartSerializer(serializers.Serializer):
    size = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Items to check; by default from the batch's size (GB/T 2828.1, level II).",
    )


class AcceptanceMarkSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=[Verdict.RIGHT.value, Verdict.WRONG.value])
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class GoldItemSerializer(serializers.ModelSerializer):
    snippet = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    scored = serializers.IntegerField(read_only=True, help_text="Annotators scored on it.")
    right = serializers.IntegerField(read_only=True)

    class Meta:
        model = GoldItem
        fields = [
            "id",
            "snippet",
            *PARTS,
            "created_by",
            "created_at",
            "scored",
            "right",
        ]

    def get_snippet(self, gold: GoldItem) -> dict:
        return {"id": gold.snippet_id, "text": gold.snippet.text}


class GoldSetSerializer(AnnotationBodySerializer):
    snippet = serializers.IntegerField(help_text="A snippet of the project.")


class GoldAccuracySerializer(serializers.Serializer):
    username = serializers.CharField()
    scored = serializers.IntegerField()
    right = serializers.IntegerField()
    accuracy = serializers.FloatField(help_text="Percent right.")
    flagged = serializers.BooleanField()
    paused = serializers.BooleanField()


class GoldResumeSerializer(serializers.Serializer):
    username = serializers.CharField()


class DisagreementSerializer(serializers.Serializer):
    snippet = serializers.DictField(help_text="{id, text}")
    annotators = serializers.ListField(child=serializers.CharField())
    settled = serializers.BooleanField(help_text="Whether a final annotation was settled.")


class DisagreementPageSerializer(serializers.Serializer):
    results = DisagreementSerializer(many=True)
    next_after = serializers.IntegerField(allow_null=True)


class AdjudicationSerializer(serializers.Serializer):
    snippet = serializers.DictField(help_text="{id, text}")
    versions = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{annotator, spans, classes, segmentation, relations, events}]",
    )
    agreed = serializers.DictField(
        allow_null=True,
        help_text="{spans, classes, segmentation, relations, events} every annotator gave.",
    )
    disputed = serializers.DictField(
        allow_null=True,
        help_text="{spans: [{start, end, label, by}], classes: [{name, by}], "
        "segmentation: [{ends, by}], relations: [{from, type, to, by}], "
        "events: [{trigger, type, arguments, by}]}, ends written out as spans",
    )
    final = serializers.DictField(allow_null=True, help_text="The latest settlement.")
    delivered = serializers.DictField(
        allow_null=True,
        help_text="The snippet's final annotation now: the latest settlement, else the "
        "majority of its annotators (what exports deliver); the page starts from it.",
    )
    history = serializers.ListField(child=serializers.DictField())
