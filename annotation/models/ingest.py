"""What comes in: jobs, uploads, articles, batches, snippets and their tokens."""

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    # Every title the import made of a heading in the text: [{"line", "title"}].
    titles = models.JSONField(default=list, blank=True)
    # Records (a line of JSONL, a row, another tool's item) longer than a snippet, cut
    # into several: [{"line", "snippets"}].
    records_split = models.JSONField(default=list, blank=True)
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
    # Where ``raw_text`` lies in a text file as uploaded (None for a record of JSONL, CSV
    # or another tool's file): the code point it starts at, and the places in it of the
    # line ends that were CRLF in the file (annotation.core.pieces.Piece.in_file).
    file_start = models.PositiveIntegerField(null=True, blank=True)
    crlf = models.JSONField(default=list, blank=True)

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


class SnippetQuerySet(models.QuerySet):
    def pooled(self) -> "models.QuerySet[Snippet]":
        """The pool: snippets handed out, checked, reviewed and delivered. Gold items are
        scored apart, and a snippet a manager excluded is in nothing (``POOLED_SQL`` says
        the same to the claim's statements)."""
        return self.filter(gold=False, excluded=False)


class Snippet(models.Model):
    """The unit of annotation: cleaned text cut from an article, with its map back.

    ``offset_map`` holds runs ``[snippet_index, raw_index, ...]`` into the article's raw
    text; ``tokens`` the comma-separated code-point ends of jieba's tokens.
    """

    # Indexed by snippet_project_id (project, id): every claim updates a snippet, and each
    # index on this table is one more entry written per claim.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="snippets", db_index=False
    )
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
    # Left out by a manager (annotation.curating): handed to nobody, in no batch check,
    # review sample, acceptance sample or export. The work done on it is kept.
    excluded = models.BooleanField(default=False)
    # Its place in the claim order among snippets as far along, the highest first
    # (annotation.work.statements): 0, but where active learning ranked the open snippets
    # (annotation.suggesting.ranking).
    # A default in the database too, so that the imports' COPY need not name it.
    claim_rank = models.PositiveIntegerField(default=0, db_default=0)
    # Whether an engine suggests anything for it (annotation.suggesting): a task reads the
    # MachineSuggestion rows only then, so that a project without suggestions pays nothing.
    suggested = models.BooleanField(default=False, db_default=False)

    objects = SnippetQuerySet.as_manager()

    # SnippetQuerySet.pooled as a condition on a snippet aliased ``s``.
    POOLED_SQL = "NOT s.gold AND NOT s.excluded"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "text_hash"], name="snippet_unique_text"),
        ]
        indexes = [
            models.Index(fields=["project", "id"], name="snippet_project_id"),
            # The claim order: snippets closest to done first (annotation.work.claims).
            models.Index(
                fields=["project", "-slots_taken", "-claim_rank", "id"], name="snippet_claim_order"
            ),
            # The few snippets the data table's gold and excluded filters find.
            models.Index(fields=["project", "id"], condition=Q(gold=True), name="snippet_gold"),
            models.Index(
                fields=["project", "id"], condition=Q(excluded=True), name="snippet_excluded"
            ),
        ]


class SnippetSearch(models.Model):
    """A snippet's text as the data table searches it (annotation.core.search.search_key),
    in a table of its own: on PostgreSQL a trigram index serves ``contains`` here, and a
    claim, which rewrites the snippet's row, does not rewrite that index."""

    snippet = models.OneToOneField(
        Snippet, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["project", "snippet"], name="snippet_search_project")]


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
