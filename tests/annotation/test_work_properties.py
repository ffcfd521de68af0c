"""The work path's invariants under random sequences of what annotators and reviewers do.

Hypothesis draws a project (overlap 1 or 2, two batches) and a sequence of steps —
claim, autosave, submit (with retries of the same key, and with ?next), skip, a lease
that runs out, work returned for rework, a batch reserved — and runs them through the
services. After every step the invariants hold: each snippet's slot counter equals the
slots held, no snippet is over its overlap, nobody has a snippet twice, the per-batch
tallies add up, and every stored revision is one a submit answered.
"""

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotation import flow
from annotation.core.validation import AnnotationError
from annotation.models import Assignment, AssignmentStatus, Batch, Revision, Snippet, WorkTally
from annotation.quality.reviewing import work_return
from annotation.work import services
from projects.models import Role
from tests.factories import MembershipFactory, ProjectFactory, snippets_of

pytestmark = pytest.mark.django_db

ANNOTATORS = 3
STEPS = ["claim"] * 3 + ["submit"] * 2 + ["autosave", "skip", "expire", "return", "reserve"]
HOLDING = (AssignmentStatus.ACTIVE, AssignmentStatus.SUBMITTED, AssignmentStatus.RETURNED)
_runs = itertools.count()


class World:
    """One drawn project, its annotators, and what the submits answered."""

    def __init__(self, overlap: int):
        run = next(_runs)
        self.project = ProjectFactory(overlap=overlap, kinds=["spans"])
        self.batches = [
            Batch.objects.create(project=self.project, name=f"包{n}", size=3) for n in range(2)
        ]
        for b, batch in enumerate(self.batches):
            snippets_of(self.project, [f"第{b}包第{n}句。" for n in range(3)], batch)
        self.annotators = [
            MembershipFactory(
                project=self.project, role=Role.ANNOTATOR, user__username=f"p{run}-{n}"
            ).user
            for n in range(ANNOTATORS)
        ]
        self.answered: set[int] = set()

    def work_of(self, who: int, *statuses: str) -> list[Assignment]:
        rows = Assignment.objects.filter(project=self.project, annotator=self.annotators[who])
        if statuses:
            rows = rows.filter(status__in=statuses)
        return list(rows.order_by("id"))

    def step(self, kind: str, who: int, pick: int) -> None:
        annotator = self.annotators[who]
        if kind == "claim":
            services.task_next(project_id=self.project.id, annotator=annotator)
        elif kind == "autosave":
            for work in self.work_of(who, AssignmentStatus.ACTIVE, AssignmentStatus.RETURNED):
                stale = pick % 2
                saved = services.draft_save(
                    annotator=annotator,
                    assignment_id=work.id,
                    version=work.version - stale,
                    draft={"pick": pick},
                )
                assert (saved is None) is bool(stale)
        elif kind == "submit":
            works = self.work_of(who)
            if works:
                self.submit(annotator, works[pick % len(works)], pick)
        elif kind == "skip":
            for work in self.work_of(who, AssignmentStatus.ACTIVE):
                services.skip(assignment=work, reason="看不懂")
        elif kind == "expire":
            Assignment.objects.filter(
                project=self.project, annotator=annotator, status=AssignmentStatus.ACTIVE
            ).update(lease_expires_at=timezone.now() - timedelta(minutes=1))
        elif kind == "return":
            works = self.work_of(who, AssignmentStatus.SUBMITTED)
            if works:
                work_return(assignment_id=works[pick % len(works)].id, draft={}, reason="重做")
        elif kind == "reserve":
            batch = self.batches[pick % 2]
            chosen = [] if pick % 3 == 0 else [annotator]
            services.batch_reserve(batch=batch, annotators=chosen)

    def submit(self, annotator, work: Assignment, pick: int) -> None:
        try:
            result = flow.submit(
                annotator=annotator,
                assignment_id=work.id,
                body={"spans": []},
                idempotency_key=f"key-{pick % 2}",  # the same key again: a retry
                time_spent_ms=pick * 700,
                then_next=pick % 3 == 0,
            )
        except AnnotationError:
            assert work.status == AssignmentStatus.SKIPPED
            return
        assert result is not None
        if result.created:
            assert result.revision.id not in self.answered
            self.answered.add(result.revision.id)
        else:
            assert result.revision.id in self.answered  # a retry answers the first
        if pick % 3 == 0:
            assert (result.following is None) is (result.no_next is not None)

    def check(self) -> None:
        project = self.project
        works = list(Assignment.objects.filter(project=project).select_related("snippet"))
        holding = Counter(w.snippet_id for w in works if w.status in HOLDING)
        for snippet in Snippet.objects.filter(project=project):
            assert snippet.slots_taken == holding[snippet.id], snippet.text
            assert snippet.slots_taken <= project.overlap
        pairs = Counter((w.snippet_id, w.annotator_id) for w in works)
        assert max(pairs.values(), default=1) == 1

        with_revision = set(
            Revision.objects.filter(assignment__project=project).values_list(
                "assignment_id", flat=True
            )
        )
        expected = Counter()
        for w in works:
            key = (w.snippet.batch_id, w.annotator_id)
            expected[key + ("taken",)] += 1
            expected[key + ("skipped",)] += w.status == AssignmentStatus.SKIPPED
            expected[key + ("expired",)] += w.status == AssignmentStatus.EXPIRED
            expected[key + ("submitted",)] += w.id in with_revision
        found = Counter()
        for tally in WorkTally.objects.filter(project=project):
            for field in ("taken", "skipped", "expired", "submitted"):
                found[(tally.batch_id, tally.annotator_id, field)] += getattr(tally, field)
        assert +found == +expected

        stored = set(
            Revision.objects.filter(assignment__project=project).values_list("id", flat=True)
        )
        assert stored == self.answered


steps = st.lists(
    st.tuples(
        st.sampled_from(STEPS),
        st.integers(min_value=0, max_value=ANNOTATORS - 1),
        st.integers(min_value=0, max_value=5),
    ),
    max_size=40,
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(overlap=st.integers(min_value=1, max_value=2), sequence=steps)
def test_the_work_path_keeps_its_invariants_after_every_step(overlap, sequence):
    world = World(overlap)
    for kind, who, pick in sequence:
        world.step(kind, who, pick)
        world.check()
