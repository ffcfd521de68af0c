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
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the database path is PostgreSQL's"
    ),
]


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
            "span:人名": 2,
            'relation:到 "过" \\': 1,
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
