import copy
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from projects.models import LABEL_KINDS, Kind, Label, Membership, Project, Role
from projects.services import LABEL_DEFAULTS

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
ROLES_MAX = 20  # roles an event type may have
ARGUMENTS_MAX = 20  # arguments one role may take


# The single-character keys the annotator's workspace keeps for itself (workspace.js).
WORKSPACE_KEYS = {
    "?": gettext_lazy("the list of keys"),
    "w": gettext_lazy("word segmentation"),
    "m": gettext_lazy("merging words"),
}


def _names(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=200, default=list, **kwargs
    )


class EventRoleSerializer(serializers.Serializer):
    """A role of an event type: the entity labels its arguments may have (none: any), and
    how many arguments it takes."""

    name = serializers.CharField(max_length=100)
    labels = _names()
    min = serializers.IntegerField(min_value=0, max_value=ARGUMENTS_MAX, default=0)
    max = serializers.IntegerField(min_value=1, max_value=ARGUMENTS_MAX, default=1)

    def validate(self, data: dict) -> dict:
        if data.get("max", 1) < data.get("min", 0):
            reason = _(
                "Role %(name)s: the most arguments it takes (max) is below the fewest (min)."
            )
            raise serializers.ValidationError(reason % {"name": data["name"]})
        return data


class LabelSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=[k.value for k in LABEL_KINDS], default=Kind.SPANS.value)
    # Given back with a label, its id keeps it the same label under a new name: renaming it
    # renames it in every annotation. Without one, a label is known by its kind and name.
    id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    directed = serializers.BooleanField(default=True)
    subject_labels = _names(help_text="Relations: entity labels a subject may have (none: any).")
    object_labels = _names(help_text="Relations: entity labels an object may have (none: any).")
    trigger_label = serializers.CharField(
        max_length=100, allow_blank=True, default="", help_text="Events: the trigger's label."
    )
    roles = EventRoleSerializer(many=True, default=list, max_length=ROLES_MAX)

    class Meta:
        model = Label
        fields = [
            "id",
            "name",
            "kind",
            "color",
            "hotkey",
            "description",
            "directed",
            "subject_labels",
            "object_labels",
            "trigger_label",
            "roles",
        ]
        # Uniqueness is checked across the whole list in ProjectSerializer.validate_labels.
        validators: list = []

    def validate(self, data: dict) -> dict:
        """What a kind does not use is cleared; an event type names its trigger's label
        and gives each role a name of its own."""
        kind = data.get("kind", Kind.SPANS.value)
        if kind != Kind.RELATIONS:
            data.update(directed=True, subject_labels=[], object_labels=[])
        if kind != Kind.EVENTS:
            data.update(trigger_label="", roles=[])
            return data
        if not data.get("trigger_label"):
            reason = _("Event %(name)s needs the entity label of its trigger.")
            raise serializers.ValidationError({"trigger_label": [reason % {"name": data["name"]}]})
        roles = [role["name"] for role in data.get("roles", [])]
        if len(set(roles)) != len(roles):
            reason = _("Event %(name)s has two roles of one name.")
            raise serializers.ValidationError({"roles": [reason % {"name": data["name"]}]})
        return data

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
            "suggest_every",
            "suggest_margin",
            "active_learning",
            "active_random_percent",
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
            for key, default in LABEL_DEFAULTS.items():
                label.setdefault(key, copy.deepcopy(default))
            for role in label["roles"]:
                role.update({"labels": [], "min": 0, "max": 1, **role})
        names = [(label["kind"], label["name"]) for label in labels]
        if len(set(names)) != len(names):
            raise serializers.ValidationError(_("Two labels of one kind share a name."))
        hotkeys = [label["hotkey"] for label in labels if label.get("hotkey")]
        if len(set(hotkeys)) != len(hotkeys):
            raise serializers.ValidationError(_("Two labels share a hotkey."))
        return labels

    def validate(self, data: dict) -> dict:
        kinds = data.get("kinds") or (self.instance.kinds if self.instance else [Kind.SPANS])
        if {Kind.RELATIONS, Kind.EVENTS} & set(kinds) and Kind.SPANS not in kinds:
            reason = _("Relations and events link entities: the project annotates spans too.")
            raise serializers.ValidationError({"kinds": [reason]})
        if "labels" in data:
            _links_checked(data["labels"], self.instance)
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


def _links_checked(labels: list[dict], project: Project | None) -> None:
    """The entity labels relation and event types name are entity labels of the set. An
    entity label renamed in the same change is followed: a type naming it by its old name
    names the new one."""
    renamed = {}
    if project is not None:
        old = {label.id: label.name for label in project.labels.filter(kind=Kind.SPANS)}
        for label in labels:
            before = old.get(label.get("id") or 0)
            if label["kind"] == Kind.SPANS and before not in (None, label["name"]):
                renamed[before] = label["name"]
    entities = {label["name"] for label in labels if label["kind"] == Kind.SPANS}
    for label in labels:
        if label["kind"] not in (Kind.RELATIONS, Kind.EVENTS):
            continue
        for field in ("subject_labels", "object_labels"):
            label[field] = [renamed.get(name, name) for name in label[field]]
        label["trigger_label"] = renamed.get(label["trigger_label"], label["trigger_label"])
        for role in label["roles"]:
            role["labels"] = [renamed.get(name, name) for name in role["labels"]]
        named = [*label["subject_labels"], *label["object_labels"]]
        named += [label["trigger_label"]] if label["kind"] == Kind.EVENTS else []
        named += [name for role in label["roles"] for name in role["labels"]]
        unknown = [name for name in named if name not in entities]
        if unknown:
            reason = _("%(label)s names %(name)s, which is not an entity label of this project.")
            raise serializers.ValidationError(
                {"labels": [reason % {"label": label["name"], "name": unknown[0]}]}
            )


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
