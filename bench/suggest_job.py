"""The suggestions refresh job on a large project: training, suggesting, refreshing again.

    python bench/suggest_job.py [--open 100000] [--finals 2000] [--keep]

Creates a scratch PostgreSQL database with an entity project (人名, 地名, 机构) whose
snippets are People's Daily sentences (bench/suggest_curves.py fetches the corpus), with
jieba's tokens as an import stores them: ``--finals`` of them carry their gold entities as
final annotations, ``--open`` are open. Then runs the refresh job in this process, on one
core, three times, and prints for each its time, the rows it wrote and the peak memory:

1. the first: the span model trains on the finals and is scored against the dictionary;
   the dictionary and the model (when shown) suggest for every open snippet;
2. again, nothing changed: nothing is computed again;
3. after one more final annotation, with entities: the dictionary's fingerprint changes,
   so it runs over every open snippet again, writing only the rows that changed; the
   model is not due.

Targets (issue 32): suggestions for 100,000 snippets ≤ 2 minutes (on two worker
processes: this is one); training on 5,000 ≤ 60 s and ≤ 500 MB.
"""

import argparse
import random
import resource
import time

from common import django_on_scratch, drop_database, print_figures
from suggest_curves import JIEBA, corpus_path, gold_of, sentences

from annotation.ingest.tokenizer import token_ends

DB_NAME = "biaozhu_bench_suggest"
LABELS = ("人名", "地名", "机构")


def project_made(open_count: int, finals: int):
    """The project, its snippets (COPY) and its finals; the project."""
    from django.db import connection

    from accounts.services import user_ensure
    from annotation.models import Article, FinalAnnotation
    from projects.models import Label
    from projects.services import project_create

    manager, _ = user_ensure(username="bench", password="bench-password", is_staff=True)
    project = project_create(creator=manager, name="bench suggestions")
    project.kinds = ["spans"]
    project.save(update_fields=["kinds"])
    Label.objects.bulk_create(
        [
            Label(project=project, kind="spans", name=name, position=n)
            for n, name in enumerate(LABELS)
        ]
    )
    article = Article.objects.create(project=project, raw_text="bench", raw_hash="bench")
    found = sentences(corpus_path())
    random.Random(7).shuffle(found)
    started = time.perf_counter()
    rows, golds = [], []
    for n in range(finals + open_count):
        prefix = f"{n}："
        text, _, spans = gold_of(found[n % len(found)])
        text = prefix + text
        tokens = ",".join(map(str, token_ends(text, JIEBA)))
        rows.append((n, text, tokens))
        golds.append(
            [(start + len(prefix), end + len(prefix), label) for start, end, label in spans]
        )
    print(f"{'jieba on the snippets':<44} {time.perf_counter() - started:.1f} s")
    columns = (
        "project_id, article_id, position, text, text_hash, offset_map, tokens, "
        "tokenizer_version, suggestions, batch_id, slots_taken, gold, excluded"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY annotation_snippet ({columns}) FROM STDIN") as copy:
            for n, text, tokens in rows:
                copy.write_row(
                    (project.id, article.id, n, text, f"h{n}", "[0, 0]", tokens, "jieba", "[]")
                    + (None, 0, False, False)
                )
        raw.execute(
            "SELECT id FROM annotation_snippet WHERE project_id = %s ORDER BY id", (project.id,)
        )
        ids = [row[0] for row in raw.fetchall()]
    FinalAnnotation.objects.bulk_create(
        [
            FinalAnnotation(
                snippet_id=ids[n],
                project=project,
                spans=[{"start": s, "end": e, "label": label} for s, e, label in golds[n]],
                source="adjudication",
            )
            for n in range(finals)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The first open snippet with entities: its final changes the dictionary.
    labelled = next(n for n in range(finals, len(ids)) if golds[n])
    return project, ids[labelled], golds[labelled]


def timed(step: str, refresh, project_id: int) -> tuple:
    started = time.perf_counter()
    written = refresh(project_id=project_id)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (step, f"{seconds:.1f} s, {written:,} rows written, peak {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--finals", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    django_on_scratch(DB_NAME, None)
    from annotation.models import FinalAnnotation, MachineSuggestion, ProjectModel
    from annotation.suggesting.services import suggestions_refresh

    project, first_open, gold = project_made(args.open, args.finals)
    rows = [timed("first refresh: train, then suggest", suggestions_refresh, project.id)]
    [model] = ProjectModel.objects.filter(project=project)
    rows.append(
        (
            "  span model",
            f"trained on {model.trained_on:,} in {model.seconds:.1f} s; F1 {model.f1:.4f} "
            f"against the dictionary's {model.baseline_f1:.4f}; shown: {model.shown}",
        )
    )
    counts = MachineSuggestion.objects.filter(project=project).values_list("engine", flat=True)
    for engine in sorted(set(counts)):
        rows.append((f"  snippets with {engine}", f"{list(counts).count(engine):,}"))
    rows.append(timed("again, nothing changed", suggestions_refresh, project.id))
    FinalAnnotation.objects.create(
        snippet_id=first_open,
        project=project,
        spans=[{"start": s, "end": e, "label": label} for s, e, label in gold],
        source="adjudication",
    )
    rows.append(timed("after one more final", suggestions_refresh, project.id))
    print_figures(rows)
    if not args.keep:
        drop_database(DB_NAME)


if __name__ == "__main__":
    main()
