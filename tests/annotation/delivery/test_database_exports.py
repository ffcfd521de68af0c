"""On PostgreSQL the database chooses each snippet's final annotation and writes our JSONL
(annotation/delivery/database.py). Its file must be the Python path's, byte for byte,
whatever the texts and labels hold and however the annotators voted."""

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotation.delivery.database import final_items, jsonl_copy
from annotation.delivery.formats import writer_for
from annotation.delivery.services import export_items
from annotation.models import (
    Adjudication,
    Article,
    Assignment,
    Batch,
    ExportJob,
    Revision,
    Snippet,
)
from tests.factories import UserFactory

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


def _work(snippet, annotator, *revisions, status="submitted"):
    assignment = Assignment.objects.create(
        project=snippet.project,
        snippet=snippet,
        annotator=annotator,
        status=status,
        lease_expires_at=timezone.now() + timedelta(minutes=30),
    )
    for number, (spans, classes, segmentation) in enumerate(revisions, start=1):
        Revision.objects.create(
            assignment=assignment,
            number=number,
            annotator=annotator,
            spans=[{"start": a, "end": b, "label": label} for a, b, label in spans],
            classes=classes,
            segmentation=segmentation,
        )


@pytest.fixture
def voted(project):
    """Six snippets: a majority, a tie, a rework, an adjudication, one nobody submitted and
    a gold item; labels and classes with quotes, backslashes and the ", " separator."""
    batch = Batch.objects.create(project=project, name='包 "一" \\', status="accepted")
    article = Article.objects.create(project=project, raw_text="".join(TEXTS), raw_hash="h")
    snippets = [
        Snippet.objects.create(
            project=project,
            article=article,
            batch=batch,
            position=n,
            text=text,
            text_hash=str(n),
            offset_map=[0, 0],
            tokens="2,5" if n == 3 else "",
            tokenizer_version="jieba 0.42.1",
            gold=n == 5,
        )
        for n, text in enumerate(TEXTS)
    ]
    a, b, c = (UserFactory(username=name) for name in ("甲", "乙", "丙"))
    place, odd = (5, 7, "地名"), (0, 3, '机构 "A", \\B')
    # 0: two against one; the late third work does not count.
    _work(snippets[0], a, ([place], ["正面"], []))
    _work(snippets[0], b, ([odd], ['中性", "其他'], []))
    _work(snippets[0], c, ([place], ["正面"], []))
    _work(snippets[0], UserFactory(), ([odd], [], []), status="expired")
    # 1: one each: the earliest work wins the tie.
    _work(snippets[1], b, ([(3, 7, "人名")], [], []))
    _work(snippets[1], a, ([(0, 4, "人名")], [], []))
    # 2: reworked: the latest revision counts; classes only, words corrected.
    _work(snippets[2], a, ([], ["旧"], [2, 4]), ([], ["新", "负面"], [2, 5, 9]))
    # 3: settled twice: the latest adjudication is the final one, jieba's words kept.
    _work(snippets[3], a, ([(0, 1, "数")], [], []))
    for spans in ([{"start": 1, "end": 2, "label": "数"}], [{"start": 2, "end": 4, "label": "数"}]):
        Adjudication.objects.create(project=project, snippet=snippets[3], spans=spans)
    # 5: a gold item, never exported.
    _work(snippets[5], a, ([(0, 2, "金")], [], []))
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


def test_the_database_chooses_the_same_finals_for_the_other_formats(voted):
    _, expected, versions = _python_file(voted)
    met: Counter = Counter()

    found = list(final_items(voted.project_id, [b.id for b in _batches(voted)], met))

    assert found == expected and met == versions
    assert [item.adjudicated for item in found] == [False, False, False, True]


def _batches(job):
    return Batch.objects.filter(project_id=job.project_id)
