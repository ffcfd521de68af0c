"""Quality control: runs, reviews, acceptance checks, gold items, adjudications."""

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from annotation.models.ingest import Batch, Job, Snippet
from annotation.models.work import Assignment, Revision
from projects.models import Project


class QualityRun(Job):
    """Agreement over a project's submitted work, per batch, label and annotator pair.

    ``results`` is the document annotation.quality.report builds. A run is started on
    demand or when a batch completes; while one is pending or running, asking again returns
    it rather than queueing another.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="quality_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The batch whose completion started the run; None when someone asked for it.
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="quality_runs"
    )
    results = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-id"], name="quality_run_latest")]


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Review(models.Model):
    """A reviewer's decision (质检) on one revision of sampled work, kept as made.

    A rejection sends the work back to its annotator with the reason; their next submit is
    reviewed anew in a row of the next ``round``. Qualification rates count first rounds.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    batch = models.ForeignKey(Batch, null=True, on_delete=models.CASCADE, related_name="reviews")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "round"], name="review_once_per_round"),
        ]
        indexes = [
            models.Index(fields=["project", "status", "id"], name="review_queue"),
            models.Index(fields=["batch", "status"], name="review_batch_status"),
        ]


class AcceptanceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class Acceptance(models.Model):
    """A client's acceptance check (验收) of a batch: a sample of its snippets, each marked
    right or wrong; once all are marked, the rate against the threshold decides."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="acceptances")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    threshold = models.FloatField(help_text="The project's threshold when the check began.")
    status = models.CharField(
        max_length=16, choices=AcceptanceStatus.choices, default=AcceptanceStatus.OPEN
    )
    rate = models.FloatField(null=True, blank=True, help_text="Percent of the sample right.")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["batch"],
                condition=models.Q(status="open"),
                name="acceptance_one_open_per_batch",
            ),
        ]


class Verdict(models.TextChoices):
    UNMARKED = "", _("Not marked")
    RIGHT = "right", _("Right")
    WRONG = "wrong", _("Wrong")


class AcceptanceItem(models.Model):
    acceptance = models.ForeignKey(Acceptance, on_delete=models.CASCADE, related_name="items")
    snippet = models.ForeignKey(Snippet, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True, default="")
    note = models.TextField(blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["acceptance", "snippet"], name="acceptance_item_once"),
        ]


class GoldItem(models.Model):
    """A snippet with a reference annotation, mixed unannounced into annotators' tasks."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gold_items")
    snippet = models.OneToOneField(Snippet, on_delete=models.CASCADE, related_name="gold_item")
    spans = models.JSONField(default=list, blank=True)
    classes = models.JSONField(default=list, blank=True)
    segmentation = models.JSONField(default=list, blank=True)
    relations = models.JSONField(default=list, blank=True)  # annotation.core.links
    events = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class GoldResult(models.Model):
    """How an annotator's first submit of a gold item compared with its reference."""

    gold = models.ForeignKey(GoldItem, on_delete=models.CASCADE, related_name="results")
    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="gold_result"
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gold_results"
    )
    correct = models.BooleanField()
    span_f1 = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["annotator", "gold"], name="gold_result_annotator")]


class Adjudication(models.Model):
    """The final annotation of a snippet, settled from its annotators' versions. Kept as
    made: a second settlement adds a row, and the latest is the snippet's final one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adjudications")
    snippet = models.ForeignKey(Snippet, on_delete=models.CASCADE, related_name="adjudications")
    spans = models.JSONField(default=list, blank=True)
    classes = models.JSONField(default=list, blank=True)
    segmentation = models.JSONField(default=list, blank=True)
    relations = models.JSONField(default=list, blank=True)  # annotation.core.links
    events = models.JSONField(default=list, blank=True)
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["snippet", "-id"], name="adjudication_latest")]


class FinalSource(models.TextChoices):
    ADJUDICATION = "adjudication", _("adjudication")
    MAJORITY = "majority", _("majority of the annotators")


class FinalAnnotation(models.Model):
    """The annotation a snippet delivers, stored: its latest adjudication, else the
    majority of its annotators' latest submitted revisions (annotation.quality.finals).
    ``tie`` marks a majority that two or more versions share: the earliest work's stands
    until someone adjudicates. Exports, the dataset card, the adjudication page and the
    quality dashboard read these rows; the refresh job writes them."""

    snippet = models.OneToOneField(
        Snippet, on_delete=models.CASCADE, primary_key=True, related_name="final"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    spans = models.JSONField(default=list, blank=True)
    classes = models.JSONField(default=list, blank=True)
    segmentation = models.JSONField(default=list, blank=True)
    relations = models.JSONField(default=list, blank=True)  # annotation.core.links
    events = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=16, choices=FinalSource.choices)
    works = models.PositiveIntegerField(default=0)  # annotators' works counted
    votes = models.PositiveIntegerField(default=0)  # of them, for this annotation
    tie = models.BooleanField(default=False)
    # The labels it uses, each on a line of its own (annotation.quality.finals.label_lines),
    # for the data table's label filter.
    labels = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "snippet"], name="final_project")]


class FinalDirtyManager(models.Manager):
    _MARK = (
        "INSERT INTO annotation_finaldirty (snippet_id, project_id, version)"
        " VALUES (%s, %s, 1)"
        " ON CONFLICT (snippet_id) DO UPDATE SET version = annotation_finaldirty.version + 1"
    )

    def mark(self, *, project_id: int, snippet_ids: list[int]) -> None:
        """Mark these snippets' final annotations to be computed again, in the caller's
        transaction (so a mark commits with the change that made it): one statement a
        snippet, on any database."""
        with connection.cursor() as cursor:
            cursor.executemany(self._MARK, [(snippet, project_id) for snippet in snippet_ids])


class FinalDirty(models.Model):
    """A snippet whose final annotation is to be computed again: a submit, a rework or an
    adjudication changed what it is made of. ``version`` goes up with each change, so the
    refresh removes the mark only when nothing changed while it computed."""

    snippet = models.OneToOneField(
        Snippet, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=1)

    objects = FinalDirtyManager()

    class Meta:
        indexes = [models.Index(fields=["project", "snippet"], name="final_dirty_project")]
