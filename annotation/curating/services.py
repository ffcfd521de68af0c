"""Writes of the data table: what a manager does to a selection of a project's snippets
(exclude, return, reassign, make gold), and deleting a project.

Each action takes the snippets it can and says, for each one it cannot, why: nothing is
half done, and nothing is refused in silence.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annotation.core.validation import PARTS
from annotation.jobs import BATCH_CHECK, dispatch_on_commit
from annotation.models import (
    Article,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    GoldItem,
    ImportJob,
    JobStatus,
    Snippet,
)
from annotation.quality.finals import finals_read
from annotation.quality.gold import gold_remove, gold_set
from annotation.quality.judgements import latest_revisions
from annotation.quality.reviewing import work_return
from annotation.work import statements
from projects.models import TASK_ROLES, Project

SELECTION_MAX = 10_000  # snippets one action takes


@dataclass
class Outcome:
    """What an action did: the snippets it changed, and those it left with the reason."""

    done: list[int] = field(default_factory=list)
    left: list[dict] = field(default_factory=list)

    def leave(self, snippet_id: int, reason: str) -> None:
        self.left.append({"snippet": snippet_id, "reason": reason})


class NotAllowed(Exception):
    """The action cannot run at all (an annotator who takes no tasks here, say)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def no_tasks_here(username: str) -> str:
    return _("%(name)s takes no tasks in this project.") % {"name": username}


def _checks(batch_ids: set[int | None]) -> None:
    for batch_id in batch_ids:
        if batch_id is not None:
            dispatch_on_commit(BATCH_CHECK, batch_id, coalesce=f"batch:{batch_id}")


def _withdraw(project_id: int, works: list[tuple[int, int, int, int | None]]) -> None:
    """Take back live work ``(assignment, snippet, annotator, batch)``: the lease ends
    (status expired, counted as such for its annotator) and the slot is free again."""
    if not works:
        return
    Assignment.objects.filter(id__in=[work[0] for work in works]).update(
        status=AssignmentStatus.EXPIRED
    )
    for snippet_id, count in Counter(work[1] for work in works).items():
        Snippet.objects.filter(id=snippet_id).update(slots_taken=F("slots_taken") - count)
    for _work, _snippet, annotator_id, batch_id in works:
        statements.tally_add(
            project_id=project_id,
            batch_id=batch_id,
            annotator_id=annotator_id,
            field="expired",
        )


def _live(snippet_ids: list[int], *, but: int | None = None) -> list[tuple]:
    """The work in progress on these snippets (but ``but``'s), locked: a submit of it
    running now either commits first, and the work is no longer live, or waits."""
    rows = Assignment.objects.select_for_update(of=("self",)).filter(
        snippet_id__in=snippet_ids, status=AssignmentStatus.ACTIVE
    )
    if but is not None:
        rows = rows.exclude(annotator_id=but)
    return list(rows.values_list("id", "snippet_id", "annotator_id", "snippet__batch_id"))


@transaction.atomic
def snippets_exclude(*, project: Project, snippet_ids: list[int], excluded: bool) -> Outcome:
    """Exclude the snippets from distribution, checks, samples and exports (or take them
    back in). Work in progress on an excluded snippet is taken back from its annotator;
    work done is kept. The batches they are in are checked again: one that waited for
    them only may now go to review."""
    outcome = Outcome()
    rows = Snippet.objects.select_for_update().filter(project=project, id__in=snippet_ids)
    found = {row[0]: row[1:] for row in rows.values_list("id", "batch_id", "excluded")}
    changing = {id_: batch for id_, (batch, was) in found.items() if was != excluded}
    for snippet_id in sorted(set(found) - set(changing)):
        outcome.leave(snippet_id, _("Already excluded.") if excluded else _("Not excluded."))
    Snippet.objects.filter(id__in=changing).update(excluded=excluded)
    if excluded:
        _withdraw(project.id, _live(list(changing)))
    _checks(set(changing.values()))
    outcome.done = sorted(changing)
    return outcome


# A client has the batch, or has accepted it: its work is not changed under them.
_WITH_CLIENT = (BatchStatus.ACCEPTING, BatchStatus.ACCEPTED)


@transaction.atomic
def snippets_return(*, project: Project, snippet_ids: list[int], reason: str) -> Outcome:
    """Give every submitted work on the snippets back to its annotator for rework, with
    the reason, their latest revision as the draft to start from. Their next submit is
    reviewed again. Not while the batch is with the client."""
    outcome = Outcome()
    snippets = dict(
        Snippet.objects.filter(project=project, id__in=snippet_ids).values_list(
            "id", "batch__status"
        )
    )
    drafts: dict[int, list[tuple[int, dict]]] = {}
    for work, snippet, *parts in latest_revisions(sorted(snippets), *PARTS):
        drafts.setdefault(snippet, []).append((work, dict(zip(PARTS, parts, strict=True))))
    for snippet_id in sorted(snippets):
        if snippets[snippet_id] in _WITH_CLIENT:
            outcome.leave(snippet_id, _("Its batch is with the client."))
        elif snippet_id not in drafts:
            outcome.leave(snippet_id, _("Nothing submitted to return."))
        else:
            for work, draft in drafts[snippet_id]:
                work_return(assignment_id=work, draft=draft, reason=reason)
            outcome.done.append(snippet_id)
    return outcome


@transaction.atomic
def snippets_reassign(*, project: Project, snippet_ids: list[int], annotator: User) -> Outcome:
    """Hand the snippets to ``annotator``: the live work of someone else on one passes to
    them (the other's lease ends), or a free slot is theirs; their next task is one of
    these, for the project's lease. A snippet they had before, one with every slot done,
    an excluded one or a gold item is left with the reason."""
    seat = statements.seat_lock(project_id=project.id, user_id=annotator.id, superuser=False)
    if seat is None or seat.role not in TASK_ROLES or not annotator.is_active:
        raise NotAllowed(no_tasks_here(annotator.username))
    outcome = Outcome()
    snippets = list(
        Snippet.objects.select_for_update()
        .filter(project=project, id__in=snippet_ids)
        .order_by("id")
        .values_list("id", "batch_id", "slots_taken", "excluded", "gold")
    )
    had = set(
        Assignment.objects.filter(
            snippet_id__in=[row[0] for row in snippets], annotator=annotator
        ).values_list("snippet_id", flat=True)
    )
    live: dict[int, tuple] = {}
    for work in _live([row[0] for row in snippets], but=annotator.id):
        live.setdefault(work[1], work)  # one slot passes over; any others stay
    now = timezone.now()
    lease = now + timedelta(minutes=project.lease_minutes)
    for snippet_id, batch_id, slots, excluded, gold in snippets:
        if excluded or gold:
            outcome.leave(snippet_id, _("Excluded, or a gold item: handed to nobody."))
            continue
        if snippet_id in had:
            outcome.leave(snippet_id, _("%(name)s has had it already.") % {"name": annotator})
            continue
        if snippet_id in live:
            _withdraw(project.id, [live[snippet_id]])
        elif slots >= project.overlap:
            outcome.leave(snippet_id, _("Every annotation it needs is done or under way."))
            continue
        Snippet.objects.filter(id=snippet_id).update(slots_taken=F("slots_taken") + 1)
        statements.assignment_insert(
            project_id=project.id, snippet_id=snippet_id, user_id=annotator.id, lease=lease, now=now
        )
        statements.tally_add(
            project_id=project.id, batch_id=batch_id, annotator_id=annotator.id, field="taken"
        )
        outcome.done.append(snippet_id)
    return outcome


@transaction.atomic
def snippets_gold(*, project: Project, snippet_ids: list[int], gold: bool, user: User) -> Outcome:
    """Make the snippets gold items, their final annotation the reference (or make them
    ordinary snippets again, their scores going with the reference)."""
    outcome = Outcome()
    snippets = {s.id: s for s in Snippet.objects.filter(project=project, id__in=snippet_ids)}
    if not gold:
        references = {g.snippet_id: g for g in GoldItem.objects.filter(snippet_id__in=snippets)}
        for snippet_id in sorted(snippets):
            if snippet_id in references:
                gold_remove(gold=references[snippet_id])
                outcome.done.append(snippet_id)
            else:
                outcome.leave(snippet_id, _("Not a gold item."))
        return outcome
    finals = finals_read(sorted(snippets))
    for snippet_id, snippet in sorted(snippets.items()):
        if snippet.gold:
            outcome.leave(snippet_id, _("Already a gold item."))
        elif snippet_id not in finals:
            outcome.leave(snippet_id, _("No final annotation to take as the reference yet."))
        else:
            gold_set(project=project, snippet=snippet, annotation=finals[snippet_id], user=user)
            outcome.done.append(snippet_id)
    return outcome


class ProjectInUse(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def project_contents(*, project: Project) -> dict:
    """What deleting the project takes with it, and whether it may be deleted: not once
    anyone has worked on it (then it is archived), nor while an import runs."""
    works = Assignment.objects.filter(project=project).count()
    running = ImportJob.objects.filter(
        project=project, status__in=(JobStatus.PENDING, JobStatus.RUNNING)
    ).exists()
    reason = ""
    if works:
        reason = _("Annotators have worked on it: archive it instead, and nothing is lost.")
    elif running:
        reason = _("An import is still running.")
    return {
        "imports": ImportJob.objects.filter(project=project).count(),
        "articles": Article.objects.filter(project=project).count(),
        "snippets": Snippet.objects.filter(project=project).count(),
        "batches": Batch.objects.filter(project=project).count(),
        "works": works,
        "deletable": not reason,
        "reason": reason,
    }


@transaction.atomic
def project_delete(*, project: Project) -> dict:
    """Delete the project and all it holds, if nobody has worked on it; returns what went.
    Raises ProjectInUse otherwise."""
    Project.objects.select_for_update().get(id=project.id)
    contents = project_contents(project=project)
    if not contents["deletable"]:
        raise ProjectInUse(contents["reason"])
    project.delete()
    return {key: contents[key] for key in ("imports", "articles", "snippets", "batches")}
