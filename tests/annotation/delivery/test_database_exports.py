"""On PostgreSQL the database writes our JSONL of the stored final annotations
(annotation/delivery/database.py). Its file must be the Python writer's, byte for byte,
whatever the texts and labels hold and however the annotators voted."""

import io
import json
from collections import Counter

import pytest
from django.db import connection

from annotation.delivery.database import jsonl_copy
from annotation.delivery.formats import writer_for
from annotation.delivery.services import export_items
from annotation.models import (
    Batch,
    ExportJob,
    Snippet,
)
from annotation.quality.finals import finals_refresh
from tests.factories import UserFactory, adjudicated, snippets_of, work_submitted

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the database path is PostgreSQL's"
    ),
]

# Texts a JSON writer can get wrong: characters beyond the BMP, quotes, backslashes,
# control characters, full-width punctuation, a "\\n" spelt out.
TEXTS = [
    "𠮷野家😀在北京开了新店，张三说：“好！”",
    'He said "你好" \\ 再见\\n',
    "制表\t符与\u0001控制字符",
    "一二三四五六七八九十",
    "没有人标注的句子。",
    "金标准句子。",
]


@pytest.fixture
def voted(project):
    """Six snippets: a majority, a tie, a rework, an adjudication, one nobody submitted and
    a gold item; labels and classes with quotes, backslashes and the ", " separator."""
    batch = Batch.objects.create(project=project, name='包 "一" \\', status="accepted")
    snippets = snippets_of(project, TEXTS, batch, tokenizer_version="jieba 0.42.1")
    Snippet.objects.filter(id=snippets[3].id).update(tokens="2,5")
    Snippet.objects.filter(id=snippets[5].id).update(gold=True)
    a, b, c = (UserFactory(username=name) for name in ("甲", "乙", "丙"))
    place, odd = (5, 7, "地名"), (0, 3, '机构 "A", \\B')
    # 0: two against one; the late third work does not count.
    work_submitted(snippets[0], a, {"spans": [place], "classes": ["正面"]})
    work_submitted(snippets[0], b, {"spans": [odd], "classes": ['中性", "其他']})
    work_submitted(snippets[0], c, {"spans": [place], "classes": ["正面"]})
    work_submitted(snippets[0], UserFactory(), {"spans": [odd]}, status="expired")
    # 1: one each: the earliest work wins the tie.
    work_submitted(snippets[1], b, {"spans": [(3, 7, "人名")]})
    work_submitted(snippets[1], a, {"spans": [(0, 4, "人名")]})
    # 2: reworked: the latest revision counts; classes only, words corrected.
    work_submitted(
        snippets[2],
        a,
        {"classes": ["旧"], "segmentation": [2, 4]},
        {"classes": ["新", "负面"], "segmentation": [2, 5, 9]},
    )
    # 3: settled twice: the latest adjudication is the final one, jieba's words kept.
    work_submitted(snippets[3], a, {"spans": [(0, 1, "数")]})
    for spans in ([{"start": 1, "end": 2, "label": "数"}], [{"start": 2, "end": 4, "label": "数"}]):
        adjudicated(snippets[3], spans=spans)
    # 5: a gold item, never exported.
    work_submitted(snippets[5], a, {"spans": [(0, 2, "金")]})
    finals_refresh(project_id=project.id)
    return ExportJob.objects.create(
        project=project, format="jsonl", options={"status": "accepted", "batches": []}
    )


def _python_file(job):
    writer, versions = writer_for("jsonl"), Counter()
    items = list(export_items(job, versions))
    return "".join(writer.write(item) for item in items).encode(), items, versions


def test_the_database_writes_the_python_paths_jsonl_byte_for_byte(voted):
    expected, items, versions = _python_file(voted)
    out = io.BytesIO()

    summary = jsonl_copy(voted.project_id, [b.id for b in _batches(voted)], out, lambda lines: None)

    assert out.getvalue().decode() == expected.decode()
    assert summary.count == len(items) == 4
    assert summary.versions == versions == Counter({"jieba 0.42.1": 4})
    assert summary.labels == Counter(
        {
            "span:地名": 1,
            "class:正面": 1,
            "span:人名": 1,
            "class:新": 1,
            "class:负面": 1,
            "span:数": 1,
        }
    )


def test_a_tie_and_an_adjudication_are_flagged_in_both_files(voted):
    expected, items, _ = _python_file(voted)
    out = io.BytesIO()

    jsonl_copy(voted.project_id, [b.id for b in _batches(voted)], out, lambda lines: None)

    lines = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert [(line["tie"], line["adjudicated"]) for line in lines] == [
        (False, False),
        (True, False),
        (False, False),
        (False, True),
    ]
    assert [(item.tie, item.adjudicated) for item in items] == [
        (line["tie"], line["adjudicated"]) for line in lines
    ]


def _batches(job):
    return Batch.objects.filter(project_id=job.project_id)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_an_export_plans_on_statistics_of_the_rows_it_reads():
    """Found by bench/peers: an export soon after an import and a day's work planned on
    statistics that saw the tables nearly empty (34 s instead of 0.1 s at 100,000)."""
    from annotation.delivery.database import READ_TABLES
    from annotation.statistics import statistics_refresh

    tables = dict.fromkeys(READ_TABLES, 0)
    statistics_refresh(tables)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read afresh in this transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(%s)"
            " AND coalesce(last_analyze, last_autoanalyze) IS NOT NULL",
            [list(READ_TABLES)],
        )
        assert cursor.fetchone()[0] == len(READ_TABLES)
    assert statistics_refresh(tables) == []  # nothing changed since: nothing analyzed again
    # Rows just committed, which the statistics views count only a moment later.
    assert statistics_refresh({**tables, "annotation_revision": 1001}) == ["annotation_revision"]
