from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from annotation.curating.selectors import SORTS, State

PAGE_SIZE_MAX = 200


class TableQuerySerializer(serializers.Serializer):
    """The data table's filters, as a query string or as the ``filter`` of an action."""

    batch = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    import_job = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    state = serializers.ChoiceField(choices=State.ALL, required=False)
    annotator = serializers.CharField(required=False, max_length=150)
    label = serializers.CharField(required=False, max_length=100)
    disagreement = serializers.BooleanField(required=False, allow_null=True, default=None)
    gold = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(required=False, max_length=200, allow_blank=True, default="")
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="id")


class TablePageSerializer(TableQuerySerializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=100_000, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_SIZE_MAX, default=50
    )


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ImportNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()


class WorkStateSerializer(serializers.Serializer):
    annotator = serializers.CharField()
    status = serializers.CharField()
    skip_reason = serializers.CharField()


class TableRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    batch = NamedSerializer(allow_null=True)
    import_job = ImportNameSerializer(allow_null=True)
    article = serializers.IntegerField()
    position = serializers.IntegerField()
    state = serializers.ChoiceField(choices=State.ALL)
    submitted = serializers.IntegerField()
    overlap = serializers.IntegerField()
    work = WorkStateSerializer(many=True)
    labels = serializers.ListField(child=serializers.CharField())
    final = serializers.CharField(allow_null=True)
    disagreement = serializers.BooleanField()
    gold = serializers.BooleanField()
    excluded = serializers.BooleanField()


class TableSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    more = serializers.BooleanField(help_text="True when ``count`` is a floor: there are more.")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = TableRowSerializer(many=True)


ACTIONS = ("exclude", "include", "return", "reassign", "gold", "ungold")


class ActionSerializer(serializers.Serializer):
    """An action on the snippets named, or on every snippet the filter passes."""

    action = serializers.ChoiceField(choices=ACTIONS)
    snippets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10_000,
    )
    filter = TableQuerySerializer(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    annotator = serializers.CharField(required=False, max_length=150)

    def validate(self, data: dict) -> dict:
        if ("snippets" in data) == ("filter" in data):
            raise serializers.ValidationError(
                _("Name the snippets or give a filter, one of the two.")
            )
        if data["action"] == "return" and not data["reason"].strip():
            raise serializers.ValidationError({"reason": [_("Say why the work goes back.")]})
        if data["action"] == "reassign" and not data.get("annotator"):
            raise serializers.ValidationError({"annotator": [_("Say who takes the snippets.")]})
        return data


class LeftSerializer(serializers.Serializer):
    snippet = serializers.IntegerField()
    reason = serializers.CharField()


class OutcomeSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField())
    left = LeftSerializer(many=True)


class ProjectContentsSerializer(serializers.Serializer):
    imports = serializers.IntegerField()
    articles = serializers.IntegerField()
    snippets = serializers.IntegerField()
    batches = serializers.IntegerField()
    works = serializers.IntegerField()
    deletable = serializers.BooleanField()
    reason = serializers.CharField()
