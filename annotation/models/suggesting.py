"""Suggestions made by machines: the project models trained on the final annotations, and
what each engine suggests for each open snippet (annotation.suggesting)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from annotation.models.ingest import Snippet
from projects.models import Project


class Engine(models.TextChoices):
    """Where a suggestion comes from. Imported suggestions stay on the snippet."""

    DICTIONARY = "dictionary", _("Dictionary")
    WORDS = "crf-words", _("Project model: words")
    SPANS = "crf-spans", _("Project model: spans")
    CLASSES = "linear-classes", _("Project model: classes")


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
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "engine", "version"], name="project_model_version"
            ),
        ]


class MachineSuggestion(models.Model):
    """What one engine suggests for one snippet: ``items`` are spans ``{start, end,
    label, score}``, or for words ``[{"segmentation": [ends...], "score"}]``. Written by
    the suggestions refresh, which replaces a snippet's rows whole."""

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
