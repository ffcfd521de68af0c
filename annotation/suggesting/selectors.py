from django.db.models import Count

from annotation.models import GazetteerEntry, MachineSuggestion, ProjectModel
from projects.models import Project

RECENT_MODELS = 20


def suggestions_overview(*, project: Project) -> dict:
    """The project's suggestion settings, its recent models (newest first, without their
    bytes), its gazetteer's size and how many snippets each engine suggests for."""
    models = (
        ProjectModel.objects.filter(project=project)
        .defer("data")
        .order_by("-created_at", "-id")[:RECENT_MODELS]
    )
    suggested = (
        MachineSuggestion.objects.filter(project=project)
        .values("engine")
        .annotate(snippets=Count("id"))
        .order_by("engine")
    )
    return {
        "suggest_every": project.suggest_every,
        "suggest_margin": project.suggest_margin,
        "models": list(models),
        "gazetteer": GazetteerEntry.objects.filter(project=project).count(),
        "suggested": {row["engine"]: row["snippets"] for row in suggested},
    }
