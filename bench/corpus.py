"""An annotated project written straight into PostgreSQL for the benchmarks: snippets cut
from the seeds, each annotated by every annotator (one submitted revision each, written
with COPY). The annotations follow a hidden truth with realistic disagreement; jieba's
words are real."""

import json
import random
from datetime import UTC, datetime

import jieba
from common import seed_snippets

CLASSES = ["正面", "负面", "中性", "无关"]
ENTITIES = ["人名", "地名", "机构", "时间", "数量"]
RELATIONS = ["位于", "任职于", "相关"]
BATCH = 10_000  # snippets a batch


def truth_of(rng: random.Random, length: int) -> tuple[str, list[tuple[int, int, str]]]:
    """A snippet's hidden truth: one class and up to three spans that do not overlap."""
    spans, at = [], 0
    for _ in range(rng.randint(0, 3)):
        at += rng.randint(0, 8)
        size = rng.randint(2, 4)
        if at + size > length:
            break
        spans.append((at, at + size, rng.choice(ENTITIES)))
        at += size
    return rng.choice(CLASSES), spans


def related(rng: random.Random, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A snippet's hidden relations: each span to the next, two times in three."""
    return [(n, n + 1, rng.choice(RELATIONS)) for n in range(len(spans) - 1) if rng.random() < 0.67]


def linked(rng: random.Random, truth, relations, found: list[dict]) -> list[dict]:
    """One annotator's relations (stored form) over their ``found`` spans, sorted: mostly
    the truth's, sometimes one missed or of another type."""
    _, spans = truth
    place = {(s["start"], s["label"]): n for n, s in enumerate(found, start=1)}
    made = set()
    for a, b, kind in relations:
        ends = place.get(spans[a][::2]), place.get(spans[b][::2])
        roll = rng.random()
        if None in ends or roll < 0.08:
            continue
        made.add((ends[0], ends[1], rng.choice(RELATIONS) if roll < 0.12 else kind))
    return [
        {"id": f"R{n}", "from": f"T{a}", "to": f"T{b}", "type": kind}
        for n, (a, b, kind) in enumerate(sorted(made), start=1)
    ]


def judged(rng: random.Random, truth, length: int) -> tuple[list[str], list[dict]]:
    """One annotator's take: mostly the truth, sometimes a slip."""
    label, spans = truth
    chosen = label if rng.random() < 0.85 else rng.choice(CLASSES)
    found = []
    for start, end, entity in spans:
        roll = rng.random()
        if roll < 0.05:
            continue  # missed
        if roll < 0.10:
            entity = rng.choice(ENTITIES)
        elif roll < 0.15:
            end = min(length, end + 1)
        found.append({"start": start, "end": end, "label": entity})
    found.sort(key=lambda span: (span["start"], span["end"], span["label"]))
    return [chosen], found


def build(
    project_id: int,
    article_id: int,
    user_ids: list[int],
    count: int,
    annotated: float = 1.0,
    relations: bool = False,
) -> None:
    """Snippets, batches, submitted assignments and revisions, written with COPY; the
    ``annotated`` share of the snippets (spread over the project) has work on it, each
    such snippet marked for its final annotation to be stored (annotation.quality.finals).
    With ``relations``, the revisions link their spans too."""
    from django.db import connection

    rng = random.Random(7)
    base = seed_snippets()
    tokenizer = jieba.Tokenizer()
    base_ends = [[end for _, _, end in tokenizer.tokenize(text)] for text in base]
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        batch_ids = []
        for number in range((count + BATCH - 1) // BATCH):
            raw.execute(
                "INSERT INTO annotation_batch (project_id, name, status, created_at, size) "
                "VALUES (%s, %s, 'annotating', %s, %s) RETURNING id",
                (project_id, f"bench #{number + 1}", now, BATCH),
            )
            batch_ids.append(raw.fetchone()[0])
        columns = (
            "project_id, article_id, position, text, text_hash, offset_map, tokens, "
            "tokenizer_version, suggestions, batch_id, slots_taken, gold, excluded"
        )
        with raw.copy(f"COPY annotation_snippet ({columns}) FROM STDIN") as copy:
            for n in range(count):
                prefix, seed = f"第{n}条：", n % len(base)
                text = prefix + base[seed]
                ends = [len(prefix), *(len(prefix) + end for end in base_ends[seed])]
                tokens = ",".join(map(str, ends))
                row = (project_id, article_id, n, text, f"h{n}", "[0, 0]", tokens, "jieba", "[]")
                copy.write_row((*row, batch_ids[n // BATCH], len(user_ids), False, False))
        raw.execute(
            "SELECT id, char_length(text) FROM annotation_snippet WHERE project_id = %s "
            "ORDER BY id",
            (project_id,),
        )
        every = raw.fetchall()
        searched(raw, project_id)
        snippets = [row for n, row in enumerate(every) if n % 100 < round(annotated * 100)]
        columns = (
            "project_id, snippet_id, annotator_id, status, lease_expires_at, draft, version, "
            "skip_reason, return_reason, created_at, submitted_at"
        )
        with raw.copy(f"COPY annotation_assignment ({columns}) FROM STDIN") as copy:
            for snippet_id, _ in snippets:
                for user_id in user_ids:
                    row = (project_id, snippet_id, user_id, "submitted", now, "{}", 0, "", "")
                    copy.write_row((*row, now, now))
        raw.execute(
            "SELECT a.id, a.snippet_id, a.annotator_id FROM annotation_assignment a "
            "WHERE a.project_id = %s ORDER BY a.snippet_id, a.annotator_id",
            (project_id,),
        )
        assignments = raw.fetchall()
        lengths = dict(snippets)
        columns = (
            "assignment_id, number, annotator_id, spans, classes, segmentation, relations, "
            "events, time_spent_ms, late, idempotency_key, created_at"
        )
        truths: dict[int, tuple] = {}
        links: dict[int, list] = {}
        with raw.copy(f"COPY annotation_revision ({columns}) FROM STDIN") as copy:
            for assignment_id, snippet_id, user_id in assignments:
                length = lengths[snippet_id]
                truth = truths.setdefault(snippet_id, truth_of(rng, length))
                classes, spans = judged(rng, truth, length)
                made: list[dict] = []
                if relations:
                    hidden = links.setdefault(snippet_id, related(rng, truth[1]))
                    made = linked(rng, truth, hidden, spans)
                copy.write_row(
                    (
                        assignment_id,
                        1,
                        user_id,
                        json.dumps(spans),
                        json.dumps(classes, ensure_ascii=False),
                        "[]",
                        json.dumps(made, ensure_ascii=False),
                        "[]",
                        rng.randint(3000, 20000),
                        False,
                        "",
                        now,
                    )
                )
        with raw.copy(
            "COPY annotation_finaldirty (snippet_id, project_id, version) FROM STDIN"
        ) as copy:
            for snippet_id, _ in snippets:
                copy.write_row((snippet_id, project_id, 1))
        raw.execute("ANALYZE")  # as autovacuum would, some time after a load this size


def searched(raw, project_id: int) -> None:
    """The search text of the project's snippets, as an import writes it."""
    from annotation.core.search import search_key

    raw.execute("SELECT id, text FROM annotation_snippet WHERE project_id = %s", (project_id,))
    rows = raw.fetchall()
    sql = "COPY annotation_snippetsearch (snippet_id, project_id, text) FROM STDIN"
    with raw.copy(sql) as copy:
        for snippet_id, text in rows:
            copy.write_row((snippet_id, project_id, search_key(text)))


def annotated_project(
    *, name: str, snippets: int, annotators: int, annotated: float = 1.0, relations: bool = False
):
    """A manager (``bench``) and a project of ``snippets``, the ``annotated`` share of them
    annotated by ``annotators`` people, with classes and spans (and ``relations``)."""
    from accounts.services import user_ensure
    from annotation.models import Article
    from projects.models import Label, Membership, Role
    from projects.services import project_create

    manager, _ = user_ensure(username="bench", password="bench-password", is_staff=True)
    project = project_create(creator=manager, name=name)
    project.kinds = ["spans", "classes", *(["relations"] if relations else [])]
    project.overlap = annotators
    project.save(update_fields=["kinds", "overlap"])
    Label.objects.bulk_create(
        [
            Label(project=project, kind="classes", name=name, position=n)
            for n, name in enumerate(CLASSES)
        ]
        + [
            Label(project=project, kind="spans", name=name, position=n)
            for n, name in enumerate(ENTITIES)
        ]
        + [
            Label(project=project, kind="relations", name=name, position=n)
            for n, name in enumerate(RELATIONS if relations else [])
        ]
    )
    user_ids = []
    for n in range(annotators):
        user, _ = user_ensure(username=f"a{n + 1}", password="bench-password")
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
        user_ids.append(user.id)
    article = Article.objects.create(project=project, raw_text="bench", raw_hash="bench")
    build(project.id, article.id, user_ids, snippets, annotated, relations)
    return manager, project
