from rest_framework import serializers

from annotation.models import Assignment, AssignmentStatus, Batch, Engine, MachineSuggestion
from annotation.serializers import TokenSpansField
from annotation.work.services import NoNext

# Read-only shapes of the annotation loop's answers, declared field by field: a
# ModelSerializer builds its fields from the model on every instance, which was a sixth
# of a submit's time (docs/benchmarks.md, the ledger).


class TaskSnippetSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    tokens = TokenSpansField()
    suggestions = serializers.JSONField(read_only=True)
    machine_suggestions = serializers.SerializerMethodField()
    batch = serializers.IntegerField(source="batch_id", read_only=True, allow_null=True)

    def get_machine_suggestions(self, snippet) -> list[dict]:
        """What each engine suggests (annotation.suggesting), with where it comes from:
        never part of the annotation until the annotator takes it. Read only for a snippet
        marked as having suggestions."""
        if not snippet.suggested:
            return []
        rows = MachineSuggestion.objects.filter(snippet_id=snippet.id).order_by("engine")
        return [
            {
                "engine": engine,
                "engine_name": str(Engine(engine).label),
                "model_version": version,
                "items": items,
            }
            for engine, version, items in rows.values_list("engine", "model_version", "items")
        ]


class RevisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.IntegerField(read_only=True)
    spans = serializers.JSONField(read_only=True)
    classes = serializers.JSONField(read_only=True)
    segmentation = serializers.JSONField(read_only=True)
    relations = serializers.JSONField(read_only=True)
    events = serializers.JSONField(read_only=True)
    time_spent_ms = serializers.IntegerField(read_only=True)
    late = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    snippet = TaskSnippetSerializer(read_only=True)
    annotator = serializers.CharField(source="annotator.username", read_only=True)
    status = serializers.ChoiceField(choices=AssignmentStatus.choices, read_only=True)
    draft = serializers.JSONField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    lease_expires_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    return_reason = serializers.CharField(read_only=True)
    latest = serializers.SerializerMethodField()

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
        choices=[reason.value for reason in NoNext],
        required=False,
        allow_null=True,
        read_only=True,
        help_text="With ?next=1 and no next task: why.",
    )
    no_next_detail = serializers.CharField(
        required=False, allow_null=True, read_only=True, help_text="What to tell the annotator."
    )


class DraftSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0)
    draft = serializers.JSONField()


class AnnotationBodySerializer(serializers.Serializer):
    """An annotation as sent: checked against its snippet by annotation.core.validation."""

    spans = serializers.JSONField(required=False, default=list)
    classes = serializers.JSONField(required=False, default=list)
    segmentation = serializers.JSONField(required=False, default=list)
    relations = serializers.JSONField(required=False, default=list)
    events = serializers.JSONField(required=False, default=list)


class SubmitSerializer(AnnotationBodySerializer):
    time_spent_ms = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, default=0
    )


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


class SkippedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    annotator = serializers.CharField(source="annotator.username")
    reason = serializers.CharField(source="skip_reason")
    snippet = serializers.SerializerMethodField()
    batch = serializers.SerializerMethodField()
    submitted = serializers.IntegerField()

    def get_snippet(self, skipped) -> dict:
        return {"id": skipped.snippet_id, "text": skipped.snippet.text[:200]}

    def get_batch(self, skipped) -> dict | None:
        batch = skipped.snippet.batch
        return (
            None if batch is None else {"id": batch.id, "name": batch.name, "status": batch.status}
        )


class ReturnedSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    mine = serializers.IntegerField()
    all = serializers.IntegerField(allow_null=True)


class LabelUsageSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    works = serializers.IntegerField()
