"""Access helpers for annotation objects: each narrows by the caller's projects first."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from annotation.models import (
    Assignment,
    Batch,
    BatchStatus,
    ExportJob,
    ImportJob,
    QualityRun,
    Snippet,
)
from projects.access import ROLE_RANK, ProjectAccess, access_project, role_in
from projects.models import Role


def access_import(user: User, import_id: int) -> ImportJob:
    """An import job of a project where ``user`` is a manager; 404 for everyone else."""
    job = ImportJob.objects.filter(id=import_id).select_related("tokenize_run").first()
    if job is None:
        raise Http404
    if access_project(user, job.project_id).role != Role.MANAGER:
        raise Http404
    return job


def access_snippet(user: User, snippet_id: int) -> Snippet:
    """A snippet of a project where ``user`` is at least a reviewer.

    Annotators reach snippets through their assignments (a later stage), clients through
    accepted batches, so neither reads snippets directly.
    """
    snippet = Snippet.objects.filter(id=snippet_id).first()
    if snippet is None:
        raise Http404
    if ROLE_RANK[access_project(user, snippet.project_id).role] < ROLE_RANK[Role.REVIEWER]:
        raise PermissionDenied
    return snippet


def access_assignment(user: User, assignment_id: int, *, write: bool = False) -> Assignment:
    """An assignment its annotator may read and write, and reviewers and managers read.

    Anyone else — another annotator of the project included — gets 404, as non-members do.
    One query: the assignment with its snippet, annotator and project, and the caller's
    role in that project.
    """
    if not user.is_authenticated or not user.is_active:
        raise Http404
    rows = Assignment.objects.filter(id=assignment_id).select_related(
        "snippet", "annotator", "project"
    )
    if not user.is_superuser:
        rows = rows.annotate(role=role_in(user, "project_id"))
    assignment = rows.first()
    if assignment is None:
        raise Http404
    role = Role.MANAGER if user.is_superuser else getattr(assignment, "role")  # noqa: B009
    if role is None:
        raise Http404
    if assignment.annotator_id == user.id:
        if write and role == Role.CLIENT:
            raise PermissionDenied  # made a client: they take no tasks, nor finish one
        return assignment
    if ROLE_RANK[Role(role)] < ROLE_RANK[Role.REVIEWER]:
        raise Http404
    if write:
        raise PermissionDenied
    return assignment


def access_batch(user: User, batch_id: int, *, min_role: Role) -> Batch:
    """A batch of a project where ``user`` holds at least ``min_role``; 404 for non-members."""
    batch = Batch.objects.filter(id=batch_id).select_related("project").first()
    if batch is None:
        raise Http404
    access_project(user, batch.project_id, min_role=min_role)
    return batch


def access_quality_run(user: User, run_id: int) -> QualityRun:
    """A quality run of a project where ``user`` is a reviewer or manager; 404 for
    non-members, 403 for other members."""
    run = QualityRun.objects.filter(id=run_id).first()
    if run is None:
        raise Http404
    access_project(user, run.project_id, min_role=Role.REVIEWER)
    return run


# Batches a client may see: those that passed review, awaiting or after acceptance.
CLIENT_BATCHES = (BatchStatus.ACCEPTING, BatchStatus.ACCEPTED, BatchStatus.RETURNED)


def access_acceptance(user: User, batch_id: int, *, write: bool = False) -> Batch:
    """A batch for its acceptance check: clients and managers (reviewers read only).

    A client sees a batch only once it has passed review; before that, as for non-members,
    the batch is not found. Annotators get 403, and reviewers when they would write.
    """
    batch = Batch.objects.filter(id=batch_id).select_related("project").first()
    if batch is None:
        raise Http404
    role = access_project(user, batch.project_id).role
    if role == Role.CLIENT and batch.status not in CLIENT_BATCHES:
        raise Http404
    if role == Role.ANNOTATOR or (write and role == Role.REVIEWER):
        raise PermissionDenied
    return batch


# Who exports: clients (accepted batches only), reviewers and managers; not annotators.
EXPORTERS = (Role.CLIENT, Role.REVIEWER, Role.MANAGER)


def access_exporting(user: User, project_id: int) -> ProjectAccess:
    """A project where ``user`` may export, with their role: clients, reviewers, managers
    (annotators 403)."""
    access = access_project(user, project_id)
    if access.role not in EXPORTERS:
        raise PermissionDenied
    return access


def access_export(user: User, export_id: int) -> ExportJob:
    """An export of a project where ``user`` exports; a client's only when it holds
    accepted batches alone (else, as for non-members, 404)."""
    job = ExportJob.objects.filter(id=export_id).first()
    if job is None:
        raise Http404
    if (
        access_exporting(user, job.project_id).role == Role.CLIENT
        and job.options.get("status") != "accepted"
    ):
        raise Http404
    return job
