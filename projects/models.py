from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "manager", _("Project manager")
    REVIEWER = "reviewer", _("Reviewer")
    ANNOTATOR = "annotator", _("Annotator")
    CLIENT = "client", _("Client")


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True, help_text="Markdown, shown to annotators.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
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
