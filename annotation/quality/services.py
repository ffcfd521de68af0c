"""Writes of the quality stage: quality runs."""

import re
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from annotation.admission import heavy_job_admit
from annotation.core.links import link_schema, span_key, stored_refusal
from annotation.core.validation import PARTS
from annotation.jobs import QUALITY_RUN, dispatch_on_commit, job_start
from annotation.models import (
    Batch,
    FinalAnnotation,
    JobStatus,
    MachineSuggestion,
    ProjectModel,
    QualityRun,
    Snippet,
)
from annotation.quality.consistency import SAMPLE
from annotation.quality.finals import finals_refresh
from annotation.quality.judgements import (
    judgements_by_snippet,
    judgements_spans,
    latest_revisions,
)
from annotation.quality.report import Report
from annotation.quality.suggestion_use import SuggestionUse
from projects.models import Kind, Project

PROGRESS_EVERY = 10_000  # snippets between two progress writes


@transaction.atomic
def quality_run_start(
    *, project: Project, user: User | None = None, batch: Batch | None = None
) -> tuple[QualityRun, bool]:
    """Queue a quality run of the project, dispatched after commit; returns it and True.

    A run still pending (not yet started, so it will read the newest work) stands for a new
    one: it is returned with False. The project row is locked so two requests at once
    queue one run. A run someone asks for counts against the heavy jobs they and the
    project may have (TooManyJobs).
    """
    Project.objects.select_for_update(no_key=True).get(id=project.id)
    pending = QualityRun.objects.filter(project=project, status=JobStatus.PENDING).first()
    if pending is not None:
        return pending, False
    if user is not None:  # one asked for; a batch's own run is the platform's
        heavy_job_admit(user=user, project=project)
    run = QualityRun.objects.create(project=project, created_by=user, batch=batch)
    dispatch_on_commit(QUALITY_RUN, run.id)
    return run, True


def quality_run_execute(*, run_id: int) -> None:
    """Compute the run's results in one streaming pass and store them.

    Idempotent: a finished run is left alone, and a run whose worker died is computed again
    from the start (nothing is stored until the end). The figures are the same for the same
    work, whoever runs them and how often.
    """
    run = QualityRun.objects.select_related("project").filter(id=run_id).first()
    if run is None or run.finished:
        return
    job_start(run)
    project = run.project
    kinds = list(project.kinds)
    report = Report(
        kinds=kinds,
        multi_label=project.multi_label,
        class_labels=list(project.labels.filter(kind=Kind.CLASSES).values_list("name", flat=True)),
    )
    total = max(1, project.snippets.count())
    spans = Kind.SPANS in kinds  # spans also get the consistency checks: text and words
    judged = judgements_by_snippet(
        project=project, with_tokens=spans or Kind.SEGMENTATION in kinds, with_text=spans
    )
    for count, row in enumerate(judged, start=1):
        report.add(row.batch_id, row.judgements, (row.snippet_id, row.text, row.word_ends))
        if count % PROGRESS_EVERY == 0:
            QualityRun.objects.filter(id=run_id).update(progress=min(0.99, count / total))
    names = dict(project.batches.values_list("id", "name"))
    results = report.results(names)
    if {Kind.RELATIONS, Kind.EVENTS} & set(kinds):
        results["links_forbidden"] = links_forbidden(project=project)
    if spans:
        unlabelled_locate(project=project, findings=results["consistency"]["unlabelled"])
    results["suggestions"] = suggestion_use(project=project)
    results["model_agreement"] = model_agreement(project=project)
    with transaction.atomic():
        run = QualityRun.objects.select_for_update().get(id=run_id)
        if run.finished:
            return
        run.results = results
        run.status = JobStatus.SUCCEEDED
        run.progress = 1.0
        run.finished_at = timezone.now()
        run.save(update_fields=["results", "status", "progress", "finished_at"])


def suggestion_use(*, project: Project) -> dict:
    """How the annotators used each engine's suggestions (annotation.quality.
    suggestion_use): the snippets with suggestions, 2,000 at a time, beside their
    annotators' latest submitted work."""
    use = SuggestionUse()
    rows = (
        MachineSuggestion.objects.filter(project=project)
        .order_by("snippet_id", "engine")
        .values_list("snippet_id", "engine", "items")
    )
    chunk: list[tuple[int, str, list]] = []
    for row in rows.iterator(chunk_size=2000):
        chunk.append(row)
        if len(chunk) >= 2000:
            _use_chunk(use, chunk)
            chunk = []
    _use_chunk(use, chunk)
    return use.results()


def model_agreement(*, project: Project) -> dict:
    """Each project model's latest comparison with the annotators (made when it trained,
    annotation.suggesting.training), by engine: who is far from it."""
    latest = ProjectModel.objects.newest(project).values("engine", "version", "annotators")
    return {
        row["engine"]: {"version": row["version"], **row["annotators"]}
        for row in latest
        if row["annotators"]
    }


def _use_chunk(use: SuggestionUse, chunk: list[tuple[int, str, list]]) -> None:
    work: dict[int, dict[str, tuple[set, set]]] = defaultdict(dict)
    fields = ("assignment__annotator__username", "spans", "classes")
    for _, snippet_id, annotator, spans, classes in latest_revisions(
        sorted({row[0] for row in chunk}), *fields
    ):
        work[snippet_id][annotator] = (
            {span_key(span) for span in spans},
            set(classes),
        )
    for snippet_id, engine, items in chunk:
        if snippet_id not in work:
            continue
        spans = [span_key(item) for item in items if "start" in item]
        classes = [i["label"] for i in items if "start" not in i and "label" in i]
        use.add(engine, spans, classes, work[snippet_id])


FORBIDDEN_SHOWN = 100  # final annotations listed whose relations the schema forbids


def links_forbidden(*, project: Project) -> dict:
    """The final annotations whose relations or events the project's types forbid (an
    import's, or made before the types changed): how many, and the first FORBIDDEN_SHOWN
    with why, in the site's language."""
    finals_refresh(project_id=project.id)  # what changed since the last refresh
    schema = link_schema(list(project.labels.all()))
    finals = (
        FinalAnnotation.objects.filter(project=project)
        .exclude(relations=[], events=[])
        .order_by("snippet_id")
        .values_list("snippet_id", *PARTS)
    )
    count = 0
    shown: list[dict] = []
    with translation.override(settings.LANGUAGE_CODE):
        for snippet_id, *parts in finals.iterator(chunk_size=2000):
            refusal = stored_refusal(dict(zip(PARTS, parts, strict=True)), schema)
            if refusal is None:
                continue
            count += 1
            if len(shown) < FORBIDDEN_SHOWN:
                [(field, said)] = refusal.as_dict(translation.gettext).items()
                reason = said[0] if isinstance(said, list) else next(iter(said.values()))[0]
                shown.append({"snippet": snippet_id, "part": field, "reason": reason})
    return {"count": count, "findings": shown}


def unlabelled_locate(*, project: Project, findings: list[dict]) -> None:
    """Add to each "labelled here, not there" finding the snippets (up to SAMPLE) whose
    text holds the string where nobody labelled it: one pass over the snippets' texts with
    one pattern for every finding, then the spans of the snippets found."""
    if not findings:
        return
    wanted = sorted({finding["text"] for finding in findings}, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, wanted)))
    places: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    texts = Snippet.objects.filter(project=project).pooled().order_by("id")
    for snippet_id, text in texts.values_list("id", "text").iterator(chunk_size=5000):
        for match in pattern.finditer(text):
            found = places[match.group()]
            if len(found) < SAMPLE * 3:
                found.append((snippet_id, match.start(), match.end()))
    candidates = sorted({place[0] for found in places.values() for place in found})
    marked = judgements_spans(candidates)
    for finding in findings:
        unmarked = [
            snippet_id
            for snippet_id, start, end in places[finding["text"]]
            if (start, end) not in marked[snippet_id]
        ]
        finding["snippets"] = list(dict.fromkeys(unmarked))[:SAMPLE]


def quality_run_fail(*, run_id: int, reason: str) -> None:
    """Record the final failure of a run (after its retries)."""
    QualityRun.objects.filter(id=run_id).exclude(status__in=QualityRun.FINISHED).update(
        status=JobStatus.FAILED, error=reason[:500], finished_at=timezone.now()
    )
