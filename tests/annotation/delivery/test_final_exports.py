"""Our JSONL of a partly annotated project is the same file on both databases: the suite
runs on SQLite and on PostgreSQL (where the database writes the lines), and each run
compares the file with the one written out here."""

import gzip
import json

import pytest

from annotation.delivery.services import export_execute
from annotation.delivery.storage import stored_chunks
from annotation.models import ExportJob, Snippet
from tests.annotation.delivery.conftest import META, VISITED

pytestmark = pytest.mark.django_db

# What every line carries of its record: its article's title, file and meta.
RECORD = {
    "title": '标题 "甲" \\',
    "source": '客户 "数据".jsonl',
    "meta": META,
    "relations": [],
    "events": [],
}

# By snippet position (ids differ between databases); every line as exported.
EXPECTED = [
    {
        "id": 0,
        "text": "𠮷野家😀在北京开了新店，张三说：“好！”",
        "spans": [
            {"start": 5, "end": 7, "label": "地名", "text": "北京"},
            {"start": 12, "end": 14, "label": "人名", "text": "张三"},
        ],
        "classes": ["正面"],
        "segmentation": [],
        "annotator": None,
        "revision": None,
        "review": None,
        "adjudicated": False,
        "tie": False,
        "batch": '包 "一" \\',
        **RECORD,
        "relations": [VISITED],
    },
    {
        "id": 1,
        "text": 'He said "你好" \\ 再见\\n',
        "spans": [{"start": 3, "end": 7, "label": "人名", "text": "said"}],
        "classes": [],
        "segmentation": [],
        "annotator": None,
        "revision": None,
        "review": None,
        "adjudicated": False,
        "tie": True,
        "batch": '包 "一" \\',
        **RECORD,
    },
    {
        "id": 2,
        "text": "制表\t符与\u0001控制字符",
        "spans": [],
        "classes": ["新", "负面"],
        "segmentation": [2, 5, 9],
        "annotator": None,
        "revision": None,
        "review": None,
        "adjudicated": False,
        "tie": False,
        "batch": '包 "一" \\',
        **RECORD,
    },
    {
        "id": 3,
        "text": "一二三四五六七八九十",
        "spans": [{"start": 2, "end": 4, "label": "数", "text": "三四"}],
        "classes": [],
        "segmentation": [2, 5],
        "annotator": None,
        "revision": None,
        "review": None,
        "adjudicated": True,
        "tie": False,
        "batch": '包 "一" \\',
        **RECORD,
    },
]


def test_our_jsonl_of_a_partly_annotated_project_is_the_same_file_on_both_databases(voted):
    export_execute(export_id=voted.id)

    job = ExportJob.objects.get(id=voted.id)
    lines = gzip.decompress(b"".join(stored_chunks(job))).decode().splitlines()
    position = dict(Snippet.objects.values_list("id", "position"))
    found = []
    for line in lines:
        record = json.loads(line)
        found.append({**record, "id": position[record["id"]]})

    assert found == EXPECTED
