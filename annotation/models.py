from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import Project


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A background job as the UI sees it: polled through its row, never a result backend.

    A job is dispatched after the transaction that created it commits. Running it again
    after it has finished changes nothing.
    """

    FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.FloatField(default=0.0)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class TokenizeRun(Job):
    """Pre-tokenization of a set of snippets, cut into chunks that workers take one by one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tokenize_runs")
    tokenizer_version = models.CharField(max_length=100)
    snippets_total = models.PositiveIntegerField(default=0)
    snippets_done = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)


class TokenizeChunk(models.Model):
    run = models.ForeignKey(TokenizeRun, on_delete=models.CASCADE, related_name="chunks")
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    size = models.PositiveIntegerField()
    done = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["run", "done"], name="tokenize_chunk_run_done")]


class ImportJob(Job):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=16)
    options = models.JSONField(default=dict, blank=True)
    size = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=32, blank=True)
    articles = models.PositiveIntegerField(default=0)
    snippets = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    tokenize_run = models.ForeignKey(
        TokenizeRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class UploadChunk(models.Model):
    """An uploaded file, kept in the database in pieces so that any worker can read it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="upload_chunk_job_seq"),
        ]


class Article(models.Model):
    """Raw text as imported (newlines normalised to LF, otherwise unchanged)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="articles")
    import_job = models.ForeignKey(
        ImportJob, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=500, blank=True)
    raw_text = models.TextField()
    raw_hash = models.CharField(max_length=64)
    meta = models.JSONField(default=dict, blank=True)
    source_line = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "raw_hash"], name="article_unique_text"),
        ]


class BatchStatus(models.TextChoices):
    ANNOTATING = "annotating", _("Annotating")
    REVIEWING = "reviewing", _("Reviewing")
    ACCEPTING = "accepting", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class Batch(models.Model):
    """A batch (任务包): snippets handed out, reviewed and accepted together."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(max_length=255)
    import_job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.ANNOTATING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    size = models.PositiveIntegerField(default=0, help_text="Snippets in the batch.")
    # Annotators the manager reserved this batch for; nobody else gets its snippets.
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reserved_batches"
    )

    class Meta:
        ordering = ["id"]


class Snippet(models.Model):
    """The unit of annotation: cleaned text cut from an article, with its map back.

    ``offset_map`` holds runs ``[snippet_index, raw_index, ...]`` into the article's raw
    text; ``tokens`` the comma-separated code-point ends of jieba's tokens.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snippets")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="snippets")
    position = models.PositiveIntegerField()
    text = models.TextField()
    text_hash = models.CharField(max_length=64)
    offset_map = models.JSONField()
    tokens = models.TextField(blank=True, default="")
    tokenizer_version = models.CharField(max_length=100, blank=True, default="")
    # Pre-annotations from the import: [{"start", "end", "label"}], shown as suggestions.
    suggestions = models.JSONField(default=list, blank=True)
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="snippets"
    )
    # Assignments holding a slot (active or submitted); at most the project's overlap.
    slots_taken = models.PositiveSmallIntegerField(default=0)
    # A gold item (annotation.quality.gold): served apart from the pool, to every annotator.
    gold = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "text_hash"], name="snippet_unique_text"),
        ]
        indexes = [
            models.Index(fields=["project", "id"], name="snippet_project_id"),
            # The claim order: snippets closest to done first (annotation.work.claims).
            models.Index(fields=["project", "-slots_taken", "id"], name="snippet_claim_order"),
        ]


class DictionaryWord(models.Model):
    """A word of the project's jieba user dictionary."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dictionary")
    word = models.CharField(max_length=100)
    freq = models.PositiveIntegerField(null=True, blank=True)
    tag = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "word"], name="dictionary_word_unique"),
        ]


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    SKIPPED = "skipped", _("Skipped")
    EXPIRED = "expired", _("Lease expired")
    RETURNED = "returned", _("Returned for rework")


class Assignment(models.Model):
    """One annotator's slot on one snippet. Never two for the same annotator and snippet."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    snippet = models.ForeignKey(Snippet, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    lease_expires_at = models.DateTimeField()
    # The draft autosaved by the browser, and its version for optimistic concurrency.
    draft = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=0)
    skip_reason = models.CharField(max_length=500, blank=True)
    # Why the work came back (a reviewer's rejection, a client's finding), for its annotator.
    return_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snippet", "annotator"], name="assignment_once_per_annotator"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "annotator", "status"], name="assignment_mine"),
            models.Index(fields=["project", "status", "lease_expires_at"], name="assignment_lease"),
        ]


class Revision(models.Model):
    """One submitted annotation. Revisions are only ever added, never changed."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revisions"
    )
    spans = models.JSONField(default=list, blank=True)
    classes = models.JSONField(default=list, blank=True)
    segmentation = models.JSONField(default=list, blank=True)
    time_spent_ms = models.PositiveIntegerField(default=0)
    late = models.BooleanField(default=False, help_text="Submitted after the lease expired.")
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "number"], name="revision_number"),
            models.UniqueConstraint(
                fields=["assignment", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="revision_idempotency_key",
            ),
        ]


class WorkTally(models.Model):
    """Running counts of one annotator's work on one batch, kept by the work services.

    Progress reads these rows instead of counting assignments and revisions. ``durations``
    is a histogram of seconds per submitted item (annotation.work.tally), from which the
    median is read.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tallies")
    batch = models.ForeignKey(Batch, null=True, on_delete=models.CASCADE, related_name="tallies")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tallies"
    )
    taken = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    time_ms = models.PositiveBigIntegerField(default=0)
    durations = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "annotator"], name="tally_batch_annotator"),
        ]


class OutboxMessage(models.Model):
    """A job to send to the broker, written in the transaction that calls for it.

    Requests never talk to the broker: they add a row here, and annotation.jobs publishes
    pending rows after the commit, in the background, and again after a broker outage.
    ``coalesce_key`` keeps at most one pending message per key (a dirty flag): a burst of
    submits to one batch sends one check of that batch.
    """

    task = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    coalesce_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["coalesce_key"],
                condition=models.Q(sent_at__isnull=True) & ~models.Q(coalesce_key=""),
                name="outbox_one_pending_per_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending"
            ),
        ]


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
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["snippet", "-id"], name="adjudication_latest")]
