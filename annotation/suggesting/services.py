"""Writing what each engine suggests for the open snippets: the refresh job, active
learning's order, the gazetteer.

The refresh job (``suggestions_refresh``) follows every refresh of the final annotations.
It trains the project models again when due (annotation.suggesting.training), then writes,
for every open snippet (pooled, with no final annotation yet), one ``MachineSuggestion``
row per engine that has something to say:

- the dictionary: every string the finals label and every entry of the manager's
  gazetteer, matched leftmost-longest (annotation.suggesting.lexicon), scored by the share
  of its uses its label has;
- the project models, only while the latest one is ``shown`` (it beat its baseline by the
  project's margin on the finals it held out).

Gold items get no suggestions: they measure the annotators. A refresh run twice writes the
same rows.
"""

from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from annotation.jobs import suggest_refresh_ask
from annotation.models import (
    Engine,
    FinalAnnotation,
    GazetteerEntry,
    MachineSuggestion,
    ProjectModel,
    Snippet,
    SuggestionState,
)
from annotation.suggesting import classes, crf, ranking
from annotation.suggesting.lexicon import Lexicon
from annotation.suggesting.training import (
    dictionary_of,
    model_loaded,
    models_newest,
    models_retrain,
    project_engines,
    tokens_of,
)
from projects.models import Kind, Project

CHUNK = 1000  # open snippets suggested for a transaction
REFRESH_LEASE = timedelta(minutes=15)  # a refresh running longer is taken for dead


def open_snippets(project: Project, after: int = 0) -> Iterator[list[tuple[int, str, str]]]:
    """The open snippets (past the id ``after``), a chunk of (id, text, tokens) at a time:
    pooled, and with no final annotation yet. A snippet some annotator has done keeps the
    suggestions it had before: under overlap, suggestions learned from its first
    annotator's work would hand that work to the next, and the agreement between them
    would mean nothing."""
    while True:
        chunk = list(
            Snippet.objects.pooled()
            .filter(project=project, id__gt=after, final__isnull=True)
            .order_by("id")
            .values_list("id", "text", "tokens")[:CHUNK]
        )
        if not chunk:
            return
        after = chunk[-1][0]
        yield chunk


def _span_items(matches: Iterable) -> list[dict]:
    return [
        {"start": m.start, "end": m.end, "label": m.label, "score": round(m.score, 3)}
        for m in matches
    ]


def _engines_now(
    project: Project, newest: dict[Engine, ProjectModel]
) -> dict[Engine, tuple[str, object]]:
    """Each engine with something to say, by its version: the dictionary of the finals and
    the gazetteer, and each project model whose latest training (of ``newest``) is
    shown."""
    engines: dict[Engine, tuple[str, object]] = {}
    if Kind.SPANS in project.kinds:
        finals = FinalAnnotation.objects.filter(project=project).values_list(
            "spans", "snippet__text"
        )
        labelled = [
            (text[span["start"] : span["end"]], span["label"])
            for spans, text in finals.iterator(chunk_size=2000)
            for span in spans
        ]
        dictionary = dictionary_of(project, labelled)
        if dictionary.size:
            engines[Engine.DICTIONARY] = (dictionary.version, dictionary)
    for engine in project_engines(project):
        latest = newest.get(engine)
        if latest is not None and latest.shown:
            engines[engine] = (f"v{latest.version}", model_loaded(engine, bytes(latest.data)))
    return engines


def suggestions_refresh(*, project_id: int, force: bool = False) -> int:
    """Retrain the project's models when due (or ``force``) and write every engine's
    suggestions for the open snippets; return how many rows were written or changed.

    One refresh at a time a project, across processes: one asked for while another runs
    marks the state (SuggestionState.again) and returns at once, and the running one goes
    round once more when it ends, so that the newest finals are always learned from
    without a pile of refreshes each training the same models. A refresh whose worker
    died is taken over after REFRESH_LEASE.

    An engine runs over every open snippet only when its version changed since the last
    refresh (SuggestionState), else over the snippets that came since; a row is written
    only where its items changed (a row's model_version is the version that last changed
    its items). A refresh run twice writes nothing the second time.
    """
    project = Project.objects.get(id=project_id)
    with transaction.atomic():
        state, _ = SuggestionState.objects.select_for_update().get_or_create(project=project)
        now = timezone.now()
        if state.running_since and now - state.running_since < REFRESH_LEASE:
            state.again, state.again_force = True, state.again_force or force
            state.save(update_fields=["again", "again_force"])
            return 0
        state.running_since, state.again, state.again_force = now, False, False
        state.save(update_fields=["running_since", "again", "again_force"])
    written = 0
    try:
        while True:
            written += _refresh(project, state, force)
            with transaction.atomic():
                state = SuggestionState.objects.select_for_update().get(project=project)
                if not state.again:
                    state.running_since = None
                    state.save(update_fields=["running_since"])
                    return written
                force, state.again, state.again_force = state.again_force, False, False
                state.running_since = timezone.now()
                state.save(update_fields=["running_since", "again", "again_force"])
            project.refresh_from_db()  # its settings may have changed meanwhile
    except BaseException:
        SuggestionState.objects.filter(project=project).update(running_since=None)
        raise


def _refresh(project: Project, state: SuggestionState, force: bool) -> int:
    """One round of the refresh (suggestions_refresh)."""
    models_retrain(project=project, force=force)
    newest = models_newest(project)
    engines = _engines_now(project, newest)
    versions = {engine: version for engine, (version, _) in engines.items()}
    changed = {
        engine for engine, version in versions.items() if state.versions.get(engine) != version
    }
    stopped = set(state.versions) - set(versions)
    last = state.last_snippet
    written = 0
    if stopped:
        gone = MachineSuggestion.objects.filter(project=project, engine__in=stopped)
        ids = sorted(set(gone.values_list("snippet_id", flat=True)))
        with transaction.atomic():
            gone.delete()
            for at in range(0, len(ids), CHUNK):
                suggested_mark(ids[at : at + CHUNK])
    # With no engine changed, only the snippets that came since need anything.
    for chunk in open_snippets(project, after=0 if changed else last):
        written += _refresh_chunk(project, engines, chunk, changed, last)
        state.last_snippet = max(state.last_snippet, chunk[-1][0])
    state.versions = versions
    _rank(project, state, newest)
    state.save(update_fields=["versions", "last_snippet", "ranking"])
    return written


# The model whose uncertainty orders the work, the first a project has of these.
_RANKERS = (Engine.SPANS, Engine.WORDS, Engine.CLASSES)


def _uncertainty(model: object, text: str, tokens: list[int]) -> float:
    if isinstance(model, classes.Model):
        return 1.0 - model.margin(text)
    assert isinstance(model, crf.Model)
    return model.uncertainty(text, tokens)


def _rank(project: Project, state: SuggestionState, newest: dict[Engine, ProjectModel]) -> None:
    """Active learning: the open snippets' claim_rank from the project model's uncertainty
    (annotation.suggesting.ranking), computed again when the model or the random share
    changed, or snippets came that have none; every rank back to 0 when it is off. Gold
    items are never ranked (they are served apart); review and acceptance samples are
    drawn from done work, which the order does not touch."""
    engines = project_engines(project) if project.active_learning else []
    latest = next((newest[e] for e in _RANKERS if e in engines and e in newest), None)
    if latest is None:
        if state.ranking:
            Snippet.objects.filter(project=project, claim_rank__gt=0).update(claim_rank=0)
            state.ranking = ""
        return
    key = f"{latest.engine}:v{latest.version}:{project.active_random_percent}"
    unranked = Snippet.objects.pooled().filter(project=project, final__isnull=True, claim_rank=0)
    if state.ranking == key and not unranked.exists():
        return
    model = model_loaded(Engine(latest.engine), bytes(latest.data))
    scored = [
        (_uncertainty(model, text, tokens_of(project, text, stored)), snippet_id)
        for chunk in open_snippets(project)
        for snippet_id, text, stored in chunk
    ]
    by_uncertainty = [snippet_id for _, snippet_id in sorted(scored, key=lambda x: (-x[0], x[1]))]
    order = ranking.interleaved(by_uncertainty, project.active_random_percent / 100, seed=key)
    # The first in the order gets the highest rank: a claim takes the highest first.
    ranked = [
        Snippet(id=snippet_id, claim_rank=len(order) - place)
        for place, snippet_id in enumerate(order)
    ]
    for at in range(0, len(ranked), CHUNK):
        with transaction.atomic():
            Snippet.objects.bulk_update(ranked[at : at + CHUNK], ["claim_rank"])
    state.ranking = key


def _refresh_chunk(
    project: Project,
    engines: dict[Engine, tuple[str, object]],
    chunk: list[tuple[int, str, str]],
    changed: set[Engine],
    last: int,
) -> int:
    existing = {
        (row.snippet_id, row.engine): row
        for row in MachineSuggestion.objects.filter(snippet_id__in=[row[0] for row in chunk])
    }
    made, changed_rows, gone = [], [], []
    for snippet_id, text, stored in chunk:
        due = [engine for engine in engines if engine in changed or snippet_id > last]
        tokens = tokens_of(project, text, stored) if due else []
        for engine in due:
            version, suggester = engines[engine]
            items = _suggested(engine, suggester, text, tokens)
            row = existing.get((snippet_id, engine))
            if row is None:
                if items:
                    made.append(
                        MachineSuggestion(
                            snippet_id=snippet_id,
                            project=project,
                            engine=engine,
                            model_version=version,
                            items=items,
                        )
                    )
            elif not items:
                gone.append(row.id)
            elif row.items != items:  # the same items keep the version that gave them
                row.items, row.model_version = items, version
                changed_rows.append(row)
    with transaction.atomic():
        MachineSuggestion.objects.filter(id__in=gone).delete()
        MachineSuggestion.objects.bulk_create(made)
        MachineSuggestion.objects.bulk_update(changed_rows, ["items", "model_version"])
        if made or gone:
            suggested_mark([row[0] for row in chunk])
    return len(made) + len(changed_rows)


def suggested_mark(snippet_ids: list[int]) -> None:
    """Mark which of these snippets any engine suggests something for (Snippet.suggested),
    writing only the rows whose mark changes."""
    having = set(
        MachineSuggestion.objects.filter(snippet_id__in=snippet_ids).values_list(
            "snippet_id", flat=True
        )
    )
    Snippet.objects.filter(id__in=having, suggested=False).update(suggested=True)
    lacking = set(snippet_ids) - having
    Snippet.objects.filter(id__in=lacking, suggested=True).update(suggested=False)


def _suggested(engine: Engine, suggester: object, text: str, tokens: list[int]) -> list[dict]:
    if engine == Engine.DICTIONARY:
        assert isinstance(suggester, Lexicon)
        return _span_items(suggester.matches(text))
    if engine == Engine.CLASSES:
        assert isinstance(suggester, classes.Model)
        return [{"label": s.label, "score": round(s.score, 3)} for s in suggester.classes(text)]
    assert isinstance(suggester, crf.Model)
    if engine == Engine.SPANS:
        return _span_items(suggester.spans(text, tokens))
    ends = suggester.words(text, tokens)
    if ends == tokens:  # the model agrees with jieba's hints: nothing to add
        return []
    return [{"segmentation": ends, "score": round(1 - suggester.uncertainty(text, tokens), 3)}]


@transaction.atomic
def gazetteer_replace(*, project: Project, entries: list[tuple[str, str]]) -> int:
    """The project's gazetteer becomes ``entries`` (string, label), and the suggestions
    are refreshed with it; return how many entries it holds."""
    GazetteerEntry.objects.filter(project=project).delete()
    GazetteerEntry.objects.bulk_create(
        [GazetteerEntry(project=project, string=string, label=label) for string, label in entries],
        batch_size=2000,
    )
    suggest_refresh_ask(project.id)
    return len(entries)
