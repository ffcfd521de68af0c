from django.db.models import Count, QuerySet

from annotation.jobs import progress_read
from annotation.models import Batch, ImportJob, JobStatus, Snippet, TokenizeRun
from projects.models import Project


def snippet_list(*, project: Project) -> QuerySet[Snippet]:
    return Snippet.objects.filter(project=project).order_by("id")


def import_list(*, project: Project) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(project=project).select_related("tokenize_run").order_by("-id")


def import_progress(job: ImportJob) -> float:
    """0–1 over reading and tokenizing; live while the import's transaction is open."""
    if job.status == JobStatus.RUNNING:
        return 0.5 * progress_read("import", job.id, job.progress)
    if job.status != JobStatus.SUCCEEDED:
        return job.progress
    run = job.tokenize_run
    if run is None or run.snippets_total == 0:
        return 1.0
    return 0.5 + 0.5 * min(1.0, run.snippets_done / run.snippets_total)


def import_status(job: ImportJob) -> str:
    """Succeeded only once every snippet of the import is tokenized."""
    run = job.tokenize_run
    if job.status == JobStatus.SUCCEEDED and run is not None and run.status != JobStatus.SUCCEEDED:
        return JobStatus.RUNNING
    return job.status


def tokenize_run_latest(*, project: Project) -> TokenizeRun | None:
    return TokenizeRun.objects.filter(project=project).order_by("-id").first()


def batch_list(*, project: Project) -> QuerySet[Batch]:
    return (
        Batch.objects.filter(project=project)
        .annotate(snippet_count=Count("snippets"))
        .prefetch_related("assignees")
        .order_by("id")
    )
