"""Training the project models on a project's final annotations, and what they are
judged by.

A model of an engine (a CRF for words and one for spans, a linear model for classes)
trains on the project's finals but every tenth by snippet id, which it is scored on beside
its baseline: jieba's words for segmentation, the dictionary of the training finals for
spans, the commonest classes for classes. It is ``shown`` while its F1 beats the baseline's
by the project's margin. Each training is compared with every annotator too, on a sample
of the work they did (annotation.quality.suggestion_use.ModelAgreement).
"""

import time
from collections import Counter
from collections.abc import Iterable

from django.db.models import Max

from annotation.core.links import span_key
from annotation.core.tokens import decode_ends, word_spans
from annotation.ingest.tokenizer import token_ends
from annotation.ingest.tokenizing import tokenizer_config
from annotation.models import (
    AssignmentStatus,
    Engine,
    FinalAnnotation,
    GazetteerEntry,
    ProjectModel,
    Snippet,
)
from annotation.quality.judgements import latest_revisions
from annotation.quality.metrics import span_f1
from annotation.quality.suggestion_use import ModelAgreement
from annotation.suggesting import classes, crf
from annotation.suggesting.lexicon import Lexicon, counted
from projects.models import Kind, Project

HOLD_OUT = 10  # every tenth final (by snippet id) scores a model and its baseline
AGREEMENT_SAMPLE = 2000  # snippets with submitted work a new model is compared on
MIN_FINALS = 20  # fewer finals than this train no model

_KIND = {Engine.WORDS: crf.WORDS, Engine.SPANS: crf.SPANS}
_PART = {Engine.WORDS: "segmentation", Engine.SPANS: "spans", Engine.CLASSES: "classes"}


def project_engines(project: Project) -> list[Engine]:
    """The project models this project's kinds ask for."""
    wanted = []
    if Kind.SPANS in project.kinds:
        wanted.append(Engine.SPANS)
    if Kind.SEGMENTATION in project.kinds:
        wanted.append(Engine.WORDS)
    if Kind.CLASSES in project.kinds:
        wanted.append(Engine.CLASSES)
    return wanted


def tokens_of(project: Project, text: str, stored: str) -> list[int]:
    """jieba's token ends as the snippet stores them, or as the project's tokenizer gives
    them while the snippet waits for its tokens."""
    return decode_ends(stored) or token_ends(text, tokenizer_config(project))


def _examples(project: Project, engine: Engine) -> list[tuple[int, crf.Example]]:
    """The finals a model of ``engine`` learns from, by snippet id: for words those with a
    segmentation; for spans and classes all (a final with none teaches that too)."""
    part = _PART[engine]
    rows = (
        FinalAnnotation.objects.filter(project=project)
        .order_by("snippet_id")
        .values_list("snippet_id", "snippet__text", "snippet__tokens", part)
    )
    examples = []
    for snippet_id, text, tokens, target in rows.iterator(chunk_size=2000):
        if engine == Engine.WORDS and not target:
            continue
        if engine == Engine.SPANS:
            target = [span_key(span) for span in target]
        if engine == Engine.CLASSES:  # the classes need no tokens
            examples.append((snippet_id, crf.Example(text, [], target)))
            continue
        examples.append((snippet_id, crf.Example(text, tokens_of(project, text, tokens), target)))
    return examples


def _f1(found: Iterable[set], gold: Iterable[set]) -> float:
    return span_f1(list(gold), list(found)) or 0.0


def _words(ends: Iterable[int]) -> set[tuple[int, int]]:
    return set(word_spans(list(ends)))


def gazetteer_entries(project: Project) -> list[tuple[str, str]]:
    return list(
        GazetteerEntry.objects.filter(project=project).order_by("id").values_list("string", "label")
    )


def dictionary_of(project: Project, labelled: Iterable[tuple[str, str]]) -> Lexicon:
    """The dictionary engine: the strings finals label (``labelled``: string, label) and
    the gazetteer's entries."""
    return Lexicon(counted([*labelled, *gazetteer_entries(project)]))


def _scores(
    engine: Engine,
    model: object,
    train: list[crf.Example],
    held: list[crf.Example],
    project: Project,
) -> tuple[float, float]:
    """The model's F1 on the held-out finals, and its baseline's: jieba's words for words,
    the dictionary of the training finals for spans, and for classes the classes given
    most often in training, given to every snippet."""
    if isinstance(model, classes.Model):
        class_gold = [{(i, label) for label in e.target} for i, e in enumerate(held)]
        class_found = [{(i, s.label) for s in model.classes(e.text)} for i, e in enumerate(held)]
        common = Counter(tuple(sorted(e.target)) for e in train).most_common(1)[0][0]
        class_baseline = [{(i, label) for label in common} for i in range(len(held))]
        return _f1(class_found, class_gold), _f1(class_baseline, class_gold)
    assert isinstance(model, crf.Model)
    if engine == Engine.WORDS:
        gold = [_words(example.target) for example in held]
        found = [_words(model.words(example.text, example.tokens)) for example in held]
        baseline = [_words(example.tokens) for example in held]
        return _f1(found, gold), _f1(baseline, gold)
    spans_gold = [set(example.target) for example in held]
    dictionary = dictionary_of(
        project, ((e.text[start:end], label) for e in train for start, end, label in e.target)
    )
    spans_found = [_spans(model.spans(example.text, example.tokens)) for example in held]
    spans_baseline = [_spans(dictionary.matches(example.text)) for example in held]
    return _f1(spans_found, spans_gold), _f1(spans_baseline, spans_gold)


def _trained(engine: Engine, project: Project, train: list[crf.Example]) -> bytes:
    if engine == Engine.CLASSES:
        texts = [example.text for example in train]
        given = [list(example.target) for example in train]
        return classes.train(texts, given, multi_label=project.multi_label)
    extra = gazetteer_entries(project) if engine == Engine.SPANS else []
    return crf.train(train, _KIND[engine], extra=extra)


def model_loaded(engine: Engine, data: bytes) -> object:
    return classes.Model(data) if engine == Engine.CLASSES else crf.Model(data)


def _spans(matches: Iterable) -> set[tuple[int, int, str]]:
    return {(match.start, match.end, match.label) for match in matches}


def model_train(*, project: Project, engine: Engine) -> ProjectModel | None:
    """Train a model of ``engine`` on the project's finals and store it with its scores;
    None when there are fewer than MIN_FINALS to learn from."""
    examples = _examples(project, engine)
    if len(examples) < MIN_FINALS:
        return None
    held = [example for snippet_id, example in examples if snippet_id % HOLD_OUT == 0]
    train = [example for snippet_id, example in examples if snippet_id % HOLD_OUT != 0]
    if not held:  # ids that all miss the tenth: hold the last one out
        held = [train.pop()]
    started = time.perf_counter()
    data = _trained(engine, project, train)
    seconds = time.perf_counter() - started
    model = model_loaded(engine, data)
    f1, baseline = _scores(engine, model, train, held, project)
    last = ProjectModel.objects.filter(project=project, engine=engine).aggregate(Max("version"))
    return ProjectModel.objects.create(
        project=project,
        engine=engine,
        version=(last["version__max"] or 0) + 1,
        trained_on=len(train),
        held_out=len(held),
        finals=FinalAnnotation.objects.filter(project=project).count(),
        f1=f1,
        baseline_f1=baseline,
        shown=f1 >= baseline + project.suggest_margin,
        seconds=seconds,
        annotators=_against_annotators(project, engine, model),
        data=data,
    )


def _against_annotators(project: Project, engine: Engine, model: object) -> dict:
    """Each annotator's F1 with the new model on up to AGREEMENT_SAMPLE snippets they did
    (evenly spread through the project), and who is far from it."""
    done = list(
        Snippet.objects.filter(project=project, assignments__status=AssignmentStatus.SUBMITTED)
        .values_list("id", flat=True)
        .distinct()
        .order_by("id")
    )
    step = max(1, len(done) // AGREEMENT_SAMPLE)
    sample = done[::step][:AGREEMENT_SAMPLE]
    snippets = {
        snippet_id: (text, stored)
        for snippet_id, text, stored in Snippet.objects.filter(id__in=sample).values_list(
            "id", "text", "tokens"
        )
    }
    fields = ("assignment__annotator__username", _PART[engine])
    work: dict[int, dict[str, set]] = {}
    for _, snippet_id, annotator, given in latest_revisions(sample, *fields):
        theirs: set
        if engine == Engine.SPANS:
            theirs = {span_key(span) for span in given}
        elif engine == Engine.CLASSES:
            theirs = set(given)
        elif given:  # words: only work that corrected the segmentation says anything
            theirs = _words(given)
        else:
            continue
        work.setdefault(snippet_id, {})[annotator] = theirs
    agreement = ModelAgreement()
    for snippet_id, annotators in work.items():
        text, stored = snippets[snippet_id]
        agreement.add(_output(engine, model, text, tokens_of(project, text, stored)), annotators)
    return agreement.results()


def _output(engine: Engine, model: object, text: str, tokens: list[int]) -> set:
    """The model's output as the annotators' work is compared: spans, classes or words."""
    if isinstance(model, classes.Model):
        return {suggested.label for suggested in model.classes(text)}
    assert isinstance(model, crf.Model)
    if engine == Engine.SPANS:
        return _spans(model.spans(text, tokens))
    return _words(model.words(text, tokens))


def models_newest(project: Project, *, with_data: bool = True) -> dict[Engine, ProjectModel]:
    """The latest training of each of the project's models, by engine (one query); without
    the model's bytes unless ``with_data``."""
    rows = ProjectModel.objects.newest(project)
    return {Engine(row.engine): row for row in (rows if with_data else rows.defer("data"))}


def models_retrain(*, project: Project, force: bool = False) -> list[ProjectModel]:
    """Train each of the project's models again once ``suggest_every`` new finals have
    come since it last trained (or it never did, or ``force``); the models trained."""
    finals = FinalAnnotation.objects.filter(project=project).count()
    newest = models_newest(project, with_data=False)
    trained = []
    for engine in project_engines(project):
        latest = newest.get(engine)
        due = latest is None or finals - latest.finals >= project.suggest_every
        if not (due or force):
            continue
        model = model_train(project=project, engine=engine)
        if model is not None:
            trained.append(model)
    return trained
