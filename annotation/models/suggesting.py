"""Suggestions made by machines: the project models trained on the final annotations, and
what each engine suggests for each open snippet (annotation.suggesting)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from annotation.models.ingest import Job, Snippet
from projects.models import Project


class Engine(models.TextChoices):
    """Where a suggestion comes from. Imported suggestions stay on the snippet."""

    DICTIONARY = "dictionary", _("Dictionary")
    WORDS = "crf-words", _("Project model: words")
    SPANS = "crf-spans", _("Project model: spans")
    CLASSES = "linear-classes", _("Project model: classes")
    LLM = "llm", _("Language model")
    ML_BACKEND = "ml-backend", _("ML backend")


class ProjectModelQuerySet(models.QuerySet):
    def newest(self, project: Project) -> "models.QuerySet[ProjectModel]":
        """The latest training of each engine of ``project``, in engine order: one query."""
        latest = (
            ProjectModel.objects.filter(project=OuterRef("project"), engine=OuterRef("engine"))
            .order_by("-version")
            .values("version")[:1]
        )
        return self.filter(project=project, version=Subquery(latest)).order_by("engine")


class ProjectModel(models.Model):
    """A model trained on a project's final annotations, and how it did on the finals it
    held out, beside the baseline it must beat (jieba for words, the dictionary for
    spans). Its suggestions are shown only while ``shown``: its F1 beats the baseline's
    by the project's margin. Each training adds a row; the latest of an engine counts."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    engine = models.CharField(max_length=16, choices=Engine.choices)
    version = models.PositiveIntegerField()
    trained_on = models.PositiveIntegerField(help_text="Final annotations it learned from.")
    held_out = models.PositiveIntegerField(help_text="Final annotations it was scored on.")
    finals = models.PositiveIntegerField(help_text="The project's finals when it trained.")
    f1 = models.FloatField()
    baseline_f1 = models.FloatField()
    shown = models.BooleanField()
    seconds = models.FloatField(help_text="Training time.")
    # Each annotator's F1 with the model on a sample of the work they did, and those far
    # from it (annotation.quality.suggestion_use.ModelAgreement).
    annotators = models.JSONField(default=dict, blank=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectModelQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "engine", "version"], name="project_model_version"
            ),
        ]


class MachineSuggestion(models.Model):
    """What one engine suggests for one snippet: ``items`` are spans ``{start, end,
    label, score}``, classes ``{label, score}``, or for words ``[{"segmentation": [ends...],
    "score"}]``; ``score`` is null where the engine gives none (a language model).
    ``model_version`` is the engine's version that last changed the items. Written by the
    suggestions refresh and by endpoint runs."""

    snippet = models.ForeignKey(Snippet, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    engine = models.CharField(max_length=16, choices=Engine.choices)
    model_version = models.CharField(max_length=32)
    items = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snippet", "engine"], name="suggestion_per_engine"),
        ]
        indexes = [models.Index(fields=["project", "engine"], name="suggestion_project")]


class GazetteerEntry(models.Model):
    """A string a manager's gazetteer labels: the dictionary engine suggests it wherever it
    occurs, and the span model has it in its lexicon, beside the strings the finals label."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    string = models.CharField(max_length=100)
    label = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "string", "label"], name="gazetteer_entry_unique"
            ),
        ]


class SuggestionState(models.Model):
    """What the project's open snippets were last suggested with: each engine's version
    (a model's, or the dictionary's fingerprint) and the last snippet then. A refresh
    runs an engine again over every open snippet only when its version changed, and
    otherwise over the snippets that came after."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    versions = models.JSONField(default=dict)
    last_snippet = models.BigIntegerField(default=0)
    # What the open snippets' claim_rank was last computed from ("" when not ranked).
    ranking = models.CharField(max_length=100, blank=True, default="")
    # One refresh at a time a project: the one running, since when, and whether another
    # was asked for meanwhile (it then runs once more when it ends), with models trained.
    running_since = models.DateTimeField(null=True, blank=True)
    again = models.BooleanField(default=False)
    again_force = models.BooleanField(default=False)


class EndpointRun(Job):
    """One pass of an external endpoint (annotation.suggesting.endpoints) over the open
    snippets of a project, asked for by a manager: what it called, what came from the
    cache, what it suggested and what it had to drop, and why it stopped if it failed."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    endpoint = models.CharField(max_length=100)
    snippets = models.PositiveIntegerField(default=0, help_text="Snippets given suggestions.")
    calls = models.PositiveIntegerField(default=0)
    cached = models.PositiveIntegerField(default=0, help_text="Answers found in the cache.")
    tokens = models.PositiveIntegerField(default=0)
    dropped = models.PositiveIntegerField(default=0, help_text="Mentions the text lacks.")
    failures = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # When the worker running it last called the endpoint: a run that has not for
    # STALE_AFTER is taken for dead, and sent again (annotation.jobs.heavy_jobs_resend).
    beat_at = models.DateTimeField(null=True, blank=True)

    STALE_AFTER = timedelta(minutes=10)


class EndpointCall(models.Model):
    """An endpoint's answer to one request, found again by the request's hash: the same
    prompt is never paid for twice. The rows of the last day count against the
    endpoint's daily calls."""

    endpoint = models.CharField(max_length=100)
    prompt_hash = models.CharField(max_length=64)
    answer = models.JSONField()
    tokens = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "prompt_hash"], name="endpoint_call_once"),
        ]
        indexes = [models.Index(fields=["endpoint", "created_at"], name="endpoint_call_day")]
