"""Big imports prepare their records in a pool of processes: the same rows, the same
refusals, and no process left behind."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotation import jobs
from annotation.ingest import cleaning, formats, preparing
from annotation.ingest import services as ingest_services
from annotation.ingest.tokenizer import TokenizerConfig, snippet_tokens
from annotation.models import Article, ImportJob, Snippet
from projects.models import Role
from tests.annotation.test_imports import nothing_kept
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


@pytest.fixture
def pool(settings, monkeypatch):
    """Every import in a pool of two processes, its records sent a few at a time, as in
    a Celery worker process."""
    settings.BIAOZHU_IMPORT_PARALLEL_BYTES = 0
    settings.BIAOZHU_IMPORT_PROCESSES = 2
    monkeypatch.setattr(preparing, "BATCH_CHARS", 300)
    monkeypatch.setattr(jobs._Process, "worker", True)


def test_a_web_process_prepares_a_big_file_in_place(
    upload, project, members, settings, monkeypatch
):
    """With Celery eager (the embedded default) the import runs in the web process, which
    never forks: the file is prepared in place however big it is."""
    settings.BIAOZHU_IMPORT_PARALLEL_BYTES = 0
    settings.BIAOZHU_IMPORT_PROCESSES = 2
    pools = []
    monkeypatch.setattr(ingest_services, "prepare_parallel", lambda *given: pools.append(given))

    _, job = upload(project, "mixed.jsonl", mixed_file(), clean="yes")

    assert job["status"] == "succeeded" and job["articles"] > 0
    assert pools == []


def line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def mixed_file() -> bytes:
    """Seed paragraphs, astral characters, emoji, full-width punctuation, repeats and
    pre-annotations, over many batches (imported with clean=yes: the annotated record is
    cleaned and cut in two, one of which repeats a later record)."""
    paragraphs = [p for seed in SEEDS for p in seed.read_text().split("\n\n") if p.strip()]
    records = [line({"text": text, "meta": {"n": n}}) for n, text in enumerate(paragraphs[:60])]
    text = "𠮷野家 👩‍👩‍👧 在 北 京，开了新店！\n\n第二段（上海）提到了“浦东”。"
    spans = [{"start": text.index("北"), "end": text.index("京") + 1, "label": "LOC"}]
    records.insert(7, line({"text": text, "spans": spans, "classes": ["新闻", "本地"]}))
    records.insert(30, records[7])  # the same article again
    records.insert(40, line({"text": "第二段（上海）提到了“浦东”。"}))  # a snippet again
    return "".join(records).encode()


def rows_of(project) -> dict:
    articles = Article.objects.filter(project=project).order_by("id")
    snippets = Snippet.objects.filter(project=project).order_by("id")
    return {
        "articles": list(articles.values_list("title", "raw_text", "raw_hash", "meta")),
        "snippets": list(
            snippets.values_list(
                "article__source_line",
                "position",
                "text",
                "text_hash",
                "offset_map",
                "tokens",
                "tokenizer_version",
                "suggestions",
            )
        ),
    }


def test_a_pool_leaves_the_rows_one_process_leaves(upload, project, members, settings, pool):
    alone = MembershipFactory(user=members["manager"], role=Role.MANAGER).project
    settings.BIAOZHU_IMPORT_PARALLEL_BYTES = 1 << 40
    _, by_one = upload(alone, "mixed.jsonl", mixed_file(), clean="yes")
    settings.BIAOZHU_IMPORT_PARALLEL_BYTES = 0

    _, by_pool = upload(project, "mixed.jsonl", mixed_file(), clean="yes")

    assert by_pool["status"] == by_one["status"] == "succeeded", by_pool["errors"]
    counts = ("articles", "snippets", "duplicates", "tokenized")
    assert [by_pool[key] for key in counts] == [by_one[key] for key in counts]
    assert by_pool["duplicates"] == 2 + 1  # the repeated article's two snippets, one snippet
    assert rows_of(project) == rows_of(alone)
    assert not Snippet.objects.filter(project=project, tokens="").exists()
    assert children_of(os.getpid()) == []


def test_a_refusal_in_a_pool_names_the_first_bad_line(upload, project, members, pool):
    good = [line({"text": f"第{n}条新闻：聊城数据标注基地。"}) for n in range(200)]
    across = [{"start": 4, "end": 12, "label": "X"}]  # seen to cross snippets once cut
    good[120] = line({"text": "北京很大。\n\n上海也很大。", "spans": across})
    good[180] = "{oops}\n"  # read after the bad span was sent to the pool

    _, job = upload(project, "a.jsonl", "".join(good).encode(), clean="yes")

    assert job["status"] == "failed"
    [error] = job["errors"]
    assert (error["line"], error["reason"][:6]) == (121, "span 1")
    assert nothing_kept(project)
    assert children_of(os.getpid()) == []


def test_a_file_that_cannot_be_read_to_its_end_is_refused_from_a_pool(
    upload, project, members, pool
):
    good = [line({"text": f"第{n}条新闻：聊城数据标注基地。"}) for n in range(200)]

    _, job = upload(project, "a.jsonl", ("".join(good) + "{oops}\n").encode())

    assert job["status"] == "failed"
    assert job["errors"][0]["line"] == 201
    assert nothing_kept(project)
    assert ImportJob.objects.get().status == "failed"


def test_a_refusal_crosses_processes_whole():
    error = formats.ImportFileError("span %(number)s is bad", 12, number=3)

    copy = pickle.loads(pickle.dumps(error))

    assert (
        copy.as_dict()
        == error.as_dict()
        == {
            "line": 12,
            "reason": "span 3 is bad",
            "message": "span %(number)s is bad",
            "params": {"number": 3},
        }
    )


POOL_THEN_WAIT = """
import os, time
from pathlib import Path
from annotation.ingest import cleaning, formats, preparing
from annotation.ingest.tokenizer import TokenizerConfig

def records():
    for n in range(10 ** 9):
        if n == 200:
            print(" ".join(str(pid) for pid in children_of(os.getpid())), flush=True)
            time.sleep(3600)
        yield formats.Record(text="第%d条新闻：聊城数据标注基地。" % n, line=n + 1)

def children_of(pid):
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]

preparing.BATCH_CHARS = 100
options = cleaning.CleaningOptions()
for _ in preparing.prepare_parallel(records(), "jsonl", options, TokenizerConfig(), 2):
    pass
"""


def test_the_pool_dies_with_a_killed_import():
    """A worker killed with SIGKILL mid-import leaves none of its pool running."""
    importer = subprocess.Popen(
        [sys.executable, "-c", POOL_THEN_WAIT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    children = [int(pid) for pid in importer.stdout.readline().split()]
    assert len(children) == 2

    importer.send_signal(signal.SIGKILL)
    importer.wait(timeout=10)

    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
    return status != "Z"


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid``, from any of its threads."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return [int(child) for task in tasks for child in (task / "children").read_text().split()]


def test_a_process_of_the_pool_tokenizes_a_repeated_text_once(monkeypatch):
    monkeypatch.setattr(preparing, "BATCH_CHARS", 1)  # a record a batch
    texts = ["聊城数据标注基地。", "北京很大。", "聊城数据标注基地。"]
    records = [formats.Record(text=text, line=n) for n, text in enumerate(texts, start=1)]
    options, config = cleaning.CleaningOptions(), TokenizerConfig()

    prepared = preparing.prepare_parallel(records, "jsonl", options, config, processes=1)
    tokens = [snippet.tokens for _, [article] in prepared for snippet in article.snippets]

    assert tokens == [snippet_tokens(texts[0], config), snippet_tokens(texts[1], config), None]


def test_a_repeat_kept_where_its_first_occurrence_was_dropped_is_tokenized(
    upload, project, members, pool
):
    """The article that first held the text is dropped as already stored (imported before,
    with other cleaning), so the import keeps a later occurrence its process skipped."""
    spaced = "北京 上海欢迎你。"
    upload(project, "first.jsonl", line({"text": spaced}).encode())
    project.clean_cjk_spaces = False
    project.save(update_fields=["clean_cjk_spaces"])
    again = line({"text": spaced}) + line({"text": f"又一篇\n\n{spaced}"})

    _, job = upload(project, "again.jsonl", again.encode())

    assert job["status"] == "succeeded", job["errors"]
    kept = Snippet.objects.get(project=project, text=spaced)
    assert kept.article.source_line == 2
    assert kept.tokens == snippet_tokens(spaced, TokenizerConfig())
    assert not Snippet.objects.filter(project=project, tokens="").exists()
