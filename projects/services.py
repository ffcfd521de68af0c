from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from projects.models import Label, Membership, Project, Role
from projects.signals import labels_renamed

# A label's fields besides its kind and name, with the value each takes when not given.
LABEL_DEFAULTS: dict[str, Any] = {
    "color": "",
    "hotkey": "",
    "description": "",
    "directed": True,
    "subject_labels": [],
    "object_labels": [],
    "trigger_label": "",
    "roles": [],
}
LABEL_FIELDS = tuple(LABEL_DEFAULTS)


# What a project made from another as a template takes of it: its set-up, not its name,
# its people or its data.
TEMPLATE_FIELDS = (
    *("guidelines", "kinds", "multi_label", "allow_overlap", "snap_to_tokens", "overlap"),
    *("lease_minutes", "batch_size", "review_percent", "acceptance_threshold"),
    *("gold_percent", "gold_min_accuracy", "gold_pause", "settle_disagreements"),
    *("clean_reflow", "clean_cjk_spaces"),
    *("clean_punctuation", "max_snippet_chars", "tokenizer_hmm", "tokenizer_engine"),
)


@transaction.atomic
def project_create(
    *,
    creator: User,
    name: str,
    labels: list[dict] | None = None,
    template: Project | None = None,
    **settings: Any,
) -> Project:
    """Create a project; its creator becomes its manager. The caller checks the right.
    With a ``template``, its set-up and labels are the new project's but for what is given.
    A new project is never archived."""
    settings.pop("archived", None)
    if template is not None:
        settings = {
            **{field: getattr(template, field) for field in TEMPLATE_FIELDS},
            **settings,
        }
        if labels is None:
            labels = [
                {key: getattr(label, key) for key in ("name", "kind", *LABEL_FIELDS)}
                for label in template.labels.all()
            ]
    project = Project.objects.create(name=name, created_by=creator, **settings)
    Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    if labels:
        labels_set(project=project, labels=labels)
    return project


@transaction.atomic
def project_update(
    *, project: Project, labels: list[dict] | None = None, **settings: Any
) -> Project:
    """Change the given settings (validated by the caller) and, if given, the label set;
    ``archived`` archives the project or takes it out of the archive."""
    if "archived" in settings:
        archived = settings.pop("archived")
        if archived != project.archived:
            settings["archived_at"] = timezone.now() if archived else None
    for field, value in settings.items():
        setattr(project, field, value)
    if settings:
        project.save(update_fields=[*settings, "updated_at"])
    if labels is not None:
        labels_set(project=project, labels=labels)
    return project


def labels_set(*, project: Project, labels: list[dict]) -> None:
    """Make the project's labels exactly ``labels``, in order.

    A label given with the id of one of the project's labels of its kind is that label:
    given a new name, it is renamed, here and in every stored annotation (the
    ``labels_renamed`` signal, in this transaction). Without an id, a label keeps its row
    while its kind and name stay the same; labels not given are deleted, new ones created.
    Hotkeys are cleared first so that two labels may swap them. The project's
    ``updated_at`` moves, as for any change of what a submit may hold.
    """
    project.save(update_fields=["updated_at"])
    rows = list(project.labels.all())
    by_id = {label.id: label for label in rows}
    by_name = {(label.kind, label.name): label for label in rows}
    matched: list[Label | None] = []
    for item in labels:
        label = by_id.get(item.get("id") or 0)
        if label is None or label.kind != item["kind"]:
            label = by_name.get((item["kind"], item["name"]))
        matched.append(label if label not in matched else None)
    kept = {label.id for label in matched if label is not None}
    Label.objects.filter(project=project).exclude(id__in=kept).delete()
    # Hotkeys and names out of the way, so that two labels may swap either.
    Label.objects.filter(project=project).update(
        hotkey="", name=Concat(Value("\u2063"), Cast("id", CharField()))
    )
    renamed = []
    for position, (item, label) in enumerate(zip(labels, matched, strict=True)):
        values = {
            **{key: item.get(key, default) for key, default in LABEL_DEFAULTS.items()},
            "position": position,
        }
        values["color"] = values["color"] or "#4c6ef5"
        if label is None:
            Label.objects.create(project=project, kind=item["kind"], name=item["name"], **values)
            continue
        if label.name != item["name"]:
            renamed.append((label.kind, label.name, item["name"]))
        for key, value in {**values, "name": item["name"]}.items():
            setattr(label, key, value)
        label.save(update_fields=[*values, "name"])
    if renamed:
        labels_renamed.send(sender=Project, project=project, renamed=renamed)


def _members_locked(project: Project) -> None:
    """Lock the project's row for the rest of the transaction: changes to its members run
    one at a time, so that two managers demoting or removing each other at once cannot
    both see the other still there and leave the project with none."""
    list(Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True))


@transaction.atomic
def membership_remove(*, project: Project, user: User) -> None:
    """Take ``user`` off the project; the last manager cannot be removed."""
    _members_locked(project)
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is None:
        return
    if membership.role == Role.MANAGER:
        managers = Membership.objects.select_for_update().filter(project=project, role=Role.MANAGER)
        if managers.count() == 1:
            raise ValidationError(_("A project keeps at least one manager."))
    membership.delete()


@transaction.atomic
def membership_set(*, project: Project, user: User, role: Role) -> Membership:
    """Give ``user`` the ``role`` in ``project``, replacing any role held. Idempotent.

    The last manager cannot be given another role.
    """
    _members_locked(project)
    membership, created = Membership.objects.select_for_update().get_or_create(
        project=project, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        if membership.role == Role.MANAGER and (
            Membership.objects.filter(project=project, role=Role.MANAGER).count() == 1
        ):
            raise ValidationError(_("A project keeps at least one manager."))
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def memberships_set(*, project: Project, members: list[tuple[User, Role]]) -> list[Membership]:
    """Give each user their role in ``project``, all or none (membership_set's rules)."""
    return [membership_set(project=project, user=user, role=role) for user, role in members]
