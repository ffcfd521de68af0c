from rest_framework import serializers

from annotation.ingest.tokenizer import decode_spans
from annotation.models import Assignment, Batch, Revision, Snippet
from annotation.serializers import TokenSpansField

# Every task and submit answers through the two serializers below. Building a
# ModelSerializer's fields from its model is most of the Python time of such a request,
# so their to_representation writes the same dict by hand: the fields stay as the
# documented shape (the API schema), and tests check both give the same.
_WHEN = serializers.DateTimeField()


def _when(value):
    return None if value is None else _WHEN.to_representation(value)


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

    def to_representation(self, revision: Revision) -> dict:
        return {
            "id": revision.id,
            "number": revision.number,
            "spans": revision.spans,
            "classes": revision.classes,
            "segmentation": revision.segmentation,
            "time_spent_ms": revision.time_spent_ms,
            "late": revision.late,
            "created_at": _when(revision.created_at),
        }


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

    def to_representation(self, assignment: Assignment) -> dict:
        snippet = assignment.snippet
        return {
            "id": assignment.id,
            "snippet": {
                "id": snippet.id,
                "text": snippet.text,
                "tokens": decode_spans(snippet.tokens),
                "suggestions": snippet.suggestions,
                "batch": snippet.batch_id,
            },
            "annotator": assignment.annotator.username,
            "status": str(assignment.status),
            "draft": assignment.draft,
            "version": assignment.version,
            "lease_expires_at": _when(assignment.lease_expires_at),
            "submitted_at": _when(assignment.submitted_at),
            "return_reason": assignment.return_reason,
            "latest": self.get_latest(assignment),
        }

    def get_latest(self, assignment: Assignment) -> dict | None:
        if assignment.submitted_at is None:  # every submit sets it: nothing to look up
            return None
        revision = assignment.revisions.order_by("-number").first()
        return RevisionSerializer(revision).data if revision else None


class SubmitResultSerializer(RevisionSerializer):
    """The stored revision; with ``?next=1``, also the caller's next task (or null)."""

    next = AssignmentSerializer(required=False, allow_null=True, read_only=True)

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "next"]


def _count(value) -> bool:
    return type(value) is int and value >= 0


class DraftSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0)
    draft = serializers.JSONField()

    @staticmethod
    def plain(data) -> dict | None:
        """The validated body when it is plainly well formed, as the workspace sends it,
        without building the fields (an autosave every few seconds); None: let the
        fields judge, and name what is wrong."""
        if type(data) is dict and _count(data.get("version")) and data.get("draft") is not None:
            return {"version": data["version"], "draft": data["draft"]}
        return None


class AnnotationBodySerializer(serializers.Serializer):
    """An annotation as sent: checked against its snippet by annotation.work.validation."""

    spans = serializers.JSONField(required=False, default=list)
    classes = serializers.JSONField(required=False, default=list)
    segmentation = serializers.JSONField(required=False, default=list)


class SubmitSerializer(AnnotationBodySerializer):
    time_spent_ms = serializers.IntegerField(min_value=0, required=False, default=0)

    @staticmethod
    def plain(data) -> dict | None:
        """As DraftSerializer.plain, for a submit."""
        if type(data) is not dict:
            return None
        body = {name: data.get(name, []) for name in ("spans", "classes", "segmentation")}
        body["time_spent_ms"] = data.get("time_spent_ms", 0)
        if None in body.values() or not _count(body["time_spent_ms"]):
            return None
        return body


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
