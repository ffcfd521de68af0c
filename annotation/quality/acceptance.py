"""Writes of acceptance (验收): a client's check of a batch that passed review.

The client (or a manager for them) opens a check: a sample of the batch's snippets, sized
by the batch (annotation.quality.sampling) unless they ask for another size. Each item is
marked right or wrong; when the last one is marked, the share right decides: at or above
the project's threshold the batch is accepted, below it the batch is returned, and the
work on each wrong item goes back to its annotator with the client's note, to be reworked
and reviewed again before the next check.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from annotation.core.validation import PARTS
from annotation.models import (
    Acceptance,
    AcceptanceItem,
    AcceptanceStatus,
    Batch,
    BatchStatus,
    Snippet,
    Verdict,
)
from annotation.quality.judgements import latest_revisions
from annotation.quality.reviewing import work_return
from annotation.quality.sampling import acceptance_sample_size, draw

MARKED_WRONG = _("Marked wrong in the client's acceptance check.")


class AcceptanceRefused(Exception):
    """The check cannot be opened or changed now; the message says why."""


@transaction.atomic
def acceptance_start(
    *, batch_id: int, user: User, size: int | None = None
) -> tuple[Acceptance, bool]:
    """Open the batch's acceptance check and draw its sample; returns it and True. While a
    check is open, that one is returned with False. Refused unless the batch awaits
    acceptance."""
    batch = Batch.objects.select_for_update(of=("self",)).select_related("project").get(id=batch_id)
    current = Acceptance.objects.filter(batch=batch, status=AcceptanceStatus.OPEN).first()
    if current is not None:
        return current, False
    if batch.status != BatchStatus.ACCEPTING:
        raise AcceptanceRefused(_("This batch is not awaiting acceptance."))
    snippet_ids = list(Snippet.objects.filter(batch=batch).pooled().values_list("id", flat=True))
    acceptance = Acceptance.objects.create(
        batch=batch, created_by=user, threshold=batch.project.acceptance_threshold
    )
    count = size or acceptance_sample_size(len(snippet_ids))
    AcceptanceItem.objects.bulk_create(
        AcceptanceItem(acceptance=acceptance, snippet_id=snippet_id)
        for snippet_id in draw(snippet_ids, count, f"acceptance:{acceptance.id}")
    )
    return acceptance, True


@transaction.atomic
def acceptance_mark(*, item_id: int, user: User, verdict: str, note: str = "") -> AcceptanceItem:
    """Mark one sampled item right or wrong (again, to change one's mind while the check is
    open). The last mark decides the check. Refused once the check is decided."""
    item = AcceptanceItem.objects.get(id=item_id)
    acceptance = Acceptance.objects.select_for_update().get(id=item.acceptance_id)
    if acceptance.status != AcceptanceStatus.OPEN:
        raise AcceptanceRefused(_("This acceptance check is decided."))
    item.verdict = verdict
    item.note = note
    item.judged_by = user
    item.judged_at = timezone.now()
    item.save(update_fields=["verdict", "note", "judged_by", "judged_at"])
    if not acceptance.items.filter(verdict=Verdict.UNMARKED).exists():
        _decide(acceptance)
    return item


def _decide(acceptance: Acceptance) -> None:
    items = list(acceptance.items.all())
    right = sum(1 for item in items if item.verdict == Verdict.RIGHT)
    acceptance.rate = round(100 * right / len(items), 2)
    accepted = 100 * right / len(items) >= acceptance.threshold
    acceptance.status = AcceptanceStatus.ACCEPTED if accepted else AcceptanceStatus.RETURNED
    acceptance.decided_at = timezone.now()
    acceptance.save(update_fields=["rate", "status", "decided_at"])
    batch_status = BatchStatus.ACCEPTED if accepted else BatchStatus.RETURNED
    Batch.objects.filter(id=acceptance.batch_id).update(status=batch_status)
    if accepted:
        return
    notes = {
        item.snippet_id: item.note or str(MARKED_WRONG)
        for item in items
        if item.verdict == Verdict.WRONG
    }
    # Every submitted work on a wrong item goes back to its annotator, its latest
    # revision as the draft.
    for work, snippet, *parts in latest_revisions(list(notes), *PARTS):
        draft = dict(zip(PARTS, parts, strict=True))
        work_return(assignment_id=work, draft=draft, reason=notes[snippet])
