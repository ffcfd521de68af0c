from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("Project manager")
    REVIEWER = "reviewer", _("Reviewer")
    ANNOTATOR = "annotator", _("Annotator")
    CLIENT = "client", _("Client")


# The roles that take tasks: every member but clients (the claim's statements, the batch
# check's "is anyone left to take it", reassigning).
TASK_ROLES = (Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER)


class Kind(models.TextChoices):
    SPANS = "spans", _("Entity spans")
    CLASSES = "classes", _("Classes")
    SEGMENTATION = "segmentation", _("Word segmentation")
    RELATIONS = "relations", _("Relations between entities")
    EVENTS = "events", _("Events")


# The kinds a label may be of; segmentation has no labels.
LABEL_KINDS = (Kind.SPANS, Kind.CLASSES, Kind.RELATIONS, Kind.EVENTS)


def default_kinds() -> list[str]:
    return [Kind.SPANS.value]


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True, help_text="Markdown, shown to annotators.")
    # What annotators do, and how work is handed out.
    kinds = models.JSONField(default=default_kinds)
    multi_label = models.BooleanField(default=False)
    allow_overlap = models.BooleanField(default=False)
    snap_to_tokens = models.BooleanField(default=True)
    overlap = models.PositiveSmallIntegerField(default=1, help_text="Annotators per snippet.")
    lease_minutes = models.PositiveIntegerField(default=30)
    batch_size = models.PositiveIntegerField(
        default=0, help_text="Snippets per batch (任务包) of an import; 0: one batch per import."
    )
    # Quality control (annotation.quality): the share of each batch's snippets a reviewer
    # checks (质检), and the qualification rate a client's acceptance (验收) requires.
    review_percent = models.PositiveSmallIntegerField(
        default=20, help_text="Percent of each batch's snippets sampled for review."
    )
    acceptance_threshold = models.FloatField(
        default=98.0, help_text="Percent of sampled items right for a batch to be accepted."
    )
    # Gold items (honeypots): how often one is mixed into an annotator's tasks, the accuracy
    # on them below which an annotator is flagged, and whether a flagged one is paused.
    gold_percent = models.PositiveSmallIntegerField(
        default=0, help_text="Percent of each annotator's tasks that are gold items."
    )
    gold_min_accuracy = models.FloatField(
        default=80.0, help_text="Percent of gold items right below which an annotator is flagged."
    )
    settle_disagreements = models.BooleanField(
        default=True,
        help_text="A batch goes to its client only once every disagreement in it is settled.",
    )
    gold_pause = models.BooleanField(
        default=False, help_text="Pause a flagged annotator until a manager lets them go on."
    )
    # Suggestions (annotation.suggesting): the project models train again after this many
    # new final annotations, and are shown while their F1 beats the baseline's by the margin.
    suggest_every = models.PositiveIntegerField(
        default=100,
        validators=[MinValueValidator(1)],
        help_text="New final annotations after which the project models retrain.",
    )
    suggest_margin = models.FloatField(
        default=0.02,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="F1 by which a model must beat its baseline to be shown.",
    )
    # Active learning: open snippets handed out most uncertain first (by the project model),
    # a random share of them kept in among the rest.
    active_learning = models.BooleanField(
        default=False, help_text="Hand out the snippets the project model is least sure of first."
    )
    active_random_percent = models.PositiveSmallIntegerField(
        default=20,
        validators=[MaxValueValidator(100)],
        help_text="Percent of the snippets handed out in random order all the same.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # An archived project hands out no more tasks and is listed apart; nothing is deleted.
    archived_at = models.DateTimeField(null=True, blank=True)

    # How imported text is cleaned, cut and pre-tokenized (annotation.ingest).
    clean_reflow = models.BooleanField(default=True)
    clean_cjk_spaces = models.BooleanField(default=True)
    clean_punctuation = models.BooleanField(default=True)
    max_snippet_chars = models.PositiveIntegerField(default=256)
    tokenizer_hmm = models.BooleanField(default=True)
    # jieba, or a jieba-compatible engine installed beside it (annotation.ingest.tokenizer).
    tokenizer_engine = models.CharField(
        max_length=16,
        default="jieba",
        choices=[("jieba", "jieba"), ("jieba_fast", "jieba_fast"), ("rjieba", "rjieba")],
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_snippet_chars__gte=16), name="project_snippet_length_min"
            ),
            models.CheckConstraint(condition=models.Q(overlap__gte=1), name="project_overlap_min"),
            models.CheckConstraint(
                condition=models.Q(lease_minutes__gte=1), name="project_lease_min"
            ),
            models.CheckConstraint(
                condition=models.Q(review_percent__gte=1, review_percent__lte=100),
                name="project_review_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(acceptance_threshold__gte=0, acceptance_threshold__lte=100),
                name="project_acceptance_threshold_range",
            ),
            models.CheckConstraint(
                condition=models.Q(gold_percent__lte=50), name="project_gold_percent_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    # Set when the annotator's gold accuracy fell below the project's minimum (gold_pause);
    # a paused annotator gets no new tasks until a manager clears it.
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_one_per_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.project_id}:{self.role}"


class Label(models.Model):
    """A label of a project: an entity type (kind ``spans``), a class (``classes``), a
    relation type between two entities (``relations``) or an event type (``events``).

    A relation type says which entity labels its subject and its object may have (none
    listed: any) and whether it is directed; an event type names the entity label of its
    trigger and its roles, each with the entity labels its arguments may have and how many
    arguments it takes: ``[{"name", "labels", "min", "max"}]``.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labels")
    kind = models.CharField(max_length=16, choices=[(k.value, k.label) for k in LABEL_KINDS])
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, default="#4c6ef5")
    hotkey = models.CharField(max_length=1, blank=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    directed = models.BooleanField(default=True)
    subject_labels = models.JSONField(default=list, blank=True)
    object_labels = models.JSONField(default=list, blank=True)
    trigger_label = models.CharField(max_length=100, blank=True)
    roles = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "name"], name="label_unique_name_per_kind"
            ),
            models.UniqueConstraint(
                fields=["project", "hotkey"],
                condition=~models.Q(hotkey=""),
                name="label_unique_hotkey",
            ),
        ]
