from django.db.models import Count

from annotation.models import (
    EndpointRun,
    Engine,
    GazetteerEntry,
    MachineSuggestion,
    ProjectModel,
)
from projects.models import Project

RECENT_MODELS = 20
RECENT_RUNS = 10


def suggestions_overview(*, project: Project, endpoints: list[dict]) -> dict:
    """The project's suggestion settings, its recent models (newest first, without their
    bytes), its gazetteer's size, how many snippets each engine suggests for, the
    external ``endpoints`` configured and the project's recent runs of them."""
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
        "endpoints": endpoints,
        "engine_names": {engine.value: str(engine.label) for engine in Engine},
        "runs": list(EndpointRun.objects.filter(project=project).order_by("-id")[:RECENT_RUNS]),
    }


def models_latest(*, project: Project) -> list[ProjectModel]:
    """The latest training of each project model, without its bytes."""
    return list(ProjectModel.objects.newest(project).defer("data"))
