import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from projects.models import Kind, Label, Membership, Project, Role

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
LABEL_KINDS = (Kind.SPANS.value, Kind.CLASSES.value)


# The single-character keys the annotator's workspace keeps for itself (workspace.js).
WORKSPACE_KEYS = {
    "?": gettext_lazy("the list of keys"),
    "w": gettext_lazy("word segmentation"),
    "m": gettext_lazy("merging words"),
}


class LabelSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=LABEL_KINDS, default=Kind.SPANS.value)
    # Given back with a label, its id keeps it the same label under a new name: renaming it
    # renames it in every annotation. Without one, a label is known by its kind and name.
    id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Label
        fields = ["id", "name", "kind", "color", "hotkey", "description"]
        # Uniqueness is checked across the whole list in ProjectSerializer.validate_labels.
        validators: list = []

    def validate_color(self, color: str) -> str:
        if not COLOR.match(color):
            raise serializers.ValidationError(_("A colour is written #RRGGBB."))
        return color.lower()

    def validate_hotkey(self, hotkey: str) -> str:
        """One visible character, not a key the workspace uses, kept in lower case: keys
        match whatever the Shift or Caps Lock, and the pages show them in capitals."""
        if hotkey.isspace():
            raise serializers.ValidationError(_("A hotkey is one visible character."))
        if hotkey.lower() in WORKSPACE_KEYS:
            reason = _("%(key)s is the workspace's own key (%(use)s); choose another.")
            key = hotkey.upper()
            raise serializers.ValidationError(
                reason % {"key": key, "use": WORKSPACE_KEYS[key.lower()]}
            )
        return hotkey.lower()


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True, help_text="The caller's role in the project.")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.values), allow_empty=False, required=False
    )
    labels = LabelSerializer(many=True, required=False)
    overlap = serializers.IntegerField(min_value=1, max_value=20, required=False)
    lease_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False)
    batch_size = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    max_snippet_chars = serializers.IntegerField(min_value=16, max_value=10_000, required=False)
    review_percent = serializers.IntegerField(min_value=1, max_value=100, required=False)
    acceptance_threshold = serializers.FloatField(min_value=0, max_value=100, required=False)
    gold_percent = serializers.IntegerField(min_value=0, max_value=50, required=False)
    gold_min_accuracy = serializers.FloatField(min_value=0, max_value=100, required=False)
    archived = serializers.BooleanField(
        required=False, help_text="Archived: it hands out no more tasks and is listed apart."
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "guidelines",
            "role",
            "archived",
            "kinds",
            "labels",
            "multi_label",
            "allow_overlap",
            "snap_to_tokens",
            "overlap",
            "lease_minutes",
            "batch_size",
            "review_percent",
            "acceptance_threshold",
            "gold_percent",
            "gold_min_accuracy",
            "gold_pause",
            "settle_disagreements",
            "max_snippet_chars",
            "clean_reflow",
            "clean_cjk_spaces",
            "clean_punctuation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "role", "created_at", "updated_at"]

    def validate_kinds(self, kinds: list[str]) -> list[str]:
        if len(set(kinds)) != len(kinds):
            raise serializers.ValidationError(_("Each kind is listed once."))
        return [kind for kind in Kind.values if kind in kinds]

    def validate_labels(self, labels: list[dict]) -> list[dict]:
        for label in labels:  # a PATCH is partial all the way down: fill the defaults here
            label.setdefault("kind", Kind.SPANS.value)
        names = [(label["kind"], label["name"]) for label in labels]
        if len(set(names)) != len(names):
            raise serializers.ValidationError(_("Two labels of one kind share a name."))
        hotkeys = [label["hotkey"] for label in labels if label.get("hotkey")]
        if len(set(hotkeys)) != len(hotkeys):
            raise serializers.ValidationError(_("Two labels share a hotkey."))
        return labels

    def validate(self, data: dict) -> dict:
        kinds = data.get("kinds") or (self.instance.kinds if self.instance else [Kind.SPANS])
        for label in data.get("labels", []):
            if label["kind"] not in kinds:
                raise serializers.ValidationError(
                    {
                        "labels": _(
                            "Label %(name)s is of kind %(kind)s, which the project does not use."
                        )
                        % {"name": label["name"], "kind": label["kind"]}
                    }
                )
        return data


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["user_id", "username", "display_name", "role", "created_at"]
        read_only_fields = ["user_id", "display_name", "created_at"]


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
