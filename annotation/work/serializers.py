from rest_framework import serializers

from annotation.models import Assignment, Batch, Revision, Snippet
from annotation.serializers import TokenSpansField


class TaskSnippetSerializer(serializers.ModelSerializer):
    tokens = TokenSpansField()

    class Meta:
        model = Snippet
        fields = ["id", "text", "tokens", "suggestions", "batch"]


class RevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revision
        fields = [
            "id",
            "number",
            "spans",
            "classes",
            "segmentation",
            "time_spent_ms",
            "late",
            "created_at",
        ]


class AssignmentSerializer(serializers.ModelSerializer):
    snippet = TaskSnippetSerializer()
    annotator = serializers.CharField(source="annotator.username")
    latest = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "snippet",
            "annotator",
            "status",
            "draft",
            "version",
            "lease_expires_at",
            "submitted_at",
            "return_reason",
            "latest",
        ]

    def get_latest(self, assignment: Assignment) -> dict | None:
        if assignment.submitted_at is None:  # every submit sets it: nothing to look up
            return None
        revision = assignment.revisions.order_by("-number").first()
        return RevisionSerializer(revision).data if revision else None


class SubmitResultSerializer(RevisionSerializer):
    """The stored revision; with ``?next=1``, also the caller's next task, or null and
    why none came."""

    next = AssignmentSerializer(required=False, allow_null=True, read_only=True)
    no_next = serializers.ChoiceField(
        choices=["nothing_left", "paused", "no_seat"],
        required=False,
        allow_null=True,
        read_only=True,
        help_text="With ?next=1 and no next task: why.",
    )
    no_next_detail = serializers.CharField(
        required=False, allow_null=True, read_only=True, help_text="What to tell the annotator."
    )

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "next", "no_next", "no_next_detail"]


class DraftSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0)
    draft = serializers.JSONField()


class AnnotationBodySerializer(serializers.Serializer):
    """An annotation as sent: checked against its snippet by annotation.work.validation."""

    spans = serializers.JSONField(required=False, default=list)
    classes = serializers.JSONField(required=False, default=list)
    segmentation = serializers.JSONField(required=False, default=list)


class SubmitSerializer(AnnotationBodySerializer):
    time_spent_ms = serializers.IntegerField(min_value=0, required=False, default=0)


class SkipSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class BatchSerializer(serializers.ModelSerializer):
    snippets = serializers.IntegerField(source="snippet_count", read_only=True)
    assignees = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Batch
        fields = ["id", "name", "status", "snippets", "assignees", "created_at"]


class BatchAssigneesSerializer(serializers.Serializer):
    usernames = serializers.ListField(child=serializers.CharField(), allow_empty=True)


class BatchProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    snippets = serializers.IntegerField()
    slots = serializers.IntegerField(help_text="Snippets × overlap.")
    taken = serializers.IntegerField()
    submitted = serializers.IntegerField()
    skipped = serializers.IntegerField()
    expired = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    remaining = serializers.IntegerField(help_text="Slots nobody holds yet.")


class AnnotatorProgressSerializer(serializers.Serializer):
    username = serializers.CharField()
    taken = serializers.IntegerField()
    submitted = serializers.IntegerField()
    skipped = serializers.IntegerField()
    expired = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    items_per_hour = serializers.FloatField(allow_null=True, help_text="Per hour of work time.")
    median_seconds = serializers.FloatField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    batches = BatchProgressSerializer(many=True)
    annotators = AnnotatorProgressSerializer(many=True)


class MyProgressSerializer(serializers.Serializer):
    done_today = serializers.IntegerField(help_text="Snippets the caller submitted today.")
    batch = serializers.DictField(
        allow_null=True, help_text="{id, name, remaining}: slots of the batch nobody holds yet."
    )
