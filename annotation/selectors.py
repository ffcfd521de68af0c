from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from annotation.jobs import progress_read
from annotation.models import (
    Assignment,
    AssignmentStatus,
    Batch,
    ImportJob,
    JobStatus,
    Revision,
    Snippet,
    TokenizeRun,
    WorkTally,
)
from annotation.work import tally
from projects.models import Membership, Project, Role


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
    """Succeeded only once every snippet of the import is tokenized; failed if that failed."""
    run = job.tokenize_run
    if job.status != JobStatus.SUCCEEDED or run is None or run.status == JobStatus.SUCCEEDED:
        return job.status
    return JobStatus.FAILED if run.status == JobStatus.FAILED else JobStatus.RUNNING


def tokenize_run_latest(*, project: Project) -> TokenizeRun | None:
    return TokenizeRun.objects.filter(project=project).order_by("-id").first()


def batch_list(*, project: Project) -> QuerySet[Batch]:
    return (
        Batch.objects.filter(project=project)
        .annotate(snippet_count=Count("snippets"))
        .prefetch_related("assignees")
        .order_by("id")
    )


def work_progress(*, project: Project) -> dict:
    """Progress per batch and per annotator, from the counter rows (WorkTally) alone.

    Reads one row per batch and one per (batch, annotator): its cost does not grow with the
    number of snippets or annotations.
    """
    batches: dict[int, dict[str, Any]] = {
        batch.id: {
            "id": batch.id,
            "name": batch.name,
            "status": batch.status,
            "snippets": batch.size,
            "slots": batch.size * project.overlap,
            "taken": 0,
            "submitted": 0,
            "skipped": 0,
            "expired": 0,
        }
        for batch in Batch.objects.filter(project=project).order_by("id")
    }
    annotators: dict[int, dict] = {}
    for row in WorkTally.objects.filter(project=project).select_related("annotator"):
        person = annotators.setdefault(
            row.annotator_id,
            {
                "username": row.annotator.username,
                "taken": 0,
                "submitted": 0,
                "skipped": 0,
                "expired": 0,
                "time_ms": 0,
                "histograms": [],
            },
        )
        for field in ("taken", "submitted", "skipped", "expired"):
            person[field] += getattr(row, field)
            if row.batch_id in batches:
                batches[row.batch_id][field] += getattr(row, field)
        person["time_ms"] += row.time_ms
        person["histograms"].append(row.durations)
    for batch in batches.values():
        holding = batch["taken"] - batch["skipped"] - batch["expired"]
        batch["in_progress"] = holding - batch["submitted"]
        batch["remaining"] = max(0, batch["slots"] - holding)
    people = []
    for person in annotators.values():
        hours = person.pop("time_ms") / 3_600_000
        histogram = tally.merge(person.pop("histograms"))
        person["in_progress"] = (
            person["taken"] - person["submitted"] - person["skipped"] - person["expired"]
        )
        person["items_per_hour"] = round(person["submitted"] / hours, 1) if hours else None
        person["median_seconds"] = tally.median_seconds(histogram)
        people.append(person)
    return {"batches": list(batches.values()), "annotators": people}


def my_progress(*, project: Project, annotator: User, batch_id: int | None) -> dict:
    """The annotator's count of snippets submitted today (the server's day), and how many
    snippets of a batch they can still take: with a slot free, never theirs before, in a
    batch open to them (reserved for others: none)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    done_today = Revision.objects.filter(
        annotator=annotator, assignment__project=project, number=1, created_at__gte=midnight
    ).count()
    batch = Batch.objects.filter(project=project, id=batch_id).first() if batch_id else None
    if batch is None:
        return {"done_today": done_today, "batch": None}
    reserved = batch.assignees.exists() and not batch.assignees.filter(id=annotator.id).exists()
    takeable = (
        Snippet.objects.filter(batch=batch, slots_taken__lt=project.overlap)
        .pooled()
        .exclude(Exists(Assignment.objects.filter(snippet=OuterRef("pk"), annotator=annotator)))
        .count()
    )
    return {
        "done_today": done_today,
        "batch": {"id": batch.id, "name": batch.name, "remaining": 0 if reserved else takeable},
    }


def assignment_before(assignment: Assignment) -> Assignment | None:
    """The same annotator's submitted work in the project just before ``assignment`` (in
    the order they took it), for the workspace's "previous"; None at the first."""
    return (
        Assignment.objects.filter(
            project_id=assignment.project_id,
            annotator_id=assignment.annotator_id,
            status__in=[AssignmentStatus.SUBMITTED, AssignmentStatus.EXPIRED],
            submitted_at__isnull=False,
            id__lt=assignment.id,
        )
        .select_related("snippet", "annotator")
        .order_by("-id")
        .first()
    )


def skip_list(*, project: Project) -> QuerySet[Assignment]:
    """The slots given back in a project, newest first, with who gave them back and why,
    and how many annotations their snippet has (``submitted``)."""
    submitted = Count(
        "snippet__assignments",
        filter=Q(snippet__assignments__status=AssignmentStatus.SUBMITTED),
    )
    skipped = Assignment.objects.filter(project=project, status=AssignmentStatus.SKIPPED)
    return (
        skipped.select_related("annotator", "snippet", "snippet__batch")
        .annotate(submitted=submitted)
        .order_by("-id")
    )


def returned_counts(*, user: User) -> list[dict]:
    """Work out for rework, per project of ``user``: returned to them (``mine``) and, in
    projects they review or manage, all of it (``all``; else null)."""
    returned = Assignment.objects.filter(status=AssignmentStatus.RETURNED)
    mine = dict(
        returned.filter(annotator=user)
        .values_list("project_id")
        .annotate(count=Count("id"))
        .values_list("project_id", "count")
    )
    overseen = Membership.objects.filter(user=user, role__in=(Role.MANAGER, Role.REVIEWER))
    overseen_ids = set(overseen.values_list("project_id", flat=True))
    every = dict(
        returned.filter(project_id__in=overseen_ids)
        .values_list("project_id")
        .annotate(count=Count("id"))
        .values_list("project_id", "count")
    )
    projects = sorted(set(mine) | set(every) | overseen_ids)
    return [
        {
            "project": project,
            "mine": mine.get(project, 0),
            "all": every.get(project, 0) if project in overseen_ids else None,
        }
        for project in projects
        if mine.get(project) or every.get(project)
    ]
